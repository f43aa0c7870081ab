# Nested sh -c, several levels, statuses and quoting passed through.
sh -c 'sh -c "sh -c \"echo deep; exit 4\""'; echo "status $?"
sh -c 'echo "level1 $0 $1"' name arg
sh -c 'x=$(sh -c "echo inner"); echo "got $x"'
sh -c 'sh -c "exit 3" || echo "inner failed with $?"'
sh -c 'sh -c '\''echo "single quotes ok"'\'
echo 'echo piped-script' | sh
sh -c 'sh -c "sh -c \"sh -c \\\"sh -c \\\\\\\"echo five\\\\\\\"\\\"\""'
