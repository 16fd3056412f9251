#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The control socket and signals: status, remote unlock with the caller's
# uid, reload keeping the old config when the new one is bad, garbage
# requests, lockout after repeated failures.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

check "status answers" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status >/dev/null"
check "status --json names the door" status_has '"name":[[:space:]]*"front"'

ctl door unlock front --seconds 1 >/dev/null
check "door unlock energises the relay" wait_until 5 relay_is 1
check "unlock_remote logged with the caller's uid" sh -c "sqlite3 '$T/seuil.db' \"select detail from events where type='unlock_remote'\" | grep -q 'uid:$(id -u)'"
check "and relocks" wait_until 5 relay_is 0
ctl door unlock front --seconds 600 >/dev/null 2>&1
check "an unlock over 60 s is refused" test $? -ne 0

# Garbage on the control socket: an error reply, never a crash.
python3 - "$T/control.sock" >"$T/garbage.txt" 2>&1 <<'PY'
import socket, sys
for payload in [b"", b"not json", b"[1,2]", b'{"cmd":5}', b'{"cmd":"nope"}',
                b'{"cmd":"checkout","member":"x"}', b'{"cmd":"door_unlock","door":"nowhere"}',
                b"{" * 3000, b"x" * 70000]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    try:
        s.send(payload or b" ")
        s.settimeout(5)
        print(s.recv(8192).decode())
    except Exception as e:
        print("error", e)
    s.close()
PY
check "garbage requests get errors" test "$(grep -c '"ok":false' "$T/garbage.txt")" -ge 8
check "seuild survives garbage" kill -0 "$SEUILD_PID"

# Reload: a bad config is refused and the old one kept.
cp "$T/seuild.conf" "$T/good.conf"
echo "bogus = 1" >>"$T/seuild.conf"
kill -HUP "$SEUILD_PID"
sleep 0.5
check "bad reload is refused with file:line" grep -q "seuild.conf:[0-9]*: unknown key" "$T/seuild.log"
tap front-in 04A1B2C3
check "old config still works after a refused reload" wait_until 5 relay_is 1
wait_until 5 relay_is 0
cp "$T/good.conf" "$T/seuild.conf"
sed -i 's/^unlock_time = 1s/unlock_time = 2s/' "$T/seuild.conf"
check "reload through seuilctl" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status >/dev/null && kill -HUP $SEUILD_PID"
sleep 0.5
tap front-in 04A1B2C3
wait_until 5 relay_is 1; wait_until 5 relay_is 0
pulse=$(awk '$2==1{on=$1} $2==0 && on{print int(($1-on)/1000000); on=0}' "$T/door/relay.log" | tail -n 1)
check "reloaded unlock_time applies (2000 ms, got $pulse)" test "${pulse:-0}" -ge 1995 -a "${pulse:-0}" -lt 2500

# Lockout: 5 unknown taps within the window lock the reader out, then even
# a valid badge is refused with locked_out.
for i in 1 2 3 4 5; do tap front-in 0400000$i; done
check "lockout after 5 failures" wait_until 5 has_event lockout
before=$(relay_lines)
tap front-in 04A1B2C3
check "valid badge refused while locked out" wait_until 5 has_reason access_denied locked_out
check "relay untouched during lockout" test "$(relay_lines)" = "$before"
stop_seuild

# Retention at start-up: an event older than event_retention (90 days) and a
# closed visit older than visit_retention (400 days) are deleted, younger
# ones kept, and the daemon says how many.
now=$(date +%s%3N)
day=86400000
sqlite3 "$T/seuil.db" "insert into events (ts_ms, type) values ($((now - 91 * day)), 'door_open'), ($((now - 89 * day)), 'door_closed');
	insert into visits (member_id, door, arrived_ts, left_ts, left_reason, last_seen_ts) values
	(1, 'front', $((now - 402 * day)), $((now - 401 * day)), 'manual', $((now - 401 * day))),
	(1, 'front', $((now - 399 * day)), $((now - 398 * day)), 'manual', $((now - 398 * day)))"
start_seuild
check "start-up purge logs its counts" wait_until 5 grep -q "purge: deleted 1 events and 1 visits" "$T/seuild.log"
check "event past retention deleted, younger kept" test "$(sqlite3 "$T/seuil.db" "select count(*) from events where ts_ms < $((now - 80 * day))")" = 1
check "visit past retention deleted, younger kept" test "$(sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts < $((now - 300 * day))")" = 1
stop_seuild
