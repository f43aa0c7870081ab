# Command substitution: nested, backticks, trailing newlines stripped, exit status.
echo "$(echo $(echo $(echo deep)))"
echo `echo back`tick
a=$(printf 'x\n\n\n'); echo "[$a]"
b=$(exit 7); echo "status $?"
c="$(echo "quoted   spaces")"; echo "$c"
d=$(cat <<E
heredoc in subst
E
); echo "$d"
n=$(seq 1 5 | wc -l); echo "count $((n * 2))"
echo "$(echo one; echo two)" | wc -l
e=$(echo $(echo $(echo $(echo 4 levels)) more) end); echo "$e"
