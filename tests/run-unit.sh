#!/bin/bash
# run-unit.sh - run every unit test binary in build/tests; print one
# "unit: N passed, N failed" line. Each binary prints "T-RESULT name p f".
cd "$(dirname "$0")/.."
passed=0
failed=0
for t in build/tests/*_test; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$(T_PROG=$name timeout 120 "$t" 2>&1)
	rc=$?
	res=$(printf '%s\n' "$out" | sed -n 's/^T-RESULT [^ ]* \([0-9]*\) \([0-9]*\)$/\1 \2/p' | tail -1)
	if [ -z "$res" ]; then
		printf '%s\n' "$out" | tail -20
		echo "unit: $name: crashed or hung (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	set -- $res
	passed=$((passed + $1))
	failed=$((failed + $2))
	if [ "$2" != 0 ] || [ $rc != 0 ]; then
		printf '%s\n' "$out" | grep -v '^T-RESULT'
		echo "unit: $name: $2 failed"
		[ "$2" = 0 ] && failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ $failed = 0 ]
