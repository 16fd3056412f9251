#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A remote unlock command that arrives while seuild reloads (SIGHUP) or
# stops (SIGTERM) is read during MQTT's goodbye, after the doors are torn
# down: it must be ignored and logged, not crash the daemon (it did: a NULL
# door in door_unlock, found by valgrind_daemon.sh).  SIGSTOP holds seuild
# while the command and the signal queue up, so that the loop sees both at
# once and handles the signal first.
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
remote_unlock = true
""" % sys.argv[2])
open(p, "w").write(s)
PY
ctl init >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
wait_until 10 grep -q 'mqtt: connected' "$T/seuild.log"

unlock_during() {	# SIGNAL ID: the command queued behind the signal
	local exp
	exp=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)
	kill -STOP "$SEUILD_PID"
	mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/door/front/unlock" \
		-m "{\"seconds\":1,\"id\":\"$2\",\"expires\":\"$exp\"}"
	sleep 0.5
	kill "-$1" "$SEUILD_PID"
	kill -CONT "$SEUILD_PID"
}

unlock_during HUP during-reload
check "reload logged" wait_until 10 grep -q 'reload' "$T/seuild.log"
sleep 1
check "seuild still runs after the reload" kill -0 "$SEUILD_PID"
check "still answers after the reload" wait_until 10 status_has '"ok":true'
check "the command was ignored and logged" grep -q 'unlock command during-reload ignored' "$T/seuild.log"

unlock_during TERM during-stop
wait "$SEUILD_PID"
rc=$?
check "clean exit (0) with an unlock during the stop" [ "$rc" -eq 0 ]
check "relay locked at the end" relay_is 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/seuild.log" | tail -15
