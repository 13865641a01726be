#!/bin/sh
# Run the libFuzzer harnesses for a bounded time each.
#
#   sh tests/fuzz/run.sh [--keep] BUILD_DIR SECONDS
#
# Each harness starts from its committed seed corpus (tests/fuzz/corpus-*)
# and the HTTP dictionary.  Without --keep (the way `make test` runs it)
# the corpus grows in a temporary directory that is removed afterwards;
# with --keep (`make fuzz`) it grows in BUILD_DIR/fuzz/corpus-NAME/ and is
# reused by the next run.  A crash, leak, sanitizer report or timeout
# leaves its input in BUILD_DIR/fuzz/findings/ and counts as a failure.
#
# The last line is "fuzz: N passed, M failed" (one check per harness).
set -u

keep=0
if [ "${1:-}" = "--keep" ]; then
	keep=1
	shift
fi
build=${1:?usage: run.sh [--keep] BUILD_DIR SECONDS}
seconds=${2:?usage: run.sh [--keep] BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
findings="$build/fuzz/findings"
mkdir -p "$findings"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/forkd-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
for name in conn path; do
	bin="$build/fuzz/fuzz-$name"
	if [ ! -x "$bin" ]; then
		echo "fuzz-$name: FAILED: $bin is not built (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	if [ "$keep" -eq 1 ]; then
		corpus="$build/fuzz/corpus-$name"
	else
		corpus="$tmp/corpus-$name"
	fi
	mkdir -p "$corpus"
	cp -n "$here/corpus-$name"/* "$corpus"/ 2>/dev/null
	before=$(ls "$corpus" | wc -l)
	# -timeout: one input taking this long is a hang, a finding too.
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-dict="$here/http.dict" -print_final_stats=1 \
		-artifact_prefix="$findings/$name-" "$corpus" \
		>"$tmp/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
	after=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz-$name: ok: ${runs:-?} inputs in ${seconds}s, corpus $before -> $after"
		passed=$((passed + 1))
	else
		echo "fuzz-$name: FAILED (exit $rc); the input is in $findings/:"
		grep -E '^(fuzz_|==[0-9]+==ERROR|SUMMARY|    #[0-9] )' "$tmp/$name.log" |
			head -n 20 | sed 's/^/  /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
