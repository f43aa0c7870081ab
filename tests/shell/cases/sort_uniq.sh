# sort -n | uniq -c and friends.
printf '10\n9\n100\n9\n1\n10\n10\n' | sort -n | uniq -c
printf '10\n9\n100\n9\n1\n10\n10\n' | sort | uniq
printf 'b 2\na 3\nc 1\n' | sort -k2 -n
printf 'x\ny\nx\nz\ny\nx\n' | sort | uniq -c | sort -rn | head -n 2
seq 1 50 | awk '{ print $1 % 7 }' | sort -n | uniq -c | awk '{ printf "%s:%s ", $2, $1 } END { print "" }'
printf 'B\na\nC\nb\n' | sort -f
printf '3\n1\n2\n' | sort -r
printf 'a\na\nb\n' | uniq -d
printf 'a\na\nb\n' | uniq -u
