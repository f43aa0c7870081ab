# yes | head: the writer is stopped by SIGPIPE.
yes | head -n 5
yes abc | head -c 11; echo
yes | head -n 1000 | wc -l
yes line | sed 5q
yes | awk 'NR == 3 { print "third"; exit }'
