# kill -9 of a background child: wait gives 137; kill of a finished child fails.
# ash prints "Killed" only when the `wait` builtin is the one that reaps the
# child; if SIGCHLD lands before `kill` returns, the reap after the builtin
# takes it silently. Which one wins is scheduling (Linux too), so the
# messages go to /dev/null and the statuses carry the check.
{
sleep 10 & p=$!
kill -9 $p; wait $p; echo "status $?"
sh -c 'while :; do :; done' & p=$!
kill -KILL $p; wait $p; echo "busy loop status $?"
sleep 10 & p=$!
kill -TERM $p; wait $p; echo "TERM status $?"
} 2>/dev/null
(exit 0) & p=$!; wait $p
kill -0 $p 2>/dev/null; echo "kill -0 of reaped child: $?"
kill -0 $$; echo "kill -0 self: $?"
