# wait exit statuses: normal exit codes, killed by signals, wait on an unknown pid.
for code in 0 1 2 42 127 128 255; do sh -c "exit $code" & wait $!; echo "exit $code -> $?"; done
sh -c 'kill -TERM $$' & wait $!; echo "TERM -> $?"
sh -c 'kill -HUP $$' & wait $!; echo "HUP -> $?"
sh -c 'kill -USR2 $$' & wait $!; echo "USR2 -> $?"
sh -c 'kill -ABRT $$' & wait $!; echo "ABRT -> $?"
wait 99999 2>/dev/null; echo "unknown pid -> $?"
