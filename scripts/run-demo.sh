#!/bin/sh
# Run the demo site in the foreground: scripts/run-demo.sh BINARY PORT
#
# `make run` calls this with build/forkd and $(RUN_PORT) (default 8080).
# Port 8080 uses conf/demo.conf as it is; any other port gets a copy in
# build/demo/demo.conf with the listen line changed and the relative paths
# made absolute, since relative paths resolve against the config file's
# own directory.
set -eu

usage() {
	echo "usage: $0 BINARY PORT" >&2
	exit 2
}

[ $# -eq 2 ] || usage
bin=$1
port=$2

case $port in
'' | *[!0-9]*) echo "run-demo: PORT must be a number, not '$port'" >&2; exit 2 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
	echo "run-demo: PORT must be between 1 and 65535" >&2
	exit 2
fi
if [ ! -x "$bin" ]; then
	echo "run-demo: $bin is not an executable (run 'make' first)" >&2
	exit 1
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
confdir=$repo/conf
mkdir -p "$repo/build/demo"

if [ "$port" = 8080 ]; then
	config=$confdir/demo.conf
else
	config=$repo/build/demo/demo.conf
	# Port 8080 in the listen line becomes $port; the quoted relative
	# paths of the path directives become absolute ("stderr" and "off"
	# are keywords, not paths).  ENVIRON, unlike awk -v, keeps
	# backslashes in the directory name as they are.
	CONFDIR=$confdir PORT=$port awk '
	/^[ \t]*listen[ \t]*=/ {
		gsub(/:8080"/, ":" ENVIRON["PORT"] "\"")
	}
	/^[ \t]*(root|pid_file|error_log|access_log)[ \t]*=/ && match($0, /"[^"]*"/) {
		v = substr($0, RSTART + 1, RLENGTH - 2)
		if (v != "stderr" && v != "off" && substr(v, 1, 1) != "/")
			$0 = substr($0, 1, RSTART) ENVIRON["CONFDIR"] "/" v \
			    substr($0, RSTART + RLENGTH - 1)
	}
	{ print }
	' "$confdir/demo.conf" >"$config.tmp"
	mv "$config.tmp" "$config"
fi

echo "forkd demo: serving conf/demo on http://127.0.0.1:$port/  (Ctrl-C to stop)"
exec "$bin" -c "$config"
