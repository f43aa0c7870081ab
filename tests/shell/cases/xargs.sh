# xargs: -n, -I, with sh -c, empty input, exit status 123 when a command fails.
seq 1 10 | xargs -n 3 echo
seq 1 10 | xargs echo sum: | awk '{s=0; for(i=2;i<=NF;i++) s+=$i; print $1, s}'
printf 'a\nb\nc\n' | xargs -I{} echo "item {}"
echo "x y z" | xargs -n 1 sh -c 'echo "sh got $0"'
printf '' | xargs echo empty; echo "status $?"
seq 1 3 | xargs -n 1 sh -c 'exit $0' 2>/dev/null; echo "failing command status $?"
printf 'one two\0three\0' | xargs -0 -n 1 echo
