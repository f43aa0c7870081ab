# for / while / until / break / continue / nested.
for i in a b c; do printf '%s ' "$i"; done; echo
for i in $(seq 1 10); do [ $i = 3 ] && continue; [ $i = 7 ] && break; printf '%s ' $i; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo "while $i"
j=10; until [ $j -le 0 ]; do j=$((j-3)); done; echo "until $j"
for a in 1 2 3; do for b in x y; do [ $b = y ] && continue 2; echo "$a$b"; done; done
set -- p q r; for arg; do echo "arg $arg"; done
k=0; while :; do k=$((k+1)); [ $k -ge 4 ] && break; done; echo "k=$k"
for f in /etc/passwd /nonexistent; do if [ -e "$f" ]; then echo "$f yes"; else echo "$f no"; fi; done
