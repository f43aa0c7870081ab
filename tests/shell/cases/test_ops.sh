# test / [ operators: strings, integers, files, combinations.
W=/tmp/sh-test_ops; rm -rf $W; mkdir -p $W; cd $W
echo data > f; : > empty; mkdir d; ln -s f link; chmod 600 f
t() { if "$@"; then echo "true : $*"; else echo "false: $*"; fi; }
t [ abc = abc ]; t [ abc != abc ]; t [ -z "" ]; t [ -n "" ]; t [ a \< b ]; t [ b \> c ]
t [ 10 -eq 10 ]; t [ 3 -lt 20 ]; t [ 3 -gt 20 ]; t [ -5 -le -5 ]; t [ 7 -ne 7 ]; t [ 2 -ge 3 ]
t [ -e f ]; t [ -f d ]; t [ -d d ]; t [ -s empty ]; t [ -s f ]; t [ -L link ]; t [ -h f ]
t [ -r f ]; t [ -w f ]; t [ -x f ]; t [ -x d ]; t [ -e nope ]
t [ f -nt nope ]; t [ f -ef link ]
t [ -n x -a -z "" ]; t [ -n "" -o 1 -eq 1 ]; t [ ! -e nope ]; t [ \( 1 -eq 2 \) -o 3 -eq 3 ]
t test abc; t test ""; t [ ]
[ 1 -eq x ] 2>/dev/null; echo "bad integer status $?"
