# trap INT/USR1/USR2/TERM/HUP, signals sent with kill to the shell itself.
trap 'echo "got USR1"' USR1
trap 'echo "got INT"' INT
trap 'echo "got TERM"' TERM
trap 'echo "got HUP"' HUP
kill -USR1 $$; echo "after USR1"
kill -INT $$; echo "after INT"
kill -s TERM $$; echo "after TERM"
kill -HUP $$; echo "after HUP"
kill -USR1 $$; kill -USR1 $$; echo "twice"
trap '' USR2; kill -USR2 $$; echo "ignored USR2"
trap - USR1; trap 'echo "exit trap"' EXIT
kill -USR1 $$; echo "not reached"
