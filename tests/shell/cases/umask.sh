# umask: printing, setting, effect on new files and dirs, scoped to subshells.
W=/tmp/sh-umask; rm -rf $W; mkdir -p $W; cd $W
umask
umask 077; touch a; mkdir da; umask
umask 022; touch b; mkdir db
umask 0; touch c; umask
ls -ld a b c da db | cut -c1-10
(umask 027; umask); umask
umask -S 2>/dev/null
sh -c 'umask'
