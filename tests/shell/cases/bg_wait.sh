# Background jobs: $!, wait PID returns its status, wait with no args, several jobs.
(exit 3) & p1=$!
(exit 5) & p2=$!
sh -c 'exit 9' & p3=$!
[ -n "$p1" ] && [ "$p1" != "$p2" ] && echo "distinct pids"
wait $p2; echo "p2: $?"
wait $p1; echo "p1: $?"
wait $p3; echo "p3: $?"
for i in 1 2 3 4; do (echo "job $i" > /dev/null; exit $i) & done
wait; echo "wait all: $?"
echo before; (sleep 0.05; echo from-bg) & wait; echo after
