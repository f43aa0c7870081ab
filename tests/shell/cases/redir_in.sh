# < input redirection, <> and fd duplication for input.
W=/tmp/sh-redir_in; rm -rf $W; mkdir -p $W; cd $W
printf 'l1\nl2\nl3\n' > in
wc -l < in
read first < in; echo "first=$first"
tr a-z A-Z < in > up; cat up
cat 0< in | tail -n 1
while read l; do echo "[$l]"; done < in
exec 5< in; read a <&5; read b <&5; echo "$a,$b"; exec 5<&-
cat <> in | head -n 1
