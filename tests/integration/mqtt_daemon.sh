#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuild and a real mosquitto: retained presence for late subscribers,
# anonymous members counted but never named, status offline on SIGTERM and
# (last will) after kill -9, no event lost across a broker outage, remote
# unlock accepted and refused.
. "$(dirname "$0")/../lib.sh"

start_broker || { not_ok "broker starts"; exit 1; }
B=seuil/test
write_config </dev/null
python3 - "$T/seuild.conf" "$BROKER_PORT" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", """[mqtt]
host = 127.0.0.1
port = %s
keepalive = 5s
remote_unlock = true
""" % sys.argv[2])
open(p, "w").write(s)
PY
ctl init >/dev/null
ctl member add alice --display "Alice A." --public --email alice@example.org >/dev/null
ctl member add bob --display "Bobby" --anonymous --email bob@example.org >/dev/null
ctl badge add alice 04A1B2C3 >/dev/null
ctl badge add bob 04B0B0B0 >/dev/null

sub() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" "$@"; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" "$@"; }
spawn sub -t '#' -v >"$T/all.txt" 2>&1
start_seuild || { not_ok "seuild starts"; exit 1; }
check "status online (retained)" sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/status -C 1 -W 5 | grep -qx online"
check "door state retained from the start" sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/door/front/state -C 1 -W 5 | grep -qx locked"

tap front-in 04A1B2C3
tap front-in 04B0B0B0
wait_until 5 count_is arrival = 2
sleep 0.5
# A lobby screen that connects after the taps.
sub -t "$B/presence" -C 1 -W 5 >"$T/presence.json"
check "late subscriber sees count 2" python3 -c "import json,sys; p=json.load(open('$T/presence.json')); sys.exit(p['count']!=2)"
check "only the public member is named, by display name" python3 -c "import json,sys; p=json.load(open('$T/presence.json')); sys.exit([x['name'] for x in p['people']]!=['Alice A.'] or p['anonymous']!=1)"
check "presence/count retained" sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/presence/count -C 1 -W 5 | grep -qx 2"

# The broker goes away while badges are tapped; the door keeps working.
stop_broker
n0=$(relay_lines)
tap front-in 04A1B2C3
check "door works with the broker down" wait_until 5 relay_lines_gt "$n0"
tap front-out 04B0B0B0
tap front-in 04DEAD00
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' 'select count(*) from events') -ge 10 ]"
sleep 2
start_broker
spawn sub -t "$B/events" -q 1 -v >"$T/after.txt" 2>&1
last=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
check "events published up to the last seq after the outage" wait_until 30 sh -c "'$SEUILCTL' -f '$T/seuild.conf' status --json | grep -q '\"published_seq\":[[:space:]]*${last}[,}]'"
sleep 0.5
# Every seq from before and after the outage, in order, none missing.
cat "$T/all.txt" "$T/after.txt" | awk '$1 ~ /\/events$/ {print substr($0, index($0, " ") + 1)}' >"$T/events.jsonl"
check "no seq missing across the outage, in order after it" python3 - "$T/events.jsonl" "$last" "$T/after.txt" <<'PY'
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1]) if l.strip()]
after = [json.loads(l.split(" ", 1)[1])["seq"] for l in open(sys.argv[3]) if l.strip()]
last = int(sys.argv[2])
missing = set(range(1, last + 1)) - set(seqs)
if missing: print("# missing", sorted(missing))
if after != sorted(after): print("# out of order after the outage", after)
sys.exit(bool(missing) or after != sorted(after))
PY

# Remote unlock: a valid command opens; retained, expired and oversized ones do not.
exp=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)
old=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)
n0=$(relay_lines)
pub -t "$B/door/front/unlock" -q 1 -r -m "{\"seconds\":2,\"id\":\"r1\",\"expires\":\"$exp\"}"
pub -t "$B/door/front/unlock" -q 1 -m "{\"seconds\":2,\"id\":\"e1\",\"expires\":\"$old\"}"
pub -t "$B/door/front/unlock" -q 1 -m "{\"seconds\":2,\"id\":\"big\",\"expires\":\"$exp\",\"pad\":\"$(head -c 1100 /dev/zero | tr '\0' x)\"}"
# An id that would carry a terminal escape and a line into the event log.
pub -t "$B/door/front/unlock" -q 1 -m "{\"seconds\":2,\"id\":\"x\\u001b[2J\\nfake line\",\"expires\":\"$exp\"}"
sleep 1
check "retained, expired, oversized and bad-id unlocks are ignored" test "$(relay_lines)" = "$n0"
check "and logged" sh -c "[ \$(grep -ciE 'retained|expired|too large|over 1 KiB|1024' '$T/seuild.log') -ge 3 ]"
check "the bad id is refused as such" grep -q 'refused: id missing, longer than 64 characters or not of' "$T/seuild.log"
pub -t "$B/door/front/unlock" -r -n	# clear the retained command
pub -t "$B/door/front/unlock" -q 1 -m "{\"seconds\":2,\"id\":\"ok1\",\"expires\":\"$exp\"}"
check "a valid remote unlock opens the door" wait_until 5 relay_lines_gt "$n0"
check "as an unlock_remote event" wait_until 5 count_is unlock_remote -ge 1

# Privacy: no message ever names bob, or carries an email, a member id or a UID.
sleep 0.5
check "anonymous member never named" sh -c "! grep -qi -e bob -e Bobby '$T/all.txt' '$T/after.txt'"
check "a single Pi (no [site] node): no node or node_seq in its events, no site topic" \
	sh -c "! grep -q -e '\"node\"' -e node_seq -e '$B/acl/' -e '$B/node/' -e '$B/to/' '$T/all.txt' '$T/after.txt'"
check "no email, member id or UID on MQTT" sh -c "! grep -qi -e '@example.org' -e member_id -e '\"member\"' -e uid -e 04A1B2C3 -e 04B0B0B0 '$T/all.txt' '$T/after.txt'"

stop_seuild
check "status offline after SIGTERM" sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/status -C 1 -W 5 | grep -qx offline"
start_seuild
wait_until 10 sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/status -C 1 -W 2 | grep -qx online"
kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
check "status offline through the last will after kill -9" wait_until 20 sh -c "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t $B/status -C 1 -W 2 | grep -qx offline"
true
