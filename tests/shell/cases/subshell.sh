# Subshells do not leak variables, cwd, traps, exit.
x=outer
(x=inner; echo "in: $x")
echo "out: $x"
(cd /etc && pwd); pwd
(exit 3); echo "status $?"
(trap 'echo sub-exit' EXIT; echo body)
y=$( (echo a; echo b) | wc -l ); echo "lines $y"
( ( (echo deep) ) )
(set -e; false; echo never); echo "set -e subshell: $?"
{ z=braces; }; echo "group keeps: $z"
