#!/bin/sh
# mkusers.sh USER... - create the system users Gannet runs its services as
# (mail_owner, vmail_owner: `make install` passes gannet and vmail), each
# with its own group, no home and no login shell. Users that exist are
# left alone; run as root. `gannet init` does the same for an instance.
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "mkusers.sh: must run as root" >&2
	exit 1
fi
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false
for u in "$@"; do
	if getent passwd "$u" >/dev/null; then
		continue
	fi
	useradd --system --user-group --home-dir /nonexistent \
		--no-create-home --shell "$nologin" "$u"
	echo "mkusers.sh: created user $u"
done
