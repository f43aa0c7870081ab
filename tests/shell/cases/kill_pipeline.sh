# A background pipeline whose stages are killed one by one; a subshell trapping TERM.
W=/tmp/sh-kill_pipeline; rm -rf $W; mkdir -p $W; cd $W
sh -c 'echo $$ > p1.tmp; mv p1.tmp p1; exec sleep 10' | sleep 10 & p=$!
while [ ! -e p1 ]; do sleep 0.01; done
kill $(cat p1); kill -9 $p; wait $p; echo "pipeline killed: $?"
( trap 'exit 7' TERM; : > ready; while :; do sleep 0.02; done ) & p=$!
while [ ! -e ready ]; do sleep 0.01; done
kill -TERM $p; wait $p; echo "subshell trapped TERM: $?"
