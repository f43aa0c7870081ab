# Large data through pipes between several processes (each more than a 64 KiB pipe buffer).
seq 1 30000 | md5sum
seq 1 30000 | cat | cat | md5sum
seq 1 30000 | tail -n 1
seq 1 30000 | sort -rn | head -n 3
yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 1000000 | wc -c
dd if=/dev/zero bs=4096 count=256 2>/dev/null | gzip | gunzip | wc -c
