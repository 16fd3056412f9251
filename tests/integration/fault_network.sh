#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The network fails (docs/design.md, Priorities: works without the network):
# the broker stopped and restarted in the middle of a burst of taps (the
# subscriber sees every seq once it is back), and a broker refusing the
# login (the door works, the refusal is logged, seuild does not hammer it).
. "$(dirname "$0")/../lib.sh"

FEEDER=$TOP/tests/soak/feeder.py
start_broker || { not_ok "broker starts"; exit 1; }
B=seuil/test
write_config </dev/null
mqtt_conf() {	# mqtt_conf PORT [extra lines]
	python3 - "$T/seuild.conf" "$@" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[mqtt\]\n.*?\n\n", "[mqtt]\nhost = 127.0.0.1\nport = %s\nkeepalive = 5s\n%s\n\n"
           % (sys.argv[2], "\n".join(sys.argv[3:])), s, flags=re.S)
open(p, "w").write(s)
PY
}
mqtt_conf "$BROKER_PORT"
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null &&
	ctl member add bob >/dev/null && ctl badge add bob 04B0B0B0 >/dev/null || { not_ok "setup"; exit 1; }
sub_start "$T/sub1.jsonl" "$B/events" || { not_ok "the subscriber starts"; exit 1; }
start_seuild || { not_ok "seuild starts"; exit 1; }
published() { ctl status --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["mqtt"]["published_seq"]))'; }
all_published() { [ "$(published)" -ge "$(sqlite3 "$T/seuil.db" "select max(seq) from events")" ]; }
wait_until 10 all_published

# --- Broker stopped and restarted in the middle of a burst ---
spawn python3 "$FEEDER" --gap 40 --seconds 6 --seed 1 "$T/front-in.fifo,$T/front-out.fifo" \
	04A1B2C3 04B0B0B0 04DEAD01
feeder=$SPAWN_PID
sleep 1.5
stop_broker
sleep 2
n_down=$(sqlite3 "$T/seuil.db" "select count(*) from events")
start_broker
sub_start "$T/sub2.jsonl" "$B/events" || not_ok "the second subscriber starts"
wait "$feeder"
check "the door kept deciding with the broker down" test "$n_down" -gt 10
check "published up to the last event once the broker is back" wait_until 40 all_published
sleep 1
last=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
check "the subscriber saw every seq from 1 to $last" python3 - "$last" "$T/sub1.jsonl" "$T/sub2.jsonl" <<'PY'
import json, sys
last = int(sys.argv[1]); seen = []
for f in sys.argv[2:]:
    seen += [json.loads(l)["seq"] for l in open(f) if l.startswith("{")]
missing = sorted(set(range(1, last + 1)) - set(seen))
if missing: print("# missing", missing[:30])
print("# %d events, %d messages, %d duplicates" % (last, len(seen), len(seen) - len(set(seen))))
sys.exit(bool(missing))
PY
stop_seuild

# --- A broker that refuses the login ---
stop_broker
: >"$T/passwd"; mosquitto_passwd -b "$T/passwd" seuil right
chmod o+x "$T"; chmod 0644 "$T/passwd"	# mosquitto reads it as its own user
echo wrong >"$T/mqtt.pass"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\n' \
	"$BROKER_PORT" "$T/passwd" >"$T/mosquitto.conf"
: >"$T/mosquitto.log"
spawn mosquitto -c "$T/mosquitto.conf" -v >>"$T/mosquitto.log" 2>&1
# stop_broker (tests/lib.sh) stops it.
# shellcheck disable=SC2034
BROKER_PID=$SPAWN_PID
check "the refusing broker starts (the right password works)" \
	wait_until 10 mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -u seuil -P right -t x -m x
mqtt_conf "$BROKER_PORT" "username = seuil" "password_file = $T/mqtt.pass"
: >"$T/seuild.log"
start_seuild || { not_ok "seuild starts with a refusing broker"; exit 1; }
n=$(count_event access_granted)
tap front-in -; tap front-in 04A1B2C3
check "refused login: the door still works" wait_until 10 count_is access_granted -gt "$n"
check "refused login: a warning is logged" wait_until 10 grep -q 'refused connection' "$T/seuild.log"
sleep 10
tries=$(grep -c 'New connection from 127.0.0.1' "$T/mosquitto.log")
diag "connection attempts in about 10 s: $tries (the mosquitto_pub probe is one)"
check "refused login: no hammering (at most 3 attempts in 10 s)" test "$tries" -le 4
not_connected() { ! status_has '"connected": *true'; }
check "refused login: status says not connected" not_connected
stop_seuild

# --- A broker that takes events and never acknowledges them, then dies ---
# seuild's published mark moves on PUBACK only: what was in flight when the
# broker went away (sent, never acknowledged) is sent again to the next
# broker, and status never counts it as published meanwhile.
stop_broker
mqtt_conf "$BROKER_PORT"
spawn python3 - "$BROKER_PORT" "$T/mute.jsonl" <<'PY'
# An MQTT 5 "broker" that accepts one client, answers CONNECT and PINGREQ,
# records the payload of every PUBLISH on .../events and acknowledges none;
# it goes away 4 s after the first event.
import json, socket, sys, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(1); srv.settimeout(20)
c, _ = srv.accept(); c.settimeout(0.2)
out = open(sys.argv[2], "w"); buf = b""; first = None
def varint(b, i):
    n = s = 0
    while True:
        n |= (b[i] & 0x7f) << s; s += 7; i += 1
        if not b[i - 1] & 0x80: return n, i
while first is None or time.time() - first < 4:
    try:
        d = c.recv(65536)
        if not d: break
        buf += d
    except socket.timeout:
        pass
    while len(buf) >= 2:
        try: n, i = varint(buf, 1)
        except IndexError: break
        if len(buf) < i + n: break
        t, body, buf = buf[0], buf[i:i + n], buf[i + n:]
        if t >> 4 == 1: c.sendall(b"\x20\x03\x00\x00\x00")	# CONNACK, v5, success
        elif t >> 4 == 12: c.sendall(b"\xd0\x00")		# PINGRESP
        elif t >> 4 == 3:
            tl = int.from_bytes(body[:2], "big"); topic = body[2:2 + tl].decode()
            j = 2 + tl + (2 if (t >> 1) & 3 else 0)
            pl, j = varint(body, j)
            if topic.endswith("/events") and not topic.endswith("presence/events"):
                out.write(body[j + pl:].decode() + "\n"); out.flush()
                first = first or time.time()
c.close(); srv.close()
PY
mute=$SPAWN_PID
mark0=$(sqlite3 "$T/seuil.db" "select value from meta where key = 'mqtt_published_seq'")
last=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
diag "published mark $mark0, last seq $last before the start"
: >"$T/seuild.log"
start_seuild || { not_ok "seuild starts with a mute broker"; exit 1; }
got_some() { [ -s "$T/mute.jsonl" ]; }
check "mute broker: seuild sends it events" wait_until 10 got_some
sleep 1
check "mute broker: nothing unacknowledged counts as published" \
	test "$(published)" = "$mark0"
wait "$mute"
sent=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["seq"]) for l in open(sys.argv[1]) if l.strip()))' "$T/mute.jsonl")
diag "sent to the mute broker, never acknowledged: $sent"
start_broker </dev/null
sub_start "$T/sub3.jsonl" "$B/events" || not_ok "the third subscriber starts"
check "mute broker: published up to the last event with the next broker" \
	wait_until 40 all_published
sleep 1
check "mute broker: every event it swallowed reached the next broker's subscriber" \
	python3 - "$T/sub3.jsonl" $sent <<'PY'
import json, sys
seen = {json.loads(l)["seq"] for l in open(sys.argv[1]) if l.startswith("{")}
missing = [int(s) for s in sys.argv[2:] if int(s) not in seen]
if missing: print("# missing", missing)
sys.exit(bool(missing) or len(sys.argv) < 3)
PY
stop_seuild
