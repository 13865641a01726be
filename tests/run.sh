#!/bin/sh
# Every test against the sanitizer build: the integration suite, the fuzz
# harnesses for a bounded time, the module layers (tests/layers.py, over
# the objects' symbols), lint (tests/lint.sh: cppcheck, clang-format), then
# the Check unit tests.  Usage: sh tests/run.sh BUILD_DIR [TEST_NAME ...]
# (names, if any, select integration tests: see tests/integration/run.py)
#
# The output ends with Check's summary line and then the grand total,
# "N passed, M failed".  Exits non-zero when a test failed, when a runner
# failed, or when a runner printed no summary.
set -u

build=${1:-build}
[ $# -eq 0 ] || shift
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/forkd-tests.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

# Integration: printed live; its exit status is kept through the pipe.
{
	python3 -u "$here/integration/run.py" --bin "$build/asan/forkd" "$@" 2>&1
	echo $? >"$out/integration.rc"
} | tee "$out/integration.out"
irc=$(cat "$out/integration.rc" 2>/dev/null || echo 1)
isum=$(sed -n 's/^integration: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
	"$out/integration.out" | tail -n 1)

# Fuzz: each libFuzzer harness for a bounded time (FUZZ_TEST_SECONDS).
# Skipped when integration tests were named, or with FUZZ_TEST_SECONDS=0.
if [ $# -eq 0 ] && [ "${FUZZ_TEST_SECONDS:-30}" -gt 0 ]; then
	sh "$here/fuzz/run.sh" "$build" "${FUZZ_TEST_SECONDS:-30}" 2>&1 |
		tee "$out/fuzz.out"
else
	echo "fuzz: 0 passed, 0 failed" >"$out/fuzz.out"
fi
fsum=$(sed -n 's/^fuzz: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
	"$out/fuzz.out" | tail -n 1)

# Layers: no module uses one above it, no cycle (see doc/DESIGN.md).
python3 "$here/layers.py" "$build" 2>&1 | tee "$out/layers.out"
lsum=$(sed -n 's/^layers: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
	"$out/layers.out" | tail -n 1)

# Lint: cppcheck and clang-format (tests/lint.sh, the same as make lint).
sh "$here/lint.sh" 2>&1 | tee "$out/lint.out"
ltsum=$(sed -n 's/^lint: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
	"$out/lint.out" | tail -n 1)

# Unit: Check prints its summary before the failure details; print the
# details first so that the summary line comes last.
"$build/asan/unit-tests" >"$out/unit.out" 2>&1
urc=$?
pat='^[0-9][0-9]*%: Checks: [0-9][0-9]*, Failures: [0-9][0-9]*, Errors: [0-9][0-9]*$'
grep -v "$pat" "$out/unit.out"
usum_line=$(grep "$pat" "$out/unit.out" | tail -n 1)
usum=$(printf '%s\n' "$usum_line" |
	sed -n 's/^.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/\1 \2 \3/p')

passed=0
failed=0
notes=""
note() { notes="$notes$1
"; failed=$((failed + 1)); }

if [ -n "$isum" ]; then
	# shellcheck disable=SC2086 # split into the two counts
	set -- $isum
	passed=$((passed + $1))
	failed=$((failed + $2))
	[ "$irc" -eq 0 ] || [ "$2" -ne 0 ] || note "tests: the integration runner exited $irc"
else
	note "tests: the integration runner printed no summary (exit $irc)"
fi
if [ -n "$fsum" ]; then
	# shellcheck disable=SC2086 # split into the two counts
	set -- $fsum
	passed=$((passed + $1))
	failed=$((failed + $2))
else
	note "tests: the fuzz runner printed no summary"
fi
if [ -n "$lsum" ]; then
	# shellcheck disable=SC2086 # split into the two counts
	set -- $lsum
	passed=$((passed + $1))
	failed=$((failed + $2))
else
	note "tests: the layer check printed no summary"
fi
if [ -n "$ltsum" ]; then
	# shellcheck disable=SC2086 # split into the two counts
	set -- $ltsum
	passed=$((passed + $1))
	failed=$((failed + $2))
else
	note "tests: the lint check printed no summary"
fi
if [ -n "$usum" ]; then
	# shellcheck disable=SC2086 # split into the three counts
	set -- $usum
	passed=$((passed + $1 - $2 - $3))
	failed=$((failed + $2 + $3))
	[ "$urc" -eq 0 ] || [ $(($2 + $3)) -ne 0 ] || note "tests: unit-tests exited $urc"
else
	note "tests: $build/asan/unit-tests printed no Check summary (exit $urc)"
fi

printf '%s' "$notes"
[ -z "$usum_line" ] || echo "$usum_line"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
