#!/bin/bash
# run.sh SECONDS TARGET... - run each libFuzzer target for SECONDS on its
# corpus in tests/fuzz/<name>/ (seeds are committed there; new inputs go to
# build/fuzz-corpus/<name>/ so the tree stays clean). A crash fails the run
# and leaves the input under build/fuzz-crashes/.
cd "$(dirname "$0")/../.."
secs=$1
shift
bad=0
for t in "$@"; do
	name=$(basename "$t" _fuzz)
	seeds=tests/fuzz/$name
	work=build/fuzz-corpus/$name
	mkdir -p "$work" build/fuzz-crashes
	dict=()
	[ -f "$seeds/$name.dict" ] && dict=(-dict="$seeds/$name.dict")
	[ -d "$seeds" ] || seeds=
	out=$(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		"$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix=build/fuzz-crashes/"$name"- "${dict[@]}" \
		"$work" $seeds 2>&1)
	rc=$?
	execs=$(echo "$out" | grep -oE 'Done [0-9]+ runs' | grep -oE '[0-9]+')
	if [ $rc != 0 ]; then
		echo "$out" | tail -40
		echo "fuzz: $name: FAILED (exit $rc)"
		bad=1
	else
		echo "fuzz: $name: ${execs:-?} runs in ${secs}s, no crash"
	fi
done
exit $bad
