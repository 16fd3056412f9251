#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The example ACL (config/mosquitto.acl.example) against a real mosquitto
# and seuild with remote_unlock = true: seuild may publish everything it
# publishes, but its own login cannot open a door; only doorbot can; the
# lobby login receives presence, arrivals and departures and nothing else
# (no denial, no remote unlock, no door event).
. "$(dirname "$0")/../lib.sh"

B=seuil/test
sed -e "s|seuil/lab|$B|g" -e "s|seuil_lab|seuil_test|g" \
	"$TOP/config/mosquitto.acl.example" >"$T/acl"
for u in seuild lobby doorbot homeassistant; do
	[ -f "$T/passwd" ] || : >"$T/passwd"
	mosquitto_passwd -b "$T/passwd" "$u" "$u-pw" 2>/dev/null
done
printf '%s\n' seuild-pw >"$T/seuild.pw"
start_broker <<CONF || { not_ok "broker starts with the example ACL"; sed 's/^/# /' "$T/mosquitto.log"; exit 1; }
$( [ "$(id -u)" = 0 ] && echo "user root" )
password_file $T/passwd
acl_file $T/acl
CONF

write_config </dev/null
python3 - "$T/seuild.conf" "$BROKER_PORT" "$T/seuild.pw" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", """[mqtt]
host = 127.0.0.1
port = %s
keepalive = 5s
username = seuild
password_file = %s
remote_unlock = true
spaceapi_file =
""" % (sys.argv[2], sys.argv[3]))
open(p, "w").write(s)
PY
ctl init >/dev/null
ctl member add alice --display "Alice A." --public >/dev/null
ctl member add bob --display "Bobby" --anonymous >/dev/null
ctl badge add alice 04A1B2C3 >/dev/null
ctl badge add bob 04B0B0B0 >/dev/null

as() { local u=$1; shift; "$@" -h 127.0.0.1 -p "$BROKER_PORT" -u "$u" -P "$u-pw"; }
exp() { date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ; }
unlock_cmd() { printf '{"seconds":1,"id":"%s","expires":"%s"}' "$1" "$(exp)"; }

# Everyone who might listen, from the start.
spawn as homeassistant mosquitto_sub -V mqttv5 -t "$B/#" -t 'homeassistant/#' -v >"$T/ha.txt" 2>&1
spawn as lobby mosquitto_sub -V mqttv5 -t "$B/events" -t "$B/presence/events" -t "$B/presence" \
	-t "$B/presence/count" -t "$B/status" -t "$B/door/+/state" -t "$B/door/+/unlock" \
	-t "$B/spaceapi" -t "$B/lobby" -v >"$T/lobby.txt" 2>&1
sleep 0.5
start_seuild || { not_ok "seuild starts"; exit 1; }
check "seuild logs in and publishes online" wait_until 10 grep -qx "$B/status online" "$T/ha.txt"

tap front-in 04A1B2C3
tap front-in 04B0B0B0
tap front-in 04DEAD00
wait_until 5 has_event access_denied
door_input "contact open"
door_input "contact closed"
wait_until 5 has_event door_closed

# seuild's own login: its unlock is dropped by the broker, the door stays shut.
wait_until 5 relay_is 0
n0=$(relay_lines)
as seuild mosquitto_pub -V mqttv5 -q 1 -t "$B/door/front/unlock" -m "$(unlock_cmd by-seuild)" 2>/dev/null
as lobby mosquitto_pub -V mqttv5 -q 1 -t "$B/door/front/unlock" -m "$(unlock_cmd by-lobby)" 2>/dev/null
sleep 1.5
check "seuild's credentials cannot publish an unlock that opens the door" test "$(relay_lines)" = "$n0"
check "neither login made an unlock_remote event" test "$(count_event unlock_remote)" = 0
as doorbot mosquitto_pub -V mqttv5 -q 1 -t "$B/door/front/unlock" -m "$(unlock_cmd by-doorbot)"
check "doorbot's unlock opens the door" wait_until 5 relay_lines_gt "$n0"
check "as an unlock_remote event" wait_until 5 count_is unlock_remote = 1
as doorbot mosquitto_pub -V mqttv5 -q 1 -t "$B/status" -m offline 2>/dev/null
sleep 0.5
check "doorbot may not publish what seuild publishes" sh -c "! grep -qx '$B/status offline' '$T/ha.txt'"

# Everything seuild publishes got through the ACL.
last=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
check "every event acknowledged, up to the last seq" wait_until 15 status_has "\"published_seq\":[[:space:]]*${last}[,}]"
check "no publication refused by the broker" sh -c "! grep -q 'refused event' '$T/seuild.log'"
for t in presence presence/count presence/events events door/front/state spaceapi lobby; do
	check "seuild may publish $B/$t" grep -q "^$B/$t " "$T/ha.txt"
done
check "seuild may publish its Home Assistant discovery" \
	grep -q '^homeassistant/binary_sensor/seuil_test/door_front/config ' "$T/ha.txt"
check "... its event entity and tap triggers" sh -c "grep -q '^homeassistant/event/seuil_test/door_front/config ' '$T/ha.txt' &&
	grep -q '^homeassistant/device_automation/seuil_test/door_front_access_granted/config ' '$T/ha.txt'"
check "... and the door's live events" grep -q "^$B/door/front/event {\"event_type\":\"access_granted\"" "$T/ha.txt"

# The lobby: presence, arrivals and departures, status; nothing else.
sleep 0.5
check "lobby receives arrivals on presence/events" grep -q "^$B/presence/events .*\"arrival\".*Alice A." "$T/lobby.txt"
check "lobby receives the retained presence and status" sh -c \
	"grep -q '^$B/presence {' '$T/lobby.txt' && grep -qx '$B/status online' '$T/lobby.txt'"
check "lobby receives B/lobby, with the clock's sync" grep -q "^$B/lobby {.*\"clock_synced\":\(true\|false\)" "$T/lobby.txt"
check "lobby receives nothing on B/events, door states, unlocks or spaceapi" sh -c \
	"! grep -q -e '^$B/events ' -e '^$B/door/' -e '^$B/spaceapi ' '$T/lobby.txt'"
check "lobby never sees a denial, a remote unlock or a door event" sh -c \
	"! grep -q -e access_denied -e unknown_badge -e unlock_remote -e door_open -e door_closed -e by-doorbot '$T/lobby.txt'"
check "lobby never sees the anonymous member named" sh -c "! grep -qi -e bob -e Bobby '$T/lobby.txt'"
true
