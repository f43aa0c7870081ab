# The working directory is the directory itself, not its name: after the
# directory or an ancestor is renamed, relative paths, pwd -P, getcwd
# (/bin/pwd) and /proc/self/cwd follow it; once removed it stays removed,
# even when a new directory takes its name.
mkdir -p /tmp/t/a
cd /tmp/t/a
mv ../a ../b
echo hi > f
ls
/bin/pwd
readlink /proc/self/cwd
cat /tmp/t/b/f
mkdir -p /tmp/t/p/q/r
cd /tmp/t/p/q/r
mv /tmp/t/p /tmp/t/p2
echo there > g
/bin/pwd
cat /tmp/t/p2/q/r/g
ls ..
(mv /tmp/t/p2/q /tmp/t/q2; /bin/pwd; cat g)
/bin/pwd
mkdir /tmp/t/a
ls /tmp/t/a
ls
mkdir /tmp/t/gone
cd /tmp/t/gone
rmdir /tmp/t/gone
echo x > h || echo "create in removed cwd: failed"
/bin/pwd || echo "pwd in removed cwd: failed"
readlink /proc/self/cwd
mkdir /tmp/t/gone
echo x > h || echo "create after a new dir took the name: failed"
ls /tmp/t/gone
cd /tmp/t/b
echo end; ls /tmp/t
