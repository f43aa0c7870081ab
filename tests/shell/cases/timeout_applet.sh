# The timeout applet: command finishes first, or is killed (TERM, or -s KILL).
timeout 5 true; echo "fast: $?"
timeout 5 sh -c 'exit 3'; echo "exit 3: $?"
timeout 0.2 sleep 5; echo "killed: $?"
timeout -s KILL 0.2 sleep 5; echo "killed -9: $?"
timeout 2 sh -c 'echo output through'; echo "status $?"
