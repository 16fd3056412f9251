#!/usr/bin/env bash
# seuilctl report attendance over a year of data for 500 members (issue 5's
# target: under a second), by month as CSV, and by day as HTML.
set -u
: "${BUILD:?}" "${TOP:?}"
work=$(mktemp -d /tmp/seuil-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$BUILD/bench/gen_attendance" --db "$work/seuil.db" --members "${BENCH_MEMBERS:-500}" --days 365 2>/dev/null | grep '^bench:' || exit 1
mkdir -p "$work/door"
cat >"$work/seuild.conf" <<CONF
[site]
name = bench
timezone = Europe/Paris
[store]
database = $work/seuil.db
uid_key_file = $work/uid.key
[door.front]
gpio = sim
sim_dir = $work/door
[control]
socket = $work/control.sock
CONF
run() {	# NAME ARGS...: best of 3 wall-clock runs
	local name=$1 best="" t; shift
	for _ in 1 2 3; do
		t=$( { TIMEFORMAT=%3R; time "$BUILD/seuilctl" -f "$work/seuild.conf" report attendance "$@" >"$work/out" 2>"$work/err"; } 2>&1)
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "bench: $name $best s"
}
run report_year_by_month_csv --from 2026-01-01 --to 2026-12-31 --by month --csv
echo "bench: report_year_by_month_csv_rows $(($(wc -l <"$work/out") - 1)) rows"
run report_year_by_day_html --from 2026-01-01 --to 2026-12-31 --by day --html
echo "bench: report_year_by_day_html_size $(($(wc -c <"$work/out") / 1024)) KiB"
