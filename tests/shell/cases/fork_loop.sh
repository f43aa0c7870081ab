# 200 iterations, each forking a child that runs true (subshell, then /bin/true).
i=0; ok=0
while [ $i -lt 200 ]; do
  if (true); then ok=$((ok + 1)); fi
  i=$((i + 1))
done
echo "subshells: $ok"
n=0; for i in $(seq 1 200); do /bin/true && n=$((n + 1)); done; echo "execs: $n"
