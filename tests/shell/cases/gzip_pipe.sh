# gzip | gunzip: data survives; files; -t; compressed input detection.
W=/tmp/sh-gzip_pipe; rm -rf $W; mkdir -p $W; cd $W
seq 1 5000 | gzip | gunzip | md5sum
seq 1 5000 | md5sum
seq 1 3000 > data; gzip -9 data; ls; gzip -t data.gz && echo "test ok"
gunzip data.gz; wc -l < data
gzip -c data | gzip -dc | cmp - data && echo "stream same"
echo hello | gzip | zcat
echo "not gzip" | gunzip 2>/dev/null; echo "bad input status $?"
