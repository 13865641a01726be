#!/bin/sh
# The static checks of `make lint`, counted like the other runners:
# cppcheck over src/ (warnings, performance, portability; suppressions
# only inline, each with its reason) and clang-format over src/ and
# tests/unit/ against the repository's .clang-format.  `make format`
# rewrites what the second one finds.  Prints "lint: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 2
passed=0
failed=0

if cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr -D_GNU_SOURCE --suppress=missingIncludeSystem -Isrc src; then
	echo "ok   cppcheck"
	passed=$((passed + 1))
else
	echo "FAIL cppcheck (its findings are above)"
	failed=$((failed + 1))
fi

bad=""
for f in src/*.c src/*.h tests/unit/*.c tests/unit/*.h; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -z "$bad" ]; then
	echo "ok   clang-format"
	passed=$((passed + 1))
else
	echo "FAIL clang-format: not formatted (make format):$bad"
	failed=$((failed + 1))
fi

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
