#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make demo: seuil on simulated hardware, start to finish, in a throwaway
# directory.  A broker on a free loopback port, seuild with a sim door and a
# sim reader, three demo members, three taps, then what a manager sees.
set -u
build=${1:-build}
build=$(cd "$build" && pwd)
seuild=$build/seuild
seuilctl=$build/seuilctl
dir=$(mktemp -d /tmp/seuil-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { "$seuilctl" -f "$dir/seuild.conf" "$@"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
webport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/door"
cat >"$dir/seuild.conf" <<CONF
[site]
name = demo
timezone = Europe/Paris

[store]
database = $dir/seuil.db
uid_key_file = $dir/uid.key

[credentials]
key_file = $dir/credentials.key

[door.front]
gpio = sim
sim_dir = $dir/door
unlock_time = 2s

[reader.front-in]
driver = sim
sim_fifo = $dir/reader.fifo
door = front
direction = in

; The front desk: enrolment only (seuilctl badge enrol), opens nothing.
[reader.desk]
driver = sim
sim_fifo = $dir/desk.fifo
enrol = true
feedback_chip = sim

[mqtt]
host = 127.0.0.1
port = $port
remote_unlock = true

[control]
socket = $dir/control.sock

; The manager's console (seuil-web), on loopback.
[web]
listen = 127.0.0.1:$webport
CONF

# The lobby screen (docs/lobby.md), served by the broker itself, when it
# has been built (`make lobby`; `make demo` tries).
lobby=$(cd "$(dirname "$0")/.." && pwd)/lobby/dist
wsport=""
say "a throwaway MQTT broker on 127.0.0.1:$port"
{
	printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port"
	if [ -f "$lobby/index.html" ]; then
		wsport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		# mosquitto 2.0 binds websockets listeners to an interface, not an address.
		printf 'listener %s lo\nprotocol websockets\nhttp_dir %s\n' "$wsport" "$lobby"
		[ "$(id -u)" -eq 0 ] && echo "user root"	# it may read the page where it is
	fi
} >"$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do mosquitto_pub -h 127.0.0.1 -p "$port" -t demo/ping -m x 2>/dev/null && break; sleep 0.1; done

say "seuilctl init, and three members"
ctl init
ctl member add alice --display "Alice" --public
ctl member add bob --display "Bob"
ctl member add carol
ctl badge add alice 04A1B2C3 --label "blue fob"
ctl badge add carol 04C0FFEE --label "card"
ctl badge revoke 04C0FFEE
ctl member list

say "seuild -d on simulated hardware"
"$seuild" -d -f "$dir/seuild.conf" 2>"$dir/seuild.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$dir/control.sock" ] && break; sleep 0.05; done
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'seuil/demo/#' -v >"$dir/mqtt.txt" 2>&1 &
pids+=($!)
sleep 0.5

say "seuil-web: the manager's console on http://127.0.0.1:$webport (login admin / demo-admin)"
printf 'demo-admin\n' | ctl web user add admin --role admin
printf 'demo-desk1\n' | ctl web user add desk --role desk
SEUIL_WEB_PAGE=$(cd "$(dirname "$0")/.." && pwd)/web/page "$build/seuil-web" -d -f "$dir/seuild.conf" \
	2>"$dir/seuil-web.log" &
pids+=($!)

say "taps: alice (enrolled), an unknown badge, carol (revoked)"
echo 04A1B2C3 >"$dir/reader.fifo"; sleep 0.5
echo 04DEAD00 >"$dir/reader.fifo"; sleep 0.5
echo 04C0FFEE >"$dir/reader.fifo"; sleep 2.5

say "relay.log (monotonic ns, 1 = strike energised)"
cat "$dir/door/relay.log"
say "the strike and the reader's light and sound (relay.log beside reader.fifo.feedback)"
# One row per change, each output's state after it: granted (green, one
# beep), then two denials (red, three beeps), each replacing the last.
{ awk '{print $1, "relay", $2}' "$dir/door/relay.log"; cat "$dir/reader.fifo.feedback"; } |
	sort -n -s -k1,1 | awk '
	BEGIN { printf "%8s  %-6s %-6s %-6s %-6s\n", "ms", "relay", "green", "red", "buzzer" }
	{ v[$2] = $3 == 1 ? "on" : "-" }
	NR <= 4 { next }	# at start: strike locked, reader dark and silent
	NR == 5 { t0 = $1 }
	{ printf "%8d  %-6s %-6s %-6s %-6s\n", ($1 - t0) / 1e6, v["relay"], v["green"], v["red"], v["buzzer"] }'
say "seuilctl log"
ctl log
say "seuilctl who"
ctl who
say "seuilctl status"
ctl status
say "MQTT: what the lobby screen saw (mosquitto_sub -t 'seuil/demo/#' -v)"
grep -v '^homeassistant' "$dir/mqtt.txt"
say "retained presence, as a screen that connects now sees it"
mosquitto_sub -h 127.0.0.1 -p "$port" -t seuil/demo/presence -C 1 -W 3

# At a terminal, leave everything running so a newcomer can look around.
if [ -t 0 ] && [ -z "${DEMO_NO_WAIT:-}" ]; then
	say "still running: try it from another terminal"
	cat <<MSG
  watch every topic:   mosquitto_sub -h 127.0.0.1 -p $port -t 'seuil/#' -v
  tap a badge:         echo 04A1B2C3 > $dir/reader.fifo
  light and sound:     tail -f $dir/reader.fifo.feedback
  enrol a new badge:   $seuilctl -f $dir/seuild.conf badge enrol alice &
                       echo 04AB12CD > $dir/desk.fifo
  open the door:       echo 'contact open' > $dir/door/inputs
  remote unlock:       mosquitto_pub -h 127.0.0.1 -p $port -t seuil/demo/door/front/unlock -q 1 \\
                         -m "{\"seconds\":3,\"id\":\"try-1\",\"expires\":\"\$(date -u -d '+1 min' +%FT%TZ)\"}"
  as the manager:      $seuilctl -f $dir/seuild.conf log   (or who, status, report attendance)
MSG
	[ -n "$wsport" ] && echo "  the lobby screen:    http://127.0.0.1:$wsport/?base=seuil/demo"
	echo "  the console:         http://127.0.0.1:$webport/  (login admin / demo-admin, or desk / demo-desk1)"
	read -r -p "press Enter to stop the demo " _
fi

say "stopping seuild (SIGTERM): doors locked, status offline"
kill -TERM "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
mosquitto_sub -h 127.0.0.1 -p "$port" -t seuil/demo/status -C 1 -W 3 -v
echo
echo "demo done (files were in $dir, now removed)"
