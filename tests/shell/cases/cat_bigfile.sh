# cat of files larger than a pipe buffer into pipes (busybox cat uses sendfile).
W=/tmp/sh-cat_bigfile; rm -rf $W; mkdir -p $W; cd $W
seq 1 40000 > f
wc -c < f
cat f | wc -c
cat f | md5sum
md5sum < f
cat f f | wc -l
cat < f | cat | tail -n 1
cat f > g; cmp f g && echo "file copy same"
