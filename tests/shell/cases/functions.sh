# Functions: local variables, recursion, return status, $@ inside.
g=global
f() { local g=local; local n=$1; echo "in f: $g $n $#"; g2=set-by-f; return 4; }
f one two; echo "status $? g=$g g2=$g2"
fact() { local n=$1; if [ $n -le 1 ]; then echo 1; else echo $(( n * $(fact $((n-1))) )); fi; }
echo "10! = $(fact 10)"
fib() { local a=0 b=1 i=0 t; while [ $i -lt $1 ]; do t=$((a+b)); a=$b; b=$t; i=$((i+1)); done; echo $a; }
echo "fib 30 = $(fib 30)"
outer() { local v=outer; inner; echo "after inner: $v"; }
inner() { echo "inner sees: $v"; v=changed; }
outer
args() { for a in "$@"; do echo "<$a>"; done; }
args "a b" c "" d
