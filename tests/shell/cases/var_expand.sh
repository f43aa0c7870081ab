# Parameter expansion: defaults, substrings, pattern removal, length, positional.
unset u; e=""; v=value.tar.gz
echo "${u:-default} ${e:-empty-default} ${v:-x} ${u-unset} [${e-unset}]"
echo "${v#*.} ${v##*.} ${v%.*} ${v%%.*} ${#v}"
echo "${u:=assigned} $u"
echo "${v:+alt} [${u2:+alt}]"
(echo "${u3:?is missing}") 2>&1 | sed 's/^.*: //'
set -- a b c d e; echo "$# $1 ${5} $*"; shift 2; echo "$# $@"
echo "${v:2:3}" 2>/dev/null
s="a-b-c"; echo "${s//-/+} ${s/-/_}"
IFS=:; set -- $(echo "x:y:z"); echo "$# $2"; unset IFS
x='*'; echo "$x" | wc -c
