# > truncates, >> appends, >| and redirection order, noclobber.
W=/tmp/sh-redir_out; rm -rf $W; mkdir -p $W; cd $W
echo one > f; echo two >> f; echo three >> f; cat f
echo new > f; cat f
: > f; wc -c < f
echo a >f; echo b >>f; echo c 1>>f; cat f | wc -l
{ echo g1; echo g2; } > grp; cat grp
for i in 1 2 3; do echo "loop $i"; done > loop; cat loop
set -C; (echo clobber > f) 2>/dev/null || echo "noclobber refused"; echo forced >| f; cat f; set +C
echo x > "with space"; ls
