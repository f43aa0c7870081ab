# Exit statuses: exit 255, exit 256 wraps, false, !, not found 127, not executable 126.
W=/tmp/sh-exit_codes; rm -rf $W; mkdir -p $W; cd $W
sh -c 'exit 255'; echo "255: $?"
sh -c 'exit 256'; echo "256: $?"
sh -c 'exit 300'; echo "300: $?"
false; echo "false: $?"
! false; echo "! false: $?"
! true; echo "! true: $?"
no-such-command-xyz 2>/dev/null; echo "not found: $?"
/nonexistent/cmd 2>/dev/null; echo "missing path: $?"
echo 'echo hi' > noexec; chmod 644 noexec; ./noexec 2>/dev/null; echo "not executable: $?"
sh -c 'false; exit'; echo "bare exit keeps last: $?"
sh -c 'return 2 2>/dev/null; exit 8'; echo "return at top: $?"
exit 255
