# find | sort over a tree built in /tmp.
W=/tmp/sh-find_sort; rm -rf $W; mkdir -p $W; cd $W
mkdir -p a/b/c a/d e
for f in a/1.txt a/b/2.txt a/b/c/3.log a/d/4.txt e/5.log top.txt; do echo "$f" > "$f"; done
find . | sort
echo ---
find . -type f -name '*.txt' | sort
echo ---
find . -type d | sort | wc -l
find a -name '*.log' -exec cat {} \;
find . -type f | sort | xargs cat | wc -l
find . -newer /nonexistent 2>/dev/null; echo "status $?"
