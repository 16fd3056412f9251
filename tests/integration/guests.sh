#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Guests a member vouches for, against the real seuild under libfaketime (a
# timestamp file the test moves; CLOCK_MONOTONIC real) and a real broker:
# the pool by a tap at the desk and by a typed UID; a sponsor outside
# [guests] sponsor_groups refused; a guest's badge opens until the pass's
# end and not a second after, is logged with the sponsor (events.via,
# seuilctl log), is counted on MQTT and never named; the pass ends on its
# own, the loaner goes back to the pool (not_lent after); the sponsor's
# daily cap; refused once the sponsor is disabled; export, erase, and the
# retention that erases a guest's data (the events keep the sponsor).
. "$(dirname "$0")/../lib.sh"

LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || { echo "skip guests: libfaketime not installed (package faketime)"; exit 0; }
export TZ=Europe/Paris
start_broker || { not_ok "the broker starts"; exit 1; }
write_config <<CONF

[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true

[security]
unsynced_clock = ignore
lockout_failures = 32

[guests]
sponsor_groups = members
per_sponsor_per_day = 2
retention = 1d
CONF
sed -i "s/^enabled = false$/host = 127.0.0.1\nport = $BROKER_PORT\nhomeassistant = false/" "$T/seuild.conf"
ctl init >/dev/null && ctl group add members >/dev/null &&
	ctl member add alice --display Alice --group members --public >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null && ctl member add bob >/dev/null ||
	{ not_ok "setup"; exit 1; }
alice=$(sqlite3 "$T/seuil.db" "select id from members where name = 'alice'")

FT=$T/faketime
at() { echo "@$*" >"$FT"; }
start_faked() {
	FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	LD_PRELOAD=$LIBFT ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 start_seuild
}
last_tap() {	# "local time|type|reason|guest|via" of the last tap event
	sqlite3 "$T/seuil.db" "select strftime('%Y-%m-%d %H:%M:%S', ts_ms / 1000, 'unixepoch', 'localtime') || '|' || type || '|' || ifnull(reason, '') || '|' || ifnull(guest_id, '') || '|' || ifnull(via, '')
		from events where type in ('access_granted', 'access_denied') order by seq desc limit 1"
}
taps() { sqlite3 "$T/seuil.db" "select count(*) from events where type in ('access_granted', 'access_denied')"; }
# expect UID 'DATE TIME' WANT: a tap at front-in at that time gives
# "TYPE|REASON|GUEST|VIA" (retried when the machine was too slow to
# decide within the same second).
expect() {
	local uid=$1 when=$2 want=$3 n got
	for _ in 1 2 3 4; do
		n=$(taps)
		at "$when"
		tap front-in "$uid"; tap front-in -
		wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type in ('access_granted', 'access_denied')\") -gt $n ]" || break
		got=$(last_tap)
		[ "${got%%|*}" = "$when" ] && break
		diag "tap stamped ${got%%|*}, wanted $when: again"
	done
	[ "$got" = "$when|$want" ] && return 0
	diag "at $when: got '$got', wanted '$when|$want'"
	return 1
}

at 2024-03-04 10:00:00
start_faked || { not_ok "seuild starts under faketime"; exit 1; }
sub_start "$T/mqtt.txt" 'seuil/test/#'

# ---- the pool ----
spawn "$SEUILCTL" -f "$T/seuild.conf" guest pool add --label G1 --reader desk --timeout 20 >"$T/pool.out" 2>&1
pool=$SPAWN_PID
wait_until 10 grep -q "pool: waiting" "$T/seuild.log"
tap desk 04C1C1C1; tap desk -
wait "$pool"; rc=$?
check "pool add by a tap at the desk reader" test "$rc" = 0
check "... says so" grep -q "loaner G1 (hint C1C1) added to the pool at reader desk" "$T/pool.out"
check "pool add by a UID on standard input" sh -c "echo 04C2C2C2 | '$SEUILCTL' -f '$T/seuild.conf' guest pool add - --label G2 >/dev/null"
echo 04A1B2C3 | ctl guest pool add - --label G3 >/dev/null 2>&1; rc=$?
check "a member's badge is refused from the pool (65)" test "$rc" = 65
ctl guest pool add --label G9 --timeout abc >/dev/null 2>"$T/timeout.err"; rc=$?
check "pool add --timeout abc is refused (65), saying why" sh -c "[ $rc = 65 ] && grep -q 'timeout must be 1 to 3600 seconds' '$T/timeout.err'"
ctl member invite --timeout 0 >/dev/null 2>&1; rc=$?
check "member invite --timeout 0 is refused (65)" test "$rc" = 65
check "the pool lists both" test "$(ctl --json guest pool list | python3 -c 'import json,sys; print([l["label"] for l in json.load(sys.stdin)])')" = "['G1', 'G2']"

# ---- passes ----
ctl guest add Ada --sponsor bob >/dev/null 2>&1; rc=$?
check "a sponsor outside sponsor_groups is refused (65)" test "$rc" = 65
check "a pass for Ada, sponsored by alice, until 10:00:30, with G1" \
	sh -c "'$SEUILCTL' -f '$T/seuild.conf' guest add Ada --sponsor alice --until 2024-03-04T10:00:30 --badge G1 >/dev/null"
ada=$(sqlite3 "$T/seuil.db" "select id from guests where name = 'Ada'")
at 2024-03-04 10:00:05
FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 LD_PRELOAD=$LIBFT \
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 ctl --json explain 04C1C1C1 >"$T/explain.json" 2>&1
check "explain knows the guest's loaner: lent, the sponsor's rules, granted" sh -c "grep -q loaner_lent '$T/explain.json' && grep -q '\"reason\":\"granted\"' '$T/explain.json'"
check "the guest's badge opens before the end, logged with the sponsor" \
	expect 04C1C1C1 "2024-03-04 10:00:10" "access_granted||$ada|$alice"
check "the guest arrives: counted" wait_until 10 open_visits_is 1
check "seuilctl log shows the guest and via=alice" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --type access_granted | grep -q 'guest=$ada via=alice'"
check "up to the last second" expect 04C1C1C1 "2024-03-04 10:00:29" "access_granted||$ada|$alice"
# At the end, the pass is either still open (expired) or already closed
# by seuild (not_lent, its loaner back in the pool): either way, refused;
# tests/unit/test_access.c holds the policy to the millisecond.
not_after() {
	expect 04C1C1C1 "2024-03-04 10:00:30" "access_denied|expired|$ada|$alice" 2>/dev/null ||
		[ "$(last_tap)" = "2024-03-04 10:00:30|access_denied|not_lent||" ]
}
check "not a second after the end (refused)" not_after
check "the pass ends on its own" wait_until 10 output_is time sqlite3 "$T/seuil.db" "select end_reason from guests where id = $ada"
check "... the guest's visit with it (pass_end)" wait_until 10 open_visits_is 0
check "... the loaner back in the pool" test "$(ctl --json guest pool list | python3 -c 'import json,sys; print([l["lent_to"] for l in json.load(sys.stdin) if l["label"] == "G1"])')" = "[None]"
check "a loaner in the pool opens nothing (not_lent)" expect 04C1C1C1 "2024-03-04 10:00:40" "access_denied|not_lent||"
check "... as explain says" sh -c "'$SEUILCTL' -f '$T/seuild.conf' --json explain 04C1C1C1 | grep -q '\"reason\":\"not_lent\"'"

# Nothing public names a guest.
sleep 1
check "MQTT counted the guest" grep -q '^{"count":1,"people":\[\],"anonymous":1' "$T/mqtt.txt"
check "MQTT never named the guest" sh -c "! grep -q Ada '$T/mqtt.txt'"
check "no guest event on MQTT carries a name" sh -c "! grep '\"type\":\"access_granted\"' '$T/mqtt.txt' | grep -q name"

# ---- the daily cap, the sponsor disabled ----
check "a second pass of the day" sh -c "'$SEUILCTL' -f '$T/seuild.conf' guest add Bea --sponsor alice --badge G2 >/dev/null"
ctl guest add Cy --sponsor alice >/dev/null 2>&1; rc=$?
check "a third one is refused: per_sponsor_per_day = 2 (65)" test "$rc" = 65
bea=$(sqlite3 "$T/seuil.db" "select id from guests where name = 'Bea'")
check "Bea's badge opens" expect 04C2C2C2 "2024-03-04 11:00:00" "access_granted||$bea|$alice"
ctl member disable alice >/dev/null
check "refused once the sponsor is disabled" expect 04C2C2C2 "2024-03-04 11:00:10" "access_denied|member_disabled|$bea|$alice"
ctl member enable alice >/dev/null

# ---- reports, export, erase, retention ----
check "the attendance report has a row for the guest, by id and sponsor" sh -c "'$SEUILCTL' -f '$T/seuild.conf' report attendance --from 2024-03-04 --to 2024-03-04 --csv | grep -q 'guest $ada (of alice)'"
check "... never the guest's name" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' report attendance --from 2024-03-04 --to 2024-03-04 --csv | grep -q Ada"
check "guest export: the pass and its events" sh -c "'$SEUILCTL' -f '$T/seuild.conf' guest export $bea | python3 -c 'import json,sys; v=json.load(sys.stdin); sys.exit(not (v[\"guest\"][\"name\"] == \"Bea\" and len(v[\"events\"]) >= 2))'"
check "guest end" sh -c "'$SEUILCTL' -f '$T/seuild.conf' guest end $bea >/dev/null"
check "guest erase --yes" sh -c "'$SEUILCTL' -f '$T/seuild.conf' guest erase $bea --yes >/dev/null"
check "... its events keep only the sponsor" test "$(sqlite3 "$T/seuil.db" "select count(*) from events where guest_id = $bea")|$(sqlite3 "$T/seuil.db" "select count(*) > 0 from events where via = $alice and guest_id is null")" = "0|1"
at 2024-03-06 12:00:00
sleep 1
check "seuilctl purge after the retention" sh -c "'$SEUILCTL' -f '$T/seuild.conf' purge >/dev/null"
check "Ada's pass is gone" test "$(sqlite3 "$T/seuil.db" "select count(*) from guests")" = 0
check "... her events keep only the sponsor" test "$(sqlite3 "$T/seuil.db" "select count(*) from events where guest_id is not null")|$(sqlite3 "$T/seuil.db" "select count(*) >= 3 from events where via = $alice")" = "0|1"
stop_seuild
sqlite3 "$T/seuil.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "no guest's name is left in the database files" sh -c "! grep -q -a -e Ada -e Bea '$T/seuil.db' '$T/seuil.db-wal'"
