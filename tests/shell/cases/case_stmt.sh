# case with patterns, alternatives, character classes, fallthrough to *.
for w in apple banana cherry 42 x-y "" Zed; do
  case "$w" in
    a*) echo "$w: starts with a" ;;
    banana|cherry) echo "$w: listed" ;;
    [0-9]*) echo "$w: number" ;;
    *-*) echo "$w: dash" ;;
    "") echo "empty" ;;
    [[:upper:]]*) echo "$w: upper" ;;
    *) echo "$w: other" ;;
  esac
done
case x in y) echo no ;; esac; echo "no match status $?"
