# exec with redirections only: persistent fds 3-9, closing, redirecting the shell's stdout.
# busybox 1.37 (riscv64 rootfs) words the bad-fd error "sh: dup2(3,1): Bad file
# descriptor" where 1.35 says "sh: 3: Bad file descriptor": hence
# expected/exec_redir.riscv64.err (checked against qemu-riscv64 running 1.37).
W=/tmp/sh-exec_redir; rm -rf $W; mkdir -p $W; cd $W
exec 3>file
echo first >&3
echo second >&3
exec 3>&-
cat file
echo more >&3 2>/dev/null || echo "fd 3 closed"
exec 4<file; read l <&4; echo "read via 4: $l"; read l <&4; echo "again: $l"; exec 4<&-
exec 5>>file; echo appended >&5; exec 5>&-; tail -n 1 file
(exec >sub.out; echo "into sub.out"); cat sub.out
exec 6>&1; exec >redirected; echo "hidden"; exec 1>&6 6>&-; echo "restored"; cat redirected
sh -c 'echo child writes fd 7 >&7' 7>seven; cat seven
