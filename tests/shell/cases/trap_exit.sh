# trap on EXIT: runs at normal end, on exit N (status kept), in subshells, reset.
trap 'echo "exit trap, status $?"' EXIT
(trap 'echo "sub trap"' EXIT; exit 4); echo "sub status $?"
sh -c 'trap "echo inner trap" EXIT; exit 6'; echo "inner status $?"
sh -c 'trap "echo reset" EXIT; trap - EXIT; echo body'
trap -p EXIT 2>/dev/null | sed 's/^/listed: /' || true
echo end
exit 3
