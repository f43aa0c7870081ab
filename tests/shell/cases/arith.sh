# $(( )) arithmetic: precedence, bit ops, hex/octal, comparisons, assignment ops.
echo $((1 + 2 * 3)) $(((1 + 2) * 3)) $((7 / 2)) $((7 % 3)) $((-7 / 2)) $((-7 % 3))
echo $((0x1f)) $((010)) $((1 << 10)) $((255 & 15)) $((8 | 3)) $((6 ^ 3)) $((~0))
echo $((3 > 2)) $((3 < 2)) $((2 == 2)) $((2 != 2)) $((1 && 0)) $((1 || 0)) $((!5))
x=5; echo $((x += 3)) $((x *= 2)) $((x -= 1)) $((x /= 3)) $((x++)) $x $((--x))
echo $((x > 3 ? 100 : 200))
echo $((9223372036854775807)) $((-9223372036854775807 - 1))
echo $((2 ** 10)) 2>/dev/null || echo "no power"
y=abc; echo $((${#y} * 2))
i=0; s=0; while [ $i -lt 100 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo "sum of squares $s"
