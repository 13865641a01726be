#!/bin/sh
# Install the Debian packages forkd's build and tests need, when missing.
# Idempotent, and quiet when everything is already present.
set -eu

build="gcc make pkg-config libconfuse-dev check node-llhttp libxxhash-dev"
test="curl python3 procps haproxy goaccess logrotate aria2 clang libclang-rt-14-dev slowhttptest dpkg-dev lintian chromium fuse3 python3-fusepy clang-format cppcheck"
bench="wrk apache2-utils nginx-light lighttpd h2o gnuplot-nox nghttp2-client valgrind strace"
# make conformance: the peers forkd's answers are compared with
conformance="nginx-light lighttpd"

case "${1:-test}" in
build) want="$build" ;;
test) want="$build $test" ;;
bench) want="$build $test $bench" ;;
conformance) want="$build python3 $conformance" ;;
*) echo "usage: $0 [build|test|bench|conformance]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the index only when it is missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	apt-get update -qq
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
