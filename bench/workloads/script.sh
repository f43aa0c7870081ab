# script.sh: 50-command shell script benchmark for vmrun (bench/run.sh).
# Run as:  busybox sh -c "$(cat script.sh)" script BB
# where BB is how to start an external busybox applet in that mode (word-
# split on purpose): "/bin/busybox" (vmrun, native chroot) or
# "qemu-ARCH /path/to/busybox" (qemu-user, so that every external process is
# emulated too). Every external command goes through $BB, so each is one
# fork+execve of busybox in every mode; builtins (echo, test, :, read, set,
# arithmetic, case) stay in the shell. Output is deterministic.
# One command (or one pipeline / assignment with $(...)) per numbered line.
BB=$1
n=0                                                    # 1  builtin
for w in alpha beta gamma delta; do n=$((n + ${#w})); done   # 2  builtin loop
echo "letters $n"                                      # 3  builtin
x=$($BB expr 6 \* 7)                                   # 4  subst + external
echo "expr $x"                                         # 5
y=$($BB basename /usr/share/doc/readme.txt .txt)       # 6  subst + external
echo "base $y"                                         # 7
$BB seq 1 200 | $BB wc -l                               # 8  pipeline (2 ext)
$BB seq 1 50 | $BB sort -rn | $BB head -3               # 9  pipeline (3 ext)
echo "hello world" | $BB tr a-z A-Z                     # 10 builtin | ext
s=$(echo "a:b:c:d" | $BB cut -d: -f2-3)                # 11 subst of pipeline
echo "cut $s"                                          # 12
test "$s" = "b:c" && echo "test ok"                    # 13 builtin
[ $x -gt 40 ] && echo "gt ok"                          # 14 builtin
case $y in readme) echo "case ok" ;; *) echo "case bad" ;; esac   # 15 builtin
i=0; while [ $i -lt 20 ]; do i=$((i + 1)); done; echo "while $i"  # 16 builtin loop
$BB printf '%s-%s\n' one two                           # 17 external
printf '%05d\n' 42                                     # 18 builtin printf
t=$($BB date -u -d @0 +%Y)                             # 19 subst + external
echo "epoch $t"                                        # 20
$BB echo "external echo"                               # 21 external
l=$(printf 'x\ny\nz\n' | $BB wc -l)                    # 22 subst of pipeline
echo "lines $l"                                        # 23
echo "b a c" | $BB tr ' ' '\n' | $BB sort | $BB tr -d '\n'; echo   # 24 pipeline (3 ext)
h=$(echo "abc" | $BB md5sum | $BB cut -c1-8)           # 25 subst of pipeline
echo "md5 $h"                                          # 26
$BB true && echo "true ok"                             # 27 external
$BB false || echo "false ok"                           # 28 external
c=$($BB seq 1 100 | $BB awk '{s += $1} END {print s}')   # 29 subst of pipeline
echo "sum $c"                                          # 30
set -- one two three; echo "args $# $2"                # 31 builtin
v=$( (echo inner; echo sub) | $BB tail -1)             # 32 subshell pipeline
echo "sub $v"                                          # 33
$BB yes | $BB head -1000 | $BB wc -c                   # 34 pipeline (3 ext)
read a b <<END
first second
END
echo "read $a/$b"                                      # 35 builtin read + heredoc
z=$(echo "$x + $c" | $BB bc 2>/dev/null || $BB expr $x + $c)   # 36 subst
echo "z $z"                                            # 37
$BB dd if=/dev/zero bs=1k count=64 2>/dev/null | $BB wc -c   # 38 pipeline (2 ext)
f=$($BB printf 'q\nw\ne\n' | $BB sort | $BB head -1)   # 39 subst of pipeline
echo "first $f"                                        # 40
u=$(echo "MiXeD" | $BB tr A-Z a-z)                     # 41 subst of pipeline
echo "lower $u"                                        # 42
$BB uname -s                                           # 43 external (Linux)
k=0; for j in $($BB seq 1 10); do k=$((k + j)); done; echo "for $k"   # 44 subst + loop
$BB test -d / && echo "dir ok"                         # 45 external test
p=$(echo "a b c d e" | $BB wc -w)                      # 46 subst of pipeline
echo "words $p"                                        # 47
$BB sleep 0                                            # 48 external
r=$($BB seq 5 | $BB paste -sd+ | $BB bc 2>/dev/null || echo 15)   # 49 subst of pipeline
echo "done $r"                                         # 50
