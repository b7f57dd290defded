#!/bin/sh
# make-run.sh - `make run`: create the demo instance in ./run (once), then
# start the whole suite in the foreground on loopback. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
gannet="$top/bin/gannet"
inst="$top/run"
if [ ! -f "$inst/gannet.conf" ]; then
	if ! "$gannet" init "$inst" --demo --port-base 10000; then
		# A build without the accounts module has no demo users.
		[ -f "$inst/gannet.conf" ] && exit 1
		echo "make run: creating the instance without demo users" >&2
		"$gannet" init "$inst" --port-base 10000
	fi
fi
echo
echo "Gannet demo instance: $inst"
echo "  SMTP        127.0.0.1:10025   (submission 10587 with STARTTLS, 10465 with TLS)"
echo "  POP3        127.0.0.1:10110   (POP3S 10995)"
echo "  IMAP        127.0.0.1:10143   (IMAPS 10993)"
if [ -f "$inst/demo-passwords" ]; then
	echo "  Users and passwords:"
	sed 's/^/    /' "$inst/demo-passwords"
fi
echo "  Log: $inst/log/gannet.log"
echo
if [ ! -x "$top/libexec/master" ]; then
	echo "make run: the master daemon is not built yet; nothing to start." >&2
	exit 1
fi
exec "$gannet" -c "$inst" start --foreground
