# Here-documents: expanding, quoted delimiter, <<- tab stripping, in functions and pipes.
name=world
cat <<EOT
hello $name
sum $((2+3)) cmd $(echo sub)
\$escaped
EOT
cat <<'EOT'
literal $name $(echo no)
EOT
cat <<-EOT
	tab-stripped $name
		double tab
	EOT
f() { cat <<X
in function: $1
X
}
f arg
cat <<A | tr a-z A-Z
piped heredoc
A
while read x; do echo "r:$x"; done <<E
1
2
E
