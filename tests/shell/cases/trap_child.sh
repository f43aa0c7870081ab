# kill to a child shell that traps USR1 and TERM; readiness through a file.
W=/tmp/sh-trap_child; rm -rf $W; mkdir -p $W; cd $W
sh -c 'trap "echo child got USR1; exit 5" USR1; : > ready1; while :; do sleep 0.02; done' & p=$!
while [ ! -e ready1 ]; do sleep 0.01; done
kill -USR1 $p; wait $p; echo "child status $?"
sh -c 'trap "echo child got TERM; exit 0" TERM; : > ready2; while :; do sleep 0.02; done' & p=$!
while [ ! -e ready2 ]; do sleep 0.01; done
kill $p; wait $p; echo "child status $?"
sh -c 'trap "" INT; : > ready3; sleep 0.2; echo child survived INT' & p=$!
while [ ! -e ready3 ]; do sleep 0.01; done
kill -INT $p; wait $p; echo "child status $?"
