#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A remote unlock replayed after seuild restarted (SIGTERM, then kill -9)
# or reloaded, while the command has not expired: refused and logged, the
# door stays shut.  The ids of accepted commands come back from the event
# log at start (daemon/mqtt.c); a command with a new id still opens.
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

exp=$(date -u -d '+4 min' +%Y-%m-%dT%H:%M:%SZ)
unlock_cmd() { printf '{"seconds":1,"id":"%s","expires":"%s"}' "$1" "$exp"; }
send() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/door/front/unlock" -m "$1"; }
opened_by() {	# opened_by ID: unlock_remote events of that command
	sqlite3 "$T/seuil.db" "select count(*) from events where type = 'unlock_remote' and detail like 'mqtt id $1,%'"
}
opened_by_is() { [ "$(opened_by "$1")" = "$2" ]; }
# probe ID: a new command, which opens; once its event is there, seuild was
# subscribed, and every command sent before it has been judged.
probe() { send "$(unlock_cmd "$1")" && wait_until 10 opened_by_is "$1" 1; }
# Subscribed again after a (re)start: retry the probe with fresh ids.
ready() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		probe "$1-$i" 2>/dev/null && return 0
	done
	return 1
}
after=0
replayed_and_refused() {	# ID MESSAGE: the same message again, judged, refused
	local refused
	refused=$(grep -c "refused: duplicate id" "$T/seuild.log")
	after=$((after + 1))
	send "$2"
	probe "after-$after"
	opened_by_is "$1" 1 && [ "$(grep -c "refused: duplicate id" "$T/seuild.log")" -gt "$refused" ]
}

start_seuild || { not_ok "seuild starts"; exit 1; }
check "seuild takes unlock commands" ready first
msg=$(unlock_cmd replay-1)
send "$msg"
check "an unlock opens once" wait_until 10 opened_by_is replay-1 1
check "sent again at once: refused" replayed_and_refused replay-1 "$msg"

# A clean restart.
stop_seuild
start_seuild || { not_ok "seuild restarts"; exit 1; }
check "seuild takes commands after a restart" ready restart
check "replayed after a restart: refused and logged" replayed_and_refused replay-1 "$msg"

# kill -9 right after the door opened: the event was committed first.
msg=$(unlock_cmd replay-2)
send "$msg"
wait_until 10 opened_by_is replay-2 1
kill -9 "$SEUILD_PID"
wait "$SEUILD_PID" 2>/dev/null
start_seuild || { not_ok "seuild restarts after kill -9"; exit 1; }
check "seuild takes commands after kill -9" ready killed
check "replayed after kill -9: refused and logged" replayed_and_refused replay-2 "$msg"
check "and the one before it too" replayed_and_refused replay-1 "$(unlock_cmd replay-1)"

# A reload makes a new MQTT client, reading the ids back the same way.
msg=$(unlock_cmd replay-3)
send "$msg"
wait_until 10 opened_by_is replay-3 1
kill -HUP "$SEUILD_PID"
wait_until 10 grep -q 'configuration reloaded' "$T/seuild.log"
check "seuild takes commands after a reload" ready reloaded
check "replayed after a reload: refused" replayed_and_refused replay-3 "$msg"

check "no command opened twice" test "$(sqlite3 "$T/seuil.db" "select count(*) from (select detail from events where type = 'unlock_remote' group by detail having count(*) > 1)")" = 0
stop_seuild
