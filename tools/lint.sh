#!/bin/sh
# lint.sh - `make lint`: formatting, include layers, man pages, documented
# parameters, and raw socket I/O outside lib/util/stream.c. Prints every
# problem and exits 1 if there was one.
set -u
cd "$(dirname "$0")/.."
bad=0
fail() { echo "lint: $*"; bad=1; }

# 1. clang-format on every C file we own (generated files excluded).
if command -v clang-format >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
	for f in $files; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
			fail "$f: not clang-formatted (run clang-format -i $f)"
	done
else
	echo "lint: clang-format not found, formatting not checked"
fi

# 2. Layers: util <- proto <- mail <- programs (STYLE 1).
grep -n '#include "\(proto\|mail\)/' lib/util/*.[ch] && fail "lib/util includes a higher layer"
grep -n '#include "mail/' lib/proto/*.[ch] 2>/dev/null && fail "lib/proto includes lib/mail"
for d in master smtpd qmgr deliver pop3d imapd auth tools; do
	[ -d "$d" ] || continue
	grep -n '#include "\.\./' $d/*.[ch] 2>/dev/null && fail "$d reaches into another program"
	for o in master smtpd qmgr deliver pop3d imapd auth tools; do
		[ "$o" = "$d" ] && continue
		grep -n "#include \"$o/" $d/*.[ch] 2>/dev/null && fail "$d includes $o headers"
	done
done

# 3. Man pages: mandoc lint, and a page for every program.
for m in man/*.[0-9]; do
	mandoc -Tlint -Wwarning "$m" || fail "$m: mandoc warnings"
done
for b in $(sed -n 's/^PROGRAMS += //p' */Build.mk); do
	ls man/"$b".[0-9] >/dev/null 2>&1 || fail "program $b has no man page"
done

# 4. Every parameter is documented in gannet.conf(5) (STYLE 16).
srcs=$(ls lib/mail/*.c */*.c 2>/dev/null | grep -v '_test\.c$' | grep -v '_fuzz\.c$')
for p in $(grep -ho 'CFG_[A-Z]*("[a-z0-9_]*"' $srcs | cut -d'"' -f2 | sort -u); do
	grep -q "^\.It Cm $p\$" man/gannet.conf.5 || fail "undocumented parameter: $p"
done

# 5. Socket I/O only through lib/util/stream.c (STYLE 12).
grep -nE '\b(recv|send|recvfrom|sendto)\(' lib/*/*.c */*.c 2>/dev/null |
	grep -v '_test.c' | grep -v '_fuzz.c' |
	grep -v '^lib/util/stream.c' | grep -v '^lib/util/net.c' &&
	fail "raw socket I/O outside lib/util/stream.c"
grep -nE '(^|[^a-z_])select\(' lib/*/*.c */*.c 2>/dev/null |
	grep -vE '^[^:]*:[0-9]+:\s*(/?\*|//)' && fail "select() used (use poll)"

[ $bad = 0 ] && echo "lint: ok"
exit $bad
