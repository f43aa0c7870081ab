# 2>&1, >&2, 2>file, order of redirections, /dev/null.
W=/tmp/sh-redir_err; rm -rf $W; mkdir -p $W; cd $W
sh -c 'echo out; echo err >&2' 2>&1 | sort
sh -c 'echo out; echo err >&2' 2>e >o; echo "o=$(cat o) e=$(cat e)"
sh -c 'echo out; echo err >&2' >both 2>&1; sort both
sh -c 'echo out; echo err >&2' 2>&1 >/dev/null | sed 's/^/piped: /'
cat /nonexistent 2>/dev/null; echo "cat status $?"
ls /nonexistent-dir 2>&1 | sed 's/^/msg: /'
echo to-stderr >&2
{ echo a; echo b >&2; } 2>&1 | wc -l
