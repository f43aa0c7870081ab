# kill -9 of a background child: wait gives 137; kill of a finished child fails.
sleep 10 & p=$!
kill -9 $p; wait $p; echo "status $?"
sh -c 'while :; do :; done' & p=$!
kill -KILL $p; wait $p; echo "busy loop status $?"
sleep 10 & p=$!
kill -TERM $p; wait $p; echo "TERM status $?"
(exit 0) & p=$!; wait $p
kill -0 $p 2>/dev/null; echo "kill -0 of reaped child: $?"
kill -0 $$; echo "kill -0 self: $?"
