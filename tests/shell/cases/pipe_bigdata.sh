# Large data through pipes between several processes (much more than a pipe buffer).
seq 1 200000 | md5sum
seq 1 200000 | cat | cat | md5sum
seq 1 200000 | tail -n 1
seq 1 200000 | sort -rn | head -n 3
yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 1000000 | wc -c
dd if=/dev/zero bs=4096 count=256 2>/dev/null | gzip | gunzip | wc -c
