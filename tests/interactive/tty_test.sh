#!/usr/bin/env bash
# An interactive `vmrun /bin/sh` driven through a real pseudo-terminal
# (tmux): a prompt, commands with output, line editing (history recall),
# Ctrl-C interrupting the foreground guest command (not vmrun), exit
# status, and the host terminal restored afterwards.
#   tty_test.sh VMRUN ROOTFS_BASE ARCH
set -u
vmrun=$1 base=$2 arch=$3
command -v tmux >/dev/null || { echo "tmux is missing (scripts/setup.sh installs it)"; exit 1; }
work=$(mktemp -d)
sock="$work/tmux.sock"
session=vmrun$$
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/run.sh" <<EOS
#!/usr/bin/env bash
stty -g > "$work/stty.before"
"$vmrun" --rootfs "$base/$arch" /bin/busybox sh -i
echo "EXITED=\$?"
stty -g > "$work/stty.after"
sleep 60
EOS
chmod +x "$work/run.sh"
tmux -S "$sock" new-session -d -s "$session" -x 100 -y 40 "$work/run.sh"

pass=0 fail=0
screen() { tmux -S "$sock" capture-pane -t "$session" -p; }
# Wait (up to 20 s) until the screen matches a regular expression.
wait_for() {
  for _ in $(seq 200); do
    screen | grep -Eq "$1" && return 0
    sleep 0.1
  done
  return 1
}
check() {
  if wait_for "$2"; then echo "ok   $1"; pass=$((pass + 1)); else
    echo "FAIL $1 (no match for /$2/)"; screen | sed 's/^/  | /'; fail=$((fail + 1)); fi
}
keys() { tmux -S "$sock" send-keys -t "$session" "$@"; }

check prompt '^/ #'
keys 'echo hello $((6*7))' Enter
check command-output '^hello 42$'
keys 'echo recalled-line' Enter
check second-command '^recalled-line$'
keys Up Enter  # line editing: history recall runs echo recalled-line again
for _ in $(seq 100); do [ "$(screen | grep -c '^recalled-line$')" -ge 2 ] && break; sleep 0.1; done
if [ "$(screen | grep -c '^recalled-line$')" -ge 2 ]; then echo "ok   history-recall"; pass=$((pass + 1)); else
  echo "FAIL history-recall"; screen | sed 's/^/  | /'; fail=$((fail + 1)); fi
# Ctrl-C only once the list really runs (a loaded machine can take seconds
# to start it), and then while the guest sleeps.
keys 'echo list-started; sleep 30; echo not-interrupted' Enter
check list-started '^list-started$'
sleep 1
keys C-c
keys 'echo status=$?' Enter
check ctrl-c-interrupts-guest '^status=130$'
if screen | grep -q '^not-interrupted$'; then echo "FAIL ctrl-c-stops-the-list"; fail=$((fail + 1)); else
  echo "ok   ctrl-c-stops-the-list"; pass=$((pass + 1)); fi
keys 'tty; test -t 0 && echo stdin-is-a-tty' Enter
check guest-sees-tty '^stdin-is-a-tty$'
keys 'exit 7' Enter
check exit-status '^EXITED=7$'
# run.sh writes stty.after just after printing EXITED: wait for it (a
# loaded machine ran cmp before it existed once).
for _ in $(seq 200); do [ -s "$work/stty.after" ] && break; sleep 0.1; done
sleep 0.2
if cmp -s "$work/stty.before" "$work/stty.after"; then echo "ok   terminal-restored"; pass=$((pass + 1)); else
  echo "FAIL terminal-restored"; fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
