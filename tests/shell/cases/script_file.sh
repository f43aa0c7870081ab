# A script written to /tmp then run with sh, with ./ (#! line), with arguments.
W=/tmp/sh-script_file; rm -rf $W; mkdir -p $W; cd $W
cat > s.sh <<'S'
echo "script $# args: $*"
for a in "$@"; do echo "  [$a]"; done
echo "basename: ${0##*/}"
exit 42
S
sh s.sh one "two words" three; echo "status $?"
sh ./s.sh; echo "status $?"
printf '#!/bin/sh\necho "shebang run: $1"\n' > x.sh; chmod +x x.sh
./x.sh arg; echo "status $?"
$W/x.sh abs
printf 'echo sourced; SRC=yes\n' > inc.sh; . ./inc.sh; echo "SRC=$SRC"
echo 'echo "from stdin $1"' | sh -s sarg
