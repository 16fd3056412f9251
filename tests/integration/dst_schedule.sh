#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Schedules on the two daylight-saving days of Europe/Paris through the real
# seuild, its wall clock moved by libfaketime.  The clock is set by an
# offset in seconds from now (not "@DATE TIME", which names a wall time and
# cannot say which pass of a repeated hour it means), so each tap is named
# by its UTC instant.  CLOCK_MONOTONIC stays real.
#   2026-03-29: 01:59:59 CET, then 03:00 CEST at 01:00Z (02:xx never comes)
#   2026-10-25: 02:59:59 CEST, then 02:00 CET at 01:00Z (02:xx comes twice)
. "$(dirname "$0")/../lib.sh"

LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || { echo "skip dst_schedule: libfaketime not installed (package faketime)"; exit 0; }
write_config <<'CONF'

[security]
unsynced_clock = ignore
lockout_failures = 32
CONF
ctl init >/dev/null &&
	ctl group add night >/dev/null && ctl schedule set night 'Sun 00:00-02:30' >/dev/null &&
	ctl group add skipped >/dev/null && ctl schedule set skipped 'Sun 02:00-03:00' >/dev/null &&
	ctl group add late >/dev/null && ctl schedule set late 'Sun 02:30-05:00' >/dev/null &&
	ctl member add nina --group night >/dev/null && ctl badge add nina 04A00001 >/dev/null &&
	ctl member add sami --group skipped >/dev/null && ctl badge add sami 04A00002 >/dev/null &&
	ctl member add lea --group late >/dev/null && ctl badge add lea 04A00003 >/dev/null ||
	{ not_ok "setup"; exit 1; }

FT=$T/faketime
at_utc() {	# at_utc 'UTC TIME': seuild's clock jumps there and ticks on
	local d=$(($(date -u -d "$1" +%s) - $(date +%s)))
	if [ "$d" -lt 0 ]; then echo "$d"; else echo "+$d"; fi >"$FT"
}
at_utc "2026-10-24 12:00:00"
FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	LD_PRELOAD=$LIBFT ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 start_seuild ||
	{ not_ok "seuild starts under faketime"; exit 1; }

decisions() { sqlite3 "$T/seuil.db" "select count(*) from events where type in ('access_granted', 'access_denied')"; }
# expect 'UTC TIME' UID TYPE [REASON]: a tap at that instant is decided so,
# and stamped then (within the margin of a slow machine).
expect() {
	local when=$1 uid=$2 want="$3|${4:-}" n at got
	at=$(date -u -d "$1" +%s)
	n=$(decisions)
	at_utc "$when"
	tap front-in "$uid"; tap front-in -
	wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type in ('access_granted', 'access_denied')\") -gt $n ]" ||
		{ diag "at $when: no decision"; return 1; }
	got=$(sqlite3 "$T/seuil.db" "select (ts_ms / 1000 - $at) || '|' || type || '|' || ifnull(reason, '')
		from events where type in ('access_granted', 'access_denied') order by seq desc limit 1")
	[ "${got#*|}" = "$want" ] && [ "${got%%|*}" -ge 0 ] && [ "${got%%|*}" -le 20 ] && return 0
	diag "at $when: got '$got' (seconds after, type, reason), wanted '$want'"
	return 1
}

# Autumn: 00:00-02:30 ends at the first 02:30, and the second 02:00-02:29
# does not open it again; 02:30-05:00 is shut while the clock reads before
# 02:30 a second time.
check "autumn: 02:15 CEST inside 00:00-02:30" expect "2026-10-25 00:15:00" 04A00001 access_granted
check "autumn: 02:35 CEST after it" expect "2026-10-25 00:35:00" 04A00001 access_denied outside_schedule
check "autumn: 02:15 CET, the second pass, still after it" expect "2026-10-25 01:15:00" 04A00001 access_denied outside_schedule
check "autumn: 02:45 CEST inside 02:30-05:00" expect "2026-10-25 00:45:00" 04A00003 access_granted
check "autumn: 02:15 CET reads before 02:30" expect "2026-10-25 01:15:00" 04A00003 access_denied outside_schedule
check "autumn: 02:45 CET inside 02:30-05:00 again" expect "2026-10-25 01:45:00" 04A00003 access_granted
# Spring: 02:00-03:00 never comes; 02:30-05:00 opens at the skip.
check "spring: 01:59 CET, before 02:00-03:00" expect "2026-03-29 00:59:00" 04A00002 access_denied outside_schedule
check "spring: 03:00 CEST, past the skipped 02:00-03:00" expect "2026-03-29 01:00:30" 04A00002 access_denied outside_schedule
check "spring: 03:00 CEST opens 02:30-05:00" expect "2026-03-29 01:00:30" 04A00003 access_granted
check "spring: 03:00 CEST is past 00:00-02:30" expect "2026-03-29 01:00:30" 04A00001 access_denied outside_schedule
stop_seuild
