#!/usr/bin/env bash
# Print what the failed tests of the last ctest run in BUILD_DIR printed,
# from ctest's own log (the run that failed, not a rerun that may pass).
# Each test's output is cut to its last LINES lines.
#
#   bash scripts/show-failures.sh BUILD_DIR [LINES]
set -euo pipefail
dir=$1
lines=${2:-80}
failed=$dir/Testing/Temporary/LastTestsFailed.log
log=$dir/Testing/Temporary/LastTest.log
[ -s "$failed" ] && [ -f "$log" ] || exit 0
# LastTestsFailed.log lines are "NUMBER:NAME".
cut -d: -f2- "$failed" | while IFS= read -r name; do
  echo "==> output of failed test $name (last $lines lines, from $log)"
  awk -v t="$name" '
    $0 ~ /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); on = ($0 == t); next }
    on && /^<end of output>$/ { on = 0 }
    on { print }' "$log" | tail -n "$lines"
done
