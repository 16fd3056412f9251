#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make soak: long fault runs against the real seuild, printing
# "soak: NAME VALUE" lines.  Not part of make check.
#   SOAK_CYCLES  kill -9 cycles (tests/integration/fault_kill9.sh)  1000
#   SOAK_TAPS    taps through the sim readers, random members      1000000
#   SOAK_MINUTES minutes with a flapping broker and reader          60
# Exit status 1 if a kill -9 check failed or a tap or an event was lost.
. "$(dirname "$0")/../lib.sh"

CYCLES=${SOAK_CYCLES:-1000} TAPS=${SOAK_TAPS:-1000000} MINUTES=${SOAK_MINUTES:-60}
FEEDER=$TOP/tests/soak/feeder.py
bad=0
say() { echo "soak: $1 $2"; }

# --- 1. kill -9 cycles ---
t0=$SECONDS
KILL9_CYCLES=$CYCLES bash "$TOP/tests/integration/fault_kill9.sh" >"$T/kill9.out" 2>&1
nk=$(grep -c '^not ok' "$T/kill9.out")
say kill9_cycles "$CYCLES"
say kill9_failed_checks "$nk"
say kill9_seconds $((SECONDS - t0))
[ "$nk" = 0 ] || { bad=1; grep -E '^(not ok|#)' "$T/kill9.out" | head -20 | sed 's/^/# /'; }

# --- 2. taps on a tmpfs database ---
mkdir -p "$T/fs"
MOUNTED=0
mount -t tmpfs -o size=512m tmpfs "$T/fs" 2>/dev/null && MOUNTED=1
trap '[ "$MOUNTED" = 0 ] || { stop_spawned; umount "$T/fs"; }; cleanup' EXIT
write_config <<CONF

[mqtt]
enabled = true
host = 127.0.0.1
port = PORT
keepalive = 5s
CONF
sed -i -e "s|^database = .*|database = $T/fs/seuil.db|" -e '0,/^\[mqtt\]\nenabled = false/s///' "$T/seuild.conf"
python3 - "$T/seuild.conf" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", "")	# the first [mqtt] of write_config
open(p, "w").write(s)
PY
# The broker keeps its state across the restarts of part 3 (see there).
mkdir -p "$T/mq"
MQ_CONF="persistence true
persistence_location $T/mq/
max_queued_messages 0
autosave_interval 0"
[ "$(id -u)" != 0 ] || MQ_CONF="$MQ_CONF
user root"	# as root, mosquitto would become "mosquitto" and not reach $T
start_broker <<<"$MQ_CONF" || { echo "soak: broker does not start"; exit 1; }
sed -i "s/^port = PORT$/port = $BROKER_PORT/" "$T/seuild.conf"
ctl init >/dev/null
uids=()
for i in $(seq 1 50); do
	u=$(printf '04%06X' $((i * 7919)))
	ctl member add "m$i" >/dev/null && ctl badge add "m$i" "$u" >/dev/null
	uids+=("$u")
done
uids+=(04DEAD01 04DEAD02)
start_seuild || { echo "soak: seuild does not start"; exit 1; }
fds() { ls "/proc/$SEUILD_PID/fd" | wc -l; }
rss() { awk '/VmHWM/ { print $2 }' "/proc/$SEUILD_PID/status"; }
decided() { sqlite3 "$T/fs/seuil.db" "select count(*) from events where type in ('access_granted', 'access_denied')"; }
unavailable() {	# taps denied as store_unavailable, from the store_error events
	sqlite3 "$T/fs/seuil.db" "select detail from events where type = 'store_error'" |
		awk '{ n += $1 } END { print n + 0 }'
}
say fds_start "$(fds)"
d0=$(decided)
t0=$SECONDS
python3 "$FEEDER" --count "$TAPS" --gap 0 --seed 1 --stats "$T/taps.stats" \
	"$T/front-in.fifo,$T/front-out.fifo" "${uids[@]}"
fed=$(awk '{ print $2 }' "$T/taps.stats")
feed_s=$((SECONDS - t0))
all_told() { [ $(($(decided) - d0 + $(unavailable))) -ge "$fed" ]; }
wait_until 120 all_told
sleep 3
got=$(($(decided) - d0)); un=$(unavailable)
say taps "$fed"
say taps_per_second $((fed / (feed_s > 0 ? feed_s : 1)))
say taps_feed_seconds "$feed_s"
say taps_decided "$got"
say taps_store_unavailable "$un"
lost=$((fed - got - un)); [ "$lost" -ge 0 ] || lost=0
say lost "$lost"
[ "$lost" = 0 ] || bad=1
say integrity "$(sqlite3 "$T/fs/seuil.db" 'PRAGMA integrity_check')"
say taps_seconds $((SECONDS - t0))

# --- 3. a flapping broker and reader for SOAK_MINUTES ---
# What seuild guarantees is that every event reaches the broker, acknowledged
# (PUBACK), in seq order, whatever the outages; what a subscriber then sees
# depends on the broker.  So the subscriber has a persistent session
# (-c -i soak-sub, QoS 1) on a broker with persistence: it subscribes once,
# before seuild publishes anything counted here, and is never killed; it
# reconnects by itself after each restart.  What the broker acknowledged
# and had not yet delivered to it (queued, or written to its socket just
# before the broker stopped) is saved at the broker's SIGTERM and delivered
# after the restart, also while seuild reconnects first and resends its
# backlog before the subscriber is back (max_queued_messages 0: no drop).
# The harness used to kill a clean-session subscriber with each broker stop
# and start a new one after each start: an event the broker had acknowledged
# and written to the old subscriber's socket was lost with it (seen in a
# broker log: PUBLISH forwarded, PUBACK rc0 to seuild, broker terminating,
# the subscriber never printed it), and after a restart anything seuild
# resent before the new subscriber had subscribed was acknowledged with
# "no matching subscribers" and lost.  Those were the harness's losses, not
# seuild's: mqtt_lost counts only what the broker could not have dropped.
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -c -i soak-sub -t 'seuil/+/events' \
	>>"$T/sub.jsonl" 2>>"$T/sub.err"
wait_until 10 grep -q 'as soak-sub' "$T/mosquitto.log"
sleep 0.5	# its SUBSCRIBE follows the CONNECT
spawn python3 "$FEEDER" --seconds $((MINUTES * 60)) --gap 100 --seed 2 --wait 60 \
	"$T/front-in.fifo,$T/front-out.fifo" "${uids[@]}"
feeder=$SPAWN_PID
t0=$SECONDS
end=$((SECONDS + MINUTES * 60)) flaps=0 kills=0
while [ $SECONDS -lt "$end" ]; do
	sleep 10
	stop_broker
	sleep 5
	start_broker <<<"$MQ_CONF" >/dev/null
	flaps=$((flaps + 1))
	c=$(pgrep -P "$SEUILD_PID" | head -1)
	[ -n "$c" ] && kill -STOP "$c" && kills=$((kills + 1))	# a hung reader, killed by seuild
done
wait "$feeder"
say flap_minutes "$MINUTES"
say broker_flaps "$flaps"
say reader_hangs "$kills"
last=$(sqlite3 "$T/fs/seuil.db" "select max(seq) from events")
pub() { ctl status --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["mqtt"]["published_seq"]))'; }
wait_until 120 sh -c "[ \$('$SEUILCTL' -f '$T/seuild.conf' status --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)[\"mqtt\"][\"published_seq\"]))') -ge $last ]"
first=$(python3 -c 'import json,sys; print(min(json.loads(l)["seq"] for l in open(sys.argv[1]) if l.strip()))' "$T/sub.jsonl" 2>/dev/null || echo 1)
seen_all() {
	python3 - "$T/sub.jsonl" "$first" "$last" <<'PY'
import json, sys
seen = {json.loads(l)["seq"] for l in open(sys.argv[1]) if l.strip()}
sys.exit(0 if set(range(int(sys.argv[2]), int(sys.argv[3]) + 1)) <= seen else 1)
PY
}
wait_until 30 seen_all
mlost=$(python3 - "$T/sub.jsonl" "$first" "$last" <<'PY'
import json, sys
seen = {json.loads(l)["seq"] for l in open(sys.argv[1]) if l.strip()}
missing = sorted(set(range(int(sys.argv[2]), int(sys.argv[3]) + 1)) - seen)
if missing:
    print("# missing seqs:", missing[:20], file=sys.stderr)
print(len(missing))
PY
)
say mqtt_events_checked $((last - first + 1))
say mqtt_lost "$mlost"
say flap_seconds $((SECONDS - t0))
# A broker that drops queued messages would make mqtt_lost meaningless.
say broker_dropped "$(grep -c 'messages are being dropped' "$T/mosquitto.log")"
[ "$mlost" = 0 ] || bad=1
say reader_restarts "$(ctl status --json | python3 -c 'import json,sys; print(sum(r["restarts"] for r in json.load(sys.stdin)["readers"]))')"
say max_rss_kb "$(rss)"
say fds_end "$(fds)"
stop_seuild
exit "$bad"
