#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The wall clock under libfaketime, seuild's clock set through a timestamp
# file ("@DATE TIME": the clock starts there and ticks); CLOCK_MONOTONIC
# stays real (FAKETIME_DONT_FAKE_MONOTONIC=1).  Schedule edges (08:59:59
# denied, 09:00:00 granted; 17:59:59 granted, 18:00:00 denied, for Mon-Fri
# 09:00-18:00), validity ends and starts at midnight (inclusive), a visit
# expired while seuild was down, the day end, the 90-day retention
# (`seuilctl purge`), and a jump of +1 h and -1 h while the strike is
# energised, which must not change the pulse.
. "$(dirname "$0")/../lib.sh"

LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || { echo "skip fault_clock: libfaketime not installed (package faketime)"; exit 0; }
export TZ=Europe/Paris
write_config <<'CONF'

[security]
unsynced_clock = ignore
lockout_failures = 32

[presence]
expire_after = 24h
day_ends_at = 04:00
CONF
ctl init >/dev/null && ctl group add staff >/dev/null && ctl schedule set staff 'Mon-Fri 09:00-18:00' >/dev/null &&
	ctl member add dora --group staff >/dev/null && ctl badge add dora 04D0D0D0 >/dev/null &&
	ctl member add eve --until 2024-01-08 >/dev/null && ctl badge add eve 04E0E0E0 >/dev/null &&
	ctl member add frank --from 2024-01-09 >/dev/null && ctl badge add frank 04F0F0F0 >/dev/null &&
	ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null || { not_ok "setup"; exit 1; }

FT=$T/faketime
at() { echo "@$*" >"$FT"; }	# at 2024-01-08 08:59:59: seuild's clock jumps there
start_faked() {
	FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	LD_PRELOAD=$LIBFT ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 start_seuild
}
last_tap() {	# "local time|type|reason" of the last tap event
	sqlite3 "$T/seuil.db" "select strftime('%Y-%m-%d %H:%M:%S', ts_ms / 1000, 'unixepoch', 'localtime') || '|' || type || '|' || ifnull(reason, '')
		from events where type in ('access_granted', 'access_denied') order by seq desc limit 1"
}
taps() { sqlite3 "$T/seuil.db" "select count(*) from events where type in ('access_granted', 'access_denied')"; }
# expect READER UID 'DATE TIME' TYPE [REASON]: tap at that time (retried
# when the machine was too slow to decide within the same second).
expect() {
	local r=$1 uid=$2 when=$3 want="$4|${5:-}" n got
	for _ in 1 2 3 4; do
		n=$(taps)
		at "$when"
		tap "$r" "$uid"; tap "$r" -
		wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type in ('access_granted', 'access_denied')\") -gt $n ]" || break
		got=$(last_tap)
		[ "${got%%|*}" = "$when" ] && break
		diag "tap stamped ${got%%|*}, wanted $when: again"
	done
	[ "$got" = "$when|$want" ] && return 0
	diag "at $when: got '$got', wanted '$when|$want'"
	return 1
}

at 2024-01-08 08:00:00
start_faked || { not_ok "seuild starts under faketime"; exit 1; }
check "schedule: Mon 08:59:59 is denied" expect front-in 04D0D0D0 "2024-01-08 08:59:59" access_denied outside_schedule
check "schedule: Mon 09:00:00 is granted" expect front-in 04D0D0D0 "2024-01-08 09:00:00" access_granted
check "schedule: Mon 17:59:59 is granted" expect front-out 04D0D0D0 "2024-01-08 17:59:59" access_granted
check "schedule: Mon 18:00:00 is denied" expect front-out 04D0D0D0 "2024-01-08 18:00:00" access_denied outside_schedule
check "schedule: Sat 10:00:00 is denied" expect front-in 04D0D0D0 "2024-01-13 10:00:00" access_denied outside_schedule
check "validity: the last day until 23:59:59 is granted" expect front-out 04E0E0E0 "2024-01-08 23:59:59" access_granted
check "validity: the next midnight is expired" expect front-out 04E0E0E0 "2024-01-09 00:00:00" access_denied expired
check "validity: the day before --from is not yet valid" expect front-out 04F0F0F0 "2024-01-08 23:59:59" access_denied not_yet_valid
check "validity: --from's midnight is granted" expect front-out 04F0F0F0 "2024-01-09 00:00:00" access_granted

# Wall-clock jumps while the strike is energised: the pulse is timed on
# CLOCK_MONOTONIC and stays 1 s.
pulse() { awk '$2 == 1 { on = $1 } $2 == 0 && on { ms = int(($1 - on) / 1000000); on = 0 } END { print ms + 0 }' "$T/door/relay.log"; }
jump_pulse() {	# jump_pulse FROM TO: tap at FROM, jump to TO while energised
	local n
	wait_until 10 relay_is 0
	n=$(relay_lines)
	expect front-in 04A1B2C3 "$1" access_granted || return 1
	wait_until 5 relay_is 1 || return 1
	at "$2"
	wait_until 10 relay_lines_gt $((n + 1)) && relay_is 0 || return 1
	diag "jump $1 -> $2 while energised: pulse $(pulse) ms"
	[ "$(pulse)" -ge 900 ] && [ "$(pulse)" -lt 2500 ]
}
check "a +1 h jump while energised leaves the pulse at 1 s" jump_pulse "2024-01-10 10:00:00" "2024-01-10 11:00:00"
check "a -1 h jump while energised leaves the pulse at 1 s" jump_pulse "2024-01-10 10:30:00" "2024-01-10 09:30:00"
check "seuild survived the jumps" kill -0 "$SEUILD_PID"

# Day end at 04:00: alice is present (she tapped in above); it passes.
open_visits() { sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts is null"; }
check "alice is present before the day end" test "$(open_visits)" -ge 1
at 2024-01-11 03:59:57
# (alice's last badge was at 10:30 on the 10th; expire_after is 24 h.)
check "day end: everyone leaves at 04:00 (day_end)" \
	wait_until 20 sh -c "sqlite3 '$T/seuil.db' \"select count(*) from visits where left_reason = 'day_end'\" | grep -qv '^0$'"
check "day end: the departure is stamped at 04:00" test "$(sqlite3 "$T/seuil.db" \
	"select strftime('%H:%M', max(left_ts) / 1000, 'unixepoch', 'localtime') from visits where left_reason = 'day_end'")" = 04:00
stop_seuild

# Expiry while seuild was down: alice taps in at 10:00 on the 12th, seuild
# stops, and starts again 3 h later with expire_after 2 h (before the day
# end): her visit is closed at her last badge, as a timeout.
at 2024-01-12 10:00:00
start_faked || { not_ok "seuild restarts under faketime"; exit 1; }
check "expiry: alice arrives" expect front-in 04A1B2C3 "2024-01-12 10:00:00" access_granted
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' 'select count(*) from visits where left_ts is null') = 1 ]"
stop_seuild
sed -i 's/^expire_after = .*/expire_after = 2h/' "$T/seuild.conf"
at 2024-01-12 13:00:00
start_faked || { not_ok "seuild restarts 3 h later"; exit 1; }
check "expiry: the visit left while seuild was down is closed at start (timeout)" wait_until 10 sh -c \
	"[ \$(sqlite3 '$T/seuil.db' \"select count(*) from visits where left_reason = 'timeout' and left_ts = last_seen_ts\") = 1 ]"
stop_seuild

# Retention: on 2024-04-10 12:00, events of 2024-01-10 (91 days old) go,
# those of 2024-01-12 (89 days) stay.
old=$(sqlite3 "$T/seuil.db" "select count(*) from events where ts_ms < strftime('%s', '2024-01-10 13:00:00') * 1000")
kept=$(sqlite3 "$T/seuil.db" "select count(*) from events where ts_ms >= strftime('%s', '2024-01-12 00:00:00') * 1000 and ts_ms < strftime('%s', '2024-02-01') * 1000")
at 2024-04-10 12:00:00
FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD=$LIBFT \
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 ctl purge >"$T/purge.out" 2>&1
diag "purge: $(tr '\n' ' ' <"$T/purge.out")"
check "retention: events 91 days old are purged" test "$(sqlite3 "$T/seuil.db" \
	"select count(*) from events where ts_ms < strftime('%s', '2024-01-10 13:00:00') * 1000")" = 0 -a "$old" -gt 0
check "retention: events 89 days old are kept" test "$(sqlite3 "$T/seuil.db" \
	"select count(*) from events where ts_ms >= strftime('%s', '2024-01-12 00:00:00') * 1000 and ts_ms < strftime('%s', '2024-02-01') * 1000")" = "$kept" -a "$kept" -gt 0
