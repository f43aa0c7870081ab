# cd inside subshells does not change the parent; cd -, PWD, OLDPWD.
cd /etc; (cd /usr && pwd); pwd
(cd /; cd bin 2>/dev/null || cd usr/bin; echo "sub pwd ok") ; pwd
cd /tmp; cd /etc; cd - >/dev/null; pwd; echo "OLDPWD=$OLDPWD"
cd /nonexistent 2>/dev/null; echo "cd missing: $? still $(pwd)"
x=$(cd /; pwd); echo "subst: $x, here: $PWD"
cd; echo "cd with no args: $PWD"
cd /usr/../etc && pwd
