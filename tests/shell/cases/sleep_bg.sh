# sleep in the background; wait; jobs finish in a fixed order through files.
sleep 0.1 &
sleep 0.1 &
wait; echo "both done $?"
sleep 0.1 & p=$!; wait $p; echo "waited $?"
(sleep 0.6; echo second) & (sleep 0.05; echo first) & wait
sleep 0; echo "sleep 0: $?"
sleep 0.01 & sleep 0.02 & sleep 0.03 & wait; echo all
