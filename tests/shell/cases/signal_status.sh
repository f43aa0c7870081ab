# A foreground child killed by a signal: $? = 128+N and ash's message on stderr.
sh -c 'kill -TERM $$'; echo "TERM: $?"
sh -c 'kill -HUP $$'; echo "HUP: $?"
sh -c 'kill -KILL $$'; echo "KILL: $?"
sh -c 'kill -SEGV $$'; echo "SEGV: $?"
sh -c 'kill -USR1 $$'; echo "USR1: $?"
sh -c 'kill -ALRM $$'; echo "ALRM: $?"
sh -c 'kill -INT $$'; echo "INT: $?"
sh -c 'kill -PIPE $$'; echo "PIPE: $?"
sh -c 'kill -TERM $$'
