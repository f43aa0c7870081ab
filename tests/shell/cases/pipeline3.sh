# Pipelines of 3 to 6 stages; $? of a pipeline is the last stage's.
seq 1 30 | grep 1 | sed 's/1/one/g' | tr a-z A-Z
seq 1 100 | grep 7 | sort -r | head -n 4 | tr '\n' ' ' | sed 's/ $//'
echo
echo abc | cat | cat | cat | cat | rev
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"
echo x | (read v; echo "read in pipe: $v"; exit 3); echo "subshell stage: $?"
! true | false; echo "negated: $?"
