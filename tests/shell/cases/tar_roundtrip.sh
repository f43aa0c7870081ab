# tar: create in /tmp, list, extract elsewhere, compare every file with cmp.
W=/tmp/sh-tar_roundtrip; rm -rf $W; mkdir -p $W/src/sub/deeper $W/dst; cd $W
seq 1 2000 > src/numbers
printf 'hello\n' > src/sub/hello
yes tar | head -n 500 > src/sub/deeper/yes
: > src/empty
tar -cf t.tar src
tar -tf t.tar | sort
tar -xf t.tar -C dst
for f in numbers sub/hello sub/deeper/yes empty; do cmp src/$f dst/src/$f && echo "same $f"; done
tar -czf t.tgz -C src . && mkdir z && tar -xzf t.tgz -C z && cmp src/numbers z/numbers && echo "gz same"
cat t.tar | tar -tf - | wc -l
