#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Enrolment by tap through the running daemon, only at readers that allow it
# (enrol = true): here a desk reader with no door.  The tap links the badge,
# the command prints its hint and reader and exits 0; a stranger tapping an
# unknown badge at the door meanwhile gains nothing; the desk reader never
# opens anything nor records presence; a timeout exits 75; without the
# daemon, 69; the enrolled badge then opens the door.
. "$(dirname "$0")/../lib.sh"

write_config <<CONF
[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true

[security]
unsynced_clock = ignore
lockout_failures = 32
CONF
ctl init >/dev/null && ctl member add alice >/dev/null || { not_ok "setup"; exit 1; }

# "enroll", the first spelling, is still the same command.
ctl badge enroll alice --timeout 5 >"$T/out" 2>&1
check "enrol (as enroll) without the daemon: EX_UNAVAILABLE" test $? -eq 69
check "and it says the daemon is needed" grep -q "needs the daemon" "$T/out"
check "and points at badge add" grep -q "badge add alice -" "$T/out"

start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"
wait_until 5 count_is reader_online -ge 3

enrol_waiting() { grep -c "enrolment: waiting" "$T/seuild.log" | grep -qx "$1"; }

spawn ctl badge enrol alice --timeout 30 >"$T/enrol.out" 2>"$T/enrol.err"
ENROL=$SPAWN_PID
check "daemon waits for a tap" wait_until 10 enrol_waiting 1
# The street attack: an unknown badge at the outside reader during the window.
tap front-in 04BAD0BAD0BAD0
check "a stranger's tap at the door is denied" wait_until 5 has_reason access_denied unknown_badge
sleep 0.3
check "and is not enrolled" test "$(sqlite3 "$T/seuil.db" 'SELECT count(*) FROM badges')" = 0
check "the enrolment still waits" kill -0 "$ENROL"
tap desk 04C0FFEE
wait "$ENROL"
check "enroll exits 0" test $? -eq 0
check "enroll prints badge, hint, member and reader" \
	grep -qx "badge 1 (hint FFEE) enrolled for alice at reader desk" "$T/enrol.out"
check "the desk tap did not move the relay" test "$(grep -c ' 1$' "$T/door/relay.log")" -eq 0
check "badge_enrolled logged at the desk reader" sh -c "sqlite3 '$T/seuil.db' \"select reader, ifnull(door,'none') from events where type='badge_enrolled'\" | grep -qx 'desk|none'"
check "badge listed for alice" sh -c "'$SEUILCTL' -f '$T/seuild.conf' badge list alice | grep -q ' FFEE '"
check "the UID is stored nowhere in clear" sh -c "! grep -qi c0ffee '$T/seuil.db' '$T/seuil.db-wal' '$T/enrol.out' '$T/enrol.err'"

# A known badge at the desk opens nothing and is nobody's arrival.
tap desk 04C0FFEE
sleep 0.5
check "a known badge at the desk opens nothing" test "$(grep -c ' 1$' "$T/door/relay.log")" -eq 0
check "and records no grant nor arrival" sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type in ('access_granted','arrival')\") = 0 ]"

tap front-in 04C0FFEE
check "the enrolled badge opens the door" wait_until 10 relay_is 1
check "granted event" wait_until 5 has_event access_granted
wait_until 5 relay_is 0

ctl badge enrol alice --timeout 1 >"$T/out" 2>&1
check "timeout exits EX_TEMPFAIL" test $? -eq 75
check "timeout says nothing was enrolled" grep -q "nothing enrolled" "$T/out"
check "no second badge" test "$(sqlite3 "$T/seuil.db" 'SELECT count(*) FROM badges')" = 1

# A known badge at the desk ends the enrolment with a clear refusal.
spawn ctl badge enrol alice --reader desk --timeout 30 >"$T/out" 2>&1
ENROL=$SPAWN_PID
check "second enrolment waits" wait_until 10 enrol_waiting 3
tap desk 04C0FFEE
wait "$ENROL"
check "an enrolled badge at the desk: EX_DATAERR" test $? -eq 65
check "and it says so" grep -q "already enrolled" "$T/out"

spawn ctl --json badge enrol alice --reader desk --timeout 30 >"$T/enrol.out" 2>&1
ENROL=$SPAWN_PID
check "third enrolment waits" wait_until 10 enrol_waiting 4
tap desk 04112233445566
wait "$ENROL"
check "json enroll exits 0" test $? -eq 0
check "json names the new badge and reader" python3 -c "
import json; d = json.load(open('$T/enrol.out'))
assert d['id'] == 2 and d['hint'] == '5566' and d['reader'] == 'desk' and d['member'] == 'alice', d"

ctl badge enrol nobody >"$T/out" 2>&1
check "unknown member: EX_NOINPUT" test $? -eq 66
ctl badge enrol alice --reader back >"$T/out" 2>&1
check "unknown reader: EX_NOINPUT" test $? -eq 66
ctl badge enrol alice --reader front-in >"$T/out" 2>&1
check "a reader without enrol = true: EX_CONFIG" test $? -eq 78
check "and it names the key" grep -q "enrol = true" "$T/out"
ctl badge enrol alice --timeout 0 >"$T/out" 2>&1
check "bad timeout: EX_DATAERR" test $? -eq 65
ctl badge enrol --help >"$T/out" 2>&1
check "--help documents the exit status" grep -q "75 if no unknown badge" "$T/out"
# The daemon refuses too, whatever the client says.
check "seuild refuses an enrolment at a door reader" sh -c "python3 - '$T/control.sock' <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])
s.send(json.dumps({'cmd': 'enroll', 'member': 1, 'reader': 'front-in', 'timeout': 2}).encode())
r = json.loads(s.recv(4096)); assert r['ok'] is False and 'enrol' in r['error'], r
PY"
stop_seuild

# With no reader that allows enrolment, both seuilctl and seuild refuse.
sed -i '/^enrol = true$/d; /^\[reader.desk\]$/,/^$/d' "$T/seuild.conf"
start_seuild || { not_ok "seuild restarts without a desk reader"; exit 1; }
ctl badge enrol alice --timeout 2 >"$T/out" 2>&1
check "no reader allows enrolment: EX_CONFIG" test $? -eq 78
check "and it says how to allow one" grep -q "no reader allows enrolment" "$T/out"
stop_seuild
