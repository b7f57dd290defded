#!/bin/bash
# run-all.sh - what `make check` runs after building: unit tests,
# integration tests (real daemons on loopback, driven by real clients),
# lint, and a short fuzz run of every target when clang is present. The
# last line is the one CI reads: "N passed, N failed".
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
add() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); }

# Unit tests.
out=$(tests/run-unit.sh 2>&1)
echo "$out"
line=$(echo "$out" | tail -1)
p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
add "${p:-0}" "${f:-1}"

# Lint.
if tools/lint.sh; then add 1 0; else add 0 1; fi

# Integration tests.
if [ -n "$(ls tests/integration/test_*.py 2>/dev/null)" ]; then
	log=$(mktemp)
	(cd tests/integration && /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		-o console_output_style=classic ${PYTEST_ARGS:-}) 2>&1 | tee "$log"
	summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|skipped)|in [0-9.]+s' "$log" | tail -1)
	p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$summary" | grep -oE '[0-9]+ (failed|error|errors)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
	[ -z "$summary" ] && f=1
	add "${p:-0}" "${f:-0}"
	rm -f "$log"
fi

# Fuzz smoke (each target a few seconds).
if command -v clang >/dev/null 2>&1 && [ -n "$(ls lib/*/*_fuzz.c */*_fuzz.c 2>/dev/null)" ]; then
	if make --no-print-directory fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-5}"; then
		add 1 0
	else
		add 0 1
	fi
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
