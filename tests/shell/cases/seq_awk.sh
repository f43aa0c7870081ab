# seq | awk: sums, printf, arrays, BEGIN/END, fields.
seq 1 100 | awk '{ s += $1 } END { print "sum", s }'
seq 1 10 | awk '$1 % 2 == 0 { printf "%03d|", $1 } END { print "" }'
seq 5 -1 1 | awk '{ a[NR] = $1 } END { for (i = NR; i >= 1; i--) printf "%s ", a[i]; print "" }'
echo "a:b:c" | awk -F: '{ print $3, $1, NF }'
seq 1 20 | awk 'BEGIN { n = 0 } $1 ~ /1/ { n++ } END { print n " contain 1" }'
awk 'BEGIN { printf "%d %s %5.2f %x\n", 42, "str", 3.14159, 255 }'
seq 1 1000 | awk '{ s += $1 * $1 } END { print s }'
seq -w 8 11
seq 0 0.5 2
