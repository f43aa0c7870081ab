# read loops over a file: IFS splitting, -r, last line without newline.
W=/tmp/sh-read_loop; rm -rf $W; mkdir -p $W; cd $W
printf 'root:x:0\nuser:y:1000\nlast:z:5' > f
while IFS=: read name pw id; do echo "name=$name id=$id"; done < f
printf 'a\\tb c\n' > g
read -r raw < g; echo "raw: $raw"
read cooked < g; echo "cooked: $cooked"
printf 'one two three four\n' | { read a b rest; echo "a=$a b=$b rest=$rest"; }
n=0; while read line; do n=$((n+1)); done < f; echo "lines read: $n"
seq 1 5 | while read x; do echo $((x * x)); done | tr '\n' ' '; echo
read nothing < /dev/null; echo "read at EOF: $?"
