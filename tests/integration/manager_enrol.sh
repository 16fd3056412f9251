#!/usr/bin/env bash
# Enrolment by tap through the running daemon: the tap is denied but links
# the badge, the command prints its hint and exits 0; a timeout exits 75;
# without the daemon, 69; the enrolled badge then opens the door.
. "$(dirname "$0")/../lib.sh"

write_config <<'CONF'
[security]
unsynced_clock = ignore
lockout_failures = 32
CONF
ctl init >/dev/null && ctl member add alice >/dev/null || { not_ok "setup"; exit 1; }

ctl badge enroll alice --timeout 5 >"$T/out" 2>&1
check "enroll without the daemon: EX_UNAVAILABLE" test $? -eq 69
check "and it says the daemon is needed" grep -q "needs the daemon" "$T/out"
check "and points at badge add" grep -q "badge add alice UID" "$T/out"

start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"

enrol_waiting() { grep -c "enrolment: waiting" "$T/seuild.log" | grep -qx "$1"; }

ctl badge enroll alice --door front --timeout 30 >"$T/enrol.out" 2>"$T/enrol.err" &
ENROL=$!
check "daemon waits for a tap" wait_until 10 enrol_waiting 1
tap front-in 04C0FFEE
wait "$ENROL"
check "enroll exits 0" test $? -eq 0
check "enroll prints badge, hint, member and reader" \
	grep -qx "badge 1 (hint FFEE) enrolled for alice at reader front-in" "$T/enrol.out"
check "the enrolling tap itself was denied" has_reason access_denied unknown_badge
check "and did not move the relay" test "$(grep -c ' 1$' "$T/door/relay.log")" -eq 0
check "badge_enrolled logged" has_event badge_enrolled
check "badge listed for alice" sh -c "'$SEUILCTL' -f '$T/seuild.conf' badge list alice | grep -q ' FFEE '"
check "the UID is stored nowhere in clear" sh -c "! grep -qi c0ffee '$T/seuil.db' '$T/seuil.db-wal' '$T/enrol.out' '$T/enrol.err'"

tap front-in 04C0FFEE
check "the enrolled badge opens the door" wait_until 10 relay_is 1
check "granted event" wait_until 5 has_event access_granted
wait_until 5 relay_is 0

ctl badge enroll alice --timeout 1 >"$T/out" 2>&1
check "timeout exits EX_TEMPFAIL" test $? -eq 75
check "timeout says nothing was enrolled" grep -q "nothing enrolled" "$T/out"
check "no second badge" test "$(sqlite3 "$T/seuil.db" 'SELECT count(*) FROM badges')" = 1

# A known badge does not complete an enrolment; the next unknown one does.
ctl --json badge enroll alice --timeout 30 >"$T/enrol.out" 2>&1 &
ENROL=$!
check "second enrolment waits" wait_until 10 enrol_waiting 3
tap front-out 04C0FFEE
wait_until 5 count_is access_granted -ge 2
tap front-out 04112233445566
wait "$ENROL"
check "json enroll exits 0" test $? -eq 0
check "json names the new badge and reader" python3 -c "
import json; d = json.load(open('$T/enrol.out'))
assert d['id'] == 2 and d['hint'] == '5566' and d['reader'] == 'front-out' and d['member'] == 'alice', d"

ctl badge enroll nobody >"$T/out" 2>&1
check "unknown member: EX_NOINPUT" test $? -eq 66
ctl badge enroll alice --door back >"$T/out" 2>&1
check "unknown door: EX_NOINPUT" test $? -eq 66
ctl badge enroll alice --timeout 0 >"$T/out" 2>&1
check "bad timeout: EX_DATAERR" test $? -eq 65
ctl badge enroll --help >"$T/out" 2>&1
check "--help documents the exit status" grep -q "75 if no unknown badge" "$T/out"
stop_seuild
