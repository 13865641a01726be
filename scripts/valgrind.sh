#!/bin/sh
# `make valgrind`: integration tests against the plain build (no ASan)
# with the master and every worker under valgrind's memcheck.  Fails when
# a test fails, or when any forkd process reports a memcheck error or a
# definite leak.  Usage: sh scripts/valgrind.sh BUILD_DIR [TEST_NAME ...]
set -u

build=${1:-build}
[ $# -eq 0 ] || shift
here=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
exe=""
for f in /usr/libexec/valgrind/memcheck-$arch-linux /usr/lib/*/valgrind/memcheck-$arch-linux; do
	[ -x "$f" ] && exe=$f && break
done
if ! command -v valgrind >/dev/null || [ -z "$exe" ]; then
	echo "valgrind: not installed (Debian package valgrind, in the bench deps)" >&2
	exit 1
fi
[ $# -gt 0 ] || set -- test_one_combined_line_per_request test_three_pipelined_requests \
	test_http_table test_smuggling_corpus_direct test_chunk_terminator_split \
	test_generated_traversal_wordlist test_single_suffix_and_open_ranges \
	test_multipart_parts_match_the_file test_killed_worker_is_respawned test_sighup_new_root \
	test_keepalive_requests_limit test_random_garbage test_post_with_unsent_body \
	test_access_log_on_full_device test_file_changed_while_sent test_status_json

dir=$(mktemp -d "${TMPDIR:-/tmp}/forkd-valgrind.XXXXXX") || exit 2
FORKD_VALGRIND_DIR=$dir FORKD_TEST_WRAPPER="$here/valgrind-forkd" FORKD_TEST_EXE=$exe \
	FORKD_TEST_START_TIMEOUT=60 \
	python3 -u "$here/../tests/integration/run.py" --bin "$build/forkd" "$@"
trc=$?

# One log per process: count the processes, those with errors (definite
# leaks count as errors), and those that ended without a summary (killed).
total=0 bad=0 killed=0
for log in "$dir"/vg.*; do
	[ -e "$log" ] || continue
	total=$((total + 1))
	sum=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
	if [ -z "$sum" ]; then
		killed=$((killed + 1))
	elif [ "$sum" -ne 0 ]; then
		bad=$((bad + 1))
		echo "--- valgrind: $sum errors in $log"
		sed -n '/^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|definitely\|Syscall param\|Mismatched\)/,/^==[0-9]*== $/p' \
			"$log" | head -n 60
	fi
done
echo "valgrind: $total forkd processes, $bad with errors or definite leaks," \
	"$killed without a summary (killed by a signal); logs in $dir"
[ "$trc" -eq 0 ] && [ "$bad" -eq 0 ]
