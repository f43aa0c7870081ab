# set -e: exceptions for ||, &&, if, !, and the status it exits with.
sh -c 'set -e; false || echo "or rescues"; if false; then :; fi; ! true; echo "still running"'; echo "status $?"
sh -c 'set -e; echo before; sh -c "exit 7"; echo never'; echo "status $?"
sh -c 'set -e; f() { false; echo "in f after false"; }; f; echo never'; echo "status $?"
sh -c 'set -e; x=$(false); echo never'; echo "status $?"
sh -c 'set -e; false && echo no; echo "and-list ok"'; echo "status $?"
sh -c 'set -e; (exit 3); echo never'; echo "status $?"
