# printf formats.
printf '%s|%5s|%-5s|%.2s\n' abc abc abc abc
printf '%d %i %05d %-4d| %+d %x %X %o %c\n' 42 -7 42 3 5 255 255 8 A
printf '%.3f %e %g %10.4f|\n' 3.14159265 12345.678 0.0001 2.5
printf '%s\n' one two three
printf '%s-%s\n' a b c
printf 'esc: \\ \t tab \101 \x41 %%\n'
printf '%b\n' 'b-escape\tX'
printf '%d\n' 0x10 010 "'A"
printf 'no newline'; echo
printf '%s %s\n' only
printf '%d\n' notanumber 2>/dev/null; echo "status $?"
