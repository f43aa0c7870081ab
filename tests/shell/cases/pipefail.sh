# set -o pipefail (ash supports it): status of the rightmost failing stage.
false | true; echo "default: $?"
set -o pipefail
false | true; echo "pipefail: $?"
sh -c 'exit 3' | sh -c 'exit 4' | true; echo "rightmost failing: $?"
true | true; echo "all ok: $?"
yes | head -n 2; echo "yes killed by SIGPIPE: $?"
set +o pipefail
yes | head -n 1; echo "without pipefail: $?"
set -o | grep pipefail
