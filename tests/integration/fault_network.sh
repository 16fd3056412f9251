#!/usr/bin/env bash
# The network fails (issue 10, item 2; DESIGN §1.6): the broker stopped and
# restarted in the middle of a burst of taps (the subscriber sees every seq
# once it is back), and a broker refusing the login (the door works, the
# refusal is logged, seuild does not hammer it).
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
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/events" >"$T/sub1.jsonl" 2>/dev/null &
PIDS+=($!)
start_seuild || { not_ok "seuild starts"; exit 1; }
published() { ctl status --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["mqtt"]["published_seq"]))'; }
all_published() { [ "$(published)" -ge "$(sqlite3 "$T/seuil.db" "select max(seq) from events")" ]; }
wait_until 10 all_published

# --- Broker stopped and restarted in the middle of a burst ---
python3 "$FEEDER" --gap 40 --seconds 6 --seed 1 "$T/front-in.fifo,$T/front-out.fifo" \
	04A1B2C3 04B0B0B0 04DEAD01 &
feeder=$!
sleep 1.5
stop_broker
sleep 2
n_down=$(sqlite3 "$T/seuil.db" "select count(*) from events")
start_broker
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/events" >"$T/sub2.jsonl" 2>/dev/null &
PIDS+=($!)
wait "$feeder"
check "the door kept deciding with the broker down" test "$n_down" -gt 10
check "published up to the last event once the broker is back" wait_until 40 all_published
sleep 1
last=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
check "the subscriber saw every seq from 1 to $last" python3 - "$last" "$T/sub1.jsonl" "$T/sub2.jsonl" <<'PY'
import json, sys
last = int(sys.argv[1]); seen = []
for f in sys.argv[2:]:
    seen += [json.loads(l)["seq"] for l in open(f) if l.strip()]
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
mosquitto -c "$T/mosquitto.conf" -v >>"$T/mosquitto.log" 2>&1 &
BROKER_PID=$!; PIDS+=("$BROKER_PID")
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
