#!/bin/sh
# deps.sh - install the Debian packages the build (and, with "all", the
# tests) need, when they are missing. Run by `make check`, `make run` and
# the first configure; does nothing when everything is there. Needs root to
# install; as another user it only reports what is missing.
#
# Installing postfix (for smtp-source/smtp-sink) or dnsmasq must not start
# them on the standard ports: a policy-rc.d that refuses service starts is
# put in place for the duration of the install.
set -eu

BUILD_PKGS="build-essential autoconf pkg-config libssl-dev libdb5.3-dev db5.3-util
 libpcre2-dev libspf2-dev libopendkim-dev libcrypt-dev openssl"
TEST_PKGS="python3 python3-pytest python3-aiosmtpd swaks curl fetchmail isync
 postfix dnsmasq-base faketime mandoc clang libclang-rt-14-dev iproute2
 procps psmisc clang-format strace"

case "${1:-all}" in
build) want="$BUILD_PKGS" ;;
*) want="$BUILD_PKGS $TEST_PKGS" ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: as root, run: apt-get install$missing" >&2
	[ "${1:-all}" = build ] && exit 1
	exit 0
fi

echo "deps: installing:$missing"
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=yes
fi
trap '[ "$made_policy" = yes ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
# postfix asks a debconf question; "No configuration" keeps it inert.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
if ! apt-get install -y -q --no-install-recommends $missing >/tmp/gannet-deps.log 2>&1; then
	apt-get update -q >>/tmp/gannet-deps.log 2>&1 || true
	if ! apt-get install -y -q --no-install-recommends $missing >>/tmp/gannet-deps.log 2>&1; then
		tail -20 /tmp/gannet-deps.log >&2
		echo "deps: apt-get install failed (log: /tmp/gannet-deps.log)" >&2
		exit 1
	fi
fi
# A postfix that slipped through must not hold port 25.
if command -v postfix >/dev/null 2>&1 && pgrep -x master >/dev/null 2>&1; then
	postfix stop >/dev/null 2>&1 || true
fi
exit 0
