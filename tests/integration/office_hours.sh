#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Office hours ([door.NAME] unlock_schedule, first_in, last_out,
# continuous_duty): the wall clock under libfaketime (a timestamp file the
# test moves), CLOCK_MONOTONIC real.  Refused in config without
# continuous_duty = true; locked before the first staff tap (a member of
# another group only pulses it); held released after it, past unlock_time
# and across a closing contact; relocked at the last departure, by
# `seuilctl door lock`, at the window's end, and with an unsynced clock
# (the fault shim's adjtimex knob); after kill -9 the relay is off before
# the restart finishes and stays off until the next first-in tap; the
# door's retained MQTT state and SpaceAPI (open_from = office_hours)
# follow it.
. "$(dirname "$0")/../lib.sh"

LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || { echo "skip office_hours: libfaketime not installed (package faketime)"; exit 0; }
SHIM=$BUILD/fakes/slow_fsync.so
[ -f "$SHIM" ] || { not_ok "the fault shim $SHIM is built"; exit 1; }
export TZ=Europe/Paris

# ---- the configuration ----
office_conf() {	# office_conf DUTY UNSYNCED: the test's config
	write_config <<CONF

[security]
unsynced_clock = $2
lockout_failures = 32

[presence]
expire_after = 24h
CONF
	sed -i "/^held_open_time/a unlock_schedule = daily 09:00-18:00\\nfirst_in = staff\\nlast_out = presence$1" \
	    "$T/seuild.conf"
}
office_conf "" ignore
out=$("$SEUILD" -n -f "$T/seuild.conf" 2>&1); rc=$?
check "config: unlock_schedule without continuous_duty is refused (78)" test "$rc" = 78
check "config: ... saying why" grep -q "continuous_duty = true" <<<"$out"
office_conf '\ncontinuous_duty = true' ignore
check "config: with continuous_duty = true it is accepted" "$SEUILD" -n -f "$T/seuild.conf"

ctl init >/dev/null && ctl group add staff >/dev/null &&
	ctl member add sam --group staff >/dev/null && ctl badge add sam 045A5A5A >/dev/null &&
	ctl member add mia >/dev/null && ctl badge add mia 04313131 >/dev/null ||
	{ not_ok "setup"; exit 1; }

FT=$T/faketime
mkdir -p "$T/fault"
at() { echo "@$*" >"$FT"; }
start_faked() {
	FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	SEUIL_FAULT_DIR=$T/fault SEUIL_FAULT_PATH=/nonexistent/ \
	LD_PRELOAD="$LIBFT $SHIM" ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 start_seuild
}
relock_reason() { sqlite3 "$T/seuil.db" "select reason from events where type = 'schedule_relock' order by seq desc limit 1"; }
relocks() { count_event schedule_relock; }
visitors() { sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts is null"; }
badge() { tap "$1" "$2"; tap "$1" -; }
# no_change SECONDS: relay.log gets no new line for that long.
no_change() { local n; n=$(relay_lines); sleep "$1"; [ "$(relay_lines)" = "$n" ]; }
held() { wait_until 10 relay_is 1 && [ "$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["doors"][0]["office_hours"])')" = True ]; }

at 2024-01-08 09:00:30
start_faked || { not_ok "seuild starts under faketime"; exit 1; }

# ---- before the first staff tap ----
check "before anyone: locked inside the window" no_change 2
check "before anyone: relay off" relay_is 0
badge front-in 04313131
wait_until 10 count_is access_granted -ge 1
check "a member not of first_in: a pulse of unlock_time, then locked" wait_until 10 relay_is 0
check "... and no office hours" test "$(count_event schedule_unlock)" = 0
check "... and locked still 4 s later" no_change 4

# ---- the first in ----
badge front-in 04A5A5A5 2>/dev/null	# an unknown badge: denied, nothing held
badge front-in 045A5A5A
check "first in: held released (status says office hours)" held
check "first in: schedule_unlock recorded with its reason" \
	test "$(sqlite3 "$T/seuil.db" "select reason from events where type = 'schedule_unlock'")" = first_in
check "held past unlock_time (1 s) and the watchdog's 3 s: no relay change for 5 s" no_change 5
door_input "contact open"; sleep 0.3; door_input "contact closed"
check "a closing contact does not relock a held door" no_change 2
check "... relay still on" relay_is 1

# ---- last out ----
badge front-out 04313131
wait_until 10 output_is 1 visitors
check "one of two leaves: still held" no_change 2
badge front-out 045A5A5A
check "the last out relocks" wait_until 10 relay_is 0
check "... schedule_relock last_out" test "$(relock_reason)" = last_out
check "... and stays locked" no_change 3

# ---- door lock ----
badge front-in 045A5A5A
check "first in again: held" held
n=$(relocks)
check "seuilctl door lock answers" ctl door lock front
check "door lock relocks at once" wait_until 5 relay_is 0
check "... schedule_relock manual, by whoever asked" test "$(relock_reason)|$(sqlite3 "$T/seuil.db" \
	"select actor is not null from events where type = 'schedule_relock' order by seq desc limit 1")" = "manual|1"
check "... one relock recorded" test "$(relocks)" = $((n + 1))
check "... and locked until the next first in" no_change 4

# ---- the window's end ----
at 2024-01-08 17:59:50
badge front-in 045A5A5A
check "first in at 17:59:50: held" held
n=$(relocks)
check "at 18:00 the window's end relocks" wait_until 20 relay_is 0
check "... schedule_relock window_end" test "$(relock_reason)" = window_end
when=$(sqlite3 "$T/seuil.db" "select strftime('%H:%M:%S', ts_ms / 1000, 'unixepoch', 'localtime') from events where type = 'schedule_relock' order by seq desc limit 1")
check "... stamped 18:00:00 to 18:00:03 (got $when)" test "$when" \> 17:59:59 -a "$when" \< 18:00:04
u=$(count_event schedule_unlock)
badge front-in 045A5A5A
wait_until 10 count_is access_granted -ge 4
check "after the window a staff tap only pulses" wait_until 10 relay_is 0
check "... with no office hours" test "$(count_event schedule_unlock)" = "$u"

# ---- kill -9 ----
at 2024-01-09 10:00:00
badge front-in 045A5A5A
check "the next day, first in: held" held
kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
check "kill -9 leaves the relay as it was (on)" relay_is 1
rm -f "$T/control.sock"
n0=$(relay_lines)
start_faked || { not_ok "seuild restarts after kill -9"; exit 1; }
check "restart: the relay is off before the control socket answers" \
	test "$(sed -n "$((n0 + 1))p" "$T/door/relay.log" | cut -d' ' -f2)" = 0
check "restart: no office hours restored (locked 4 s later, in the window)" no_change 4
check "... relay off" relay_is 0
badge front-in 045A5A5A
check "the next first in holds it again" held
stop_seuild

# ---- an unsynced clock ----
office_conf '\ncontinuous_duty = true' members_only
touch "$T/fault/clock_synced"
at 2024-01-09 11:00:00
start_faked || { not_ok "seuild starts with members_only"; exit 1; }
badge front-in 045A5A5A
check "synced clock, members_only: first in holds" held
rm -f "$T/fault/clock_synced"; touch "$T/fault/clock_unsynced"
check "the clock loses NTP: relocked" wait_until 10 relay_is 0
check "... schedule_relock clock_unsynced" test "$(relock_reason)" = clock_unsynced
u=$(count_event schedule_unlock)
g=$(count_event access_granted)
badge front-in 045A5A5A
wait_until 10 count_is access_granted -gt "$g"
check "unsynced: a staff tap is granted but only pulses" wait_until 10 relay_is 0
check "... no office hours" test "$(count_event schedule_unlock)" = "$u"
stop_seuild

# ---- the door's MQTT state and SpaceAPI follow office hours ----
start_broker || { not_ok "the broker starts"; exit 1; }
office_conf '\ncontinuous_duty = true' ignore
sed -i "s/^enabled = false$/host = 127.0.0.1\nport = $BROKER_PORT/" "$T/seuild.conf"
printf '\n[spaceapi]\nopen_from = office_hours\n' >>"$T/seuild.conf"
retained() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "seuil/test/$1" -C 1 -W 5 2>/dev/null; }
door_state_is() { [ "$(retained door/front/state)" = "$1" ]; }
space_open_is() {
	[ "$(retained spaceapi | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["open"])' 2>/dev/null)" = "$1" ]
}
at 2024-01-10 10:00:00
start_faked || { not_ok "seuild starts with a broker"; exit 1; }
check "MQTT before the first in: the door locked" wait_until 10 door_state_is locked
check "... SpaceAPI (open_from = office_hours): closed, the window on but nobody opened it" \
	wait_until 10 space_open_is False
badge front-in 045A5A5A
check "first in: held" held
check "MQTT: the door's state is unlocked while held" wait_until 10 door_state_is unlocked
check "... SpaceAPI open" wait_until 10 space_open_is True
check "... still unlocked past unlock_time and the watchdog's 3 s" sh -c "sleep 5; [ \"\$(mosquitto_sub -h 127.0.0.1 -p '$BROKER_PORT' -t seuil/test/door/front/state -C 1 -W 5)\" = unlocked ]"
ctl door lock front >/dev/null
check "door lock: MQTT says locked" wait_until 10 door_state_is locked
check "... SpaceAPI closed" wait_until 10 space_open_is False
stop_seuild
