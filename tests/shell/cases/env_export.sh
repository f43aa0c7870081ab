# Exported variables reach children; unexported ones do not; env -i, env -u, VAR=x cmd.
A=not-exported
export B=exported
sh -c 'echo "A=[$A] B=[$B]"'
C=one-shot sh -c 'echo "C=[$C]"'; echo "after: C=[$C]"
export A; sh -c 'echo "now A=[$A]"'
env | grep '^B='
env -i X=1 Y=2 env | sort
env -u B sh -c 'echo "unset B=[$B]"'
unset B; sh -c 'echo "after unset B=[$B]"'
export -p | grep -c 'A=' 
f() { echo "F=[$F]"; sh -c 'echo "child F=[$F]"'; }; F=fn f
env PATH=/bin sh -c 'echo "$PATH"'
