#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the libFuzzer targets of BUILD_DIR (default build/fuzz):
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS [TARGET...]]]
# For each target: replay tests/fuzz/regressions/NAME/ (every crash found so
# far) and the committed corpus, then fuzz for SECONDS (default 60) from
# the corpus, with new inputs kept in BUILD_DIR/corpus/NAME (never in the
# committed seeds).  Prints "ok fuzz_NAME (N execs)" or "not ok ..." per
# target, in the format tests/run counts.  A crash leaves its input in
# BUILD_DIR/crashes/NAME/: copy it into tests/fuzz/regressions/NAME/ with
# the fix.  FUZZ_JOBS=N runs N targets at once (default 1).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${1:-build/fuzz}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for b in "$build"/fuzz_*; do
		[ -x "$b" ] && targets+=("${b##*/fuzz_}")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "not ok fuzz: no targets in $build (make fuzz-bins)"
	exit 1
fi

run_target() {	# NAME: prints the target's result line
	local name=$1 bin=$build/fuzz_$1 log=$build/logs/$1.log
	local work=$build/corpus/$1 crashes=$build/crashes/$1/
	local seeds=tests/fuzz/corpus/$1 regs=tests/fuzz/regressions/$1
	local -a files
	local execs rc
	mkdir -p "$work" "$crashes" "$build/logs"
	: >"$log"
	# Replay: every regression and seed must pass as they are.
	mapfile -t files < <(find "$regs" "$seeds" -type f ! -name '.*' 2>/dev/null)
	if [ ${#files[@]} -gt 0 ]; then
		if ! "$bin" -runs=1 "${files[@]}" >>"$log" 2>&1; then
			echo "not ok fuzz_$name (replay of corpus/regressions failed; see $log)"
			grep -E 'ERROR|oracle failed|runtime error|Running:' "$log" | tail -5 | sed 's/^/# /'
			return
		fi
	fi
	[ "$seconds" -gt 0 ] || { echo "ok fuzz_$name (replay only)"; return; }
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=1024 -max_len=8192 -artifact_prefix="$crashes" \
		"$work" "$seeds" >>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok fuzz_$name (${execs:-?} execs in ${seconds}s)"
	else
		echo "not ok fuzz_$name (exit $rc after ${execs:-?} execs; input in $crashes, log $log)"
		grep -E 'ERROR|oracle failed|runtime error|Test unit written' "$log" | tail -5 | sed 's/^/# /'
	fi
}

jobs=${FUZZ_JOBS:-1}
for name in "${targets[@]}"; do
	if [ "$jobs" -gt 1 ]; then
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		run_target "$name" &
	else
		run_target "$name"
	fi
done
wait
