# sed and grep pipelines.
printf 'alpha\nbeta\ngamma\ndelta\n' > /tmp/sed_grep.in
grep -n a /tmp/sed_grep.in | sed 's/:/ => /'
grep -v a /tmp/sed_grep.in; echo "status $?"
grep -c ta /tmp/sed_grep.in
grep -q zzz /tmp/sed_grep.in; echo "no match $?"
sed -n '2,3p' /tmp/sed_grep.in
sed -e 's/a/A/g' -e '/^d/d' /tmp/sed_grep.in | grep -E '^(Al|be)'
echo "key=value" | sed -E 's/([a-z]+)=([a-z]+)/\2=\1/'
seq 1 12 | sed -n '0~4p' 2>/dev/null || seq 1 12 | awk 'NR % 4 == 0'
printf 'x1\nx2\nx3\n' | sed '2i\
inserted' | grep -A1 inserted
grep -e beta -e delta /tmp/sed_grep.in | sed '$!s/$/,/' | tr -d '\n'; echo
rm /tmp/sed_grep.in
