#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Memory hygiene: seuild under valgrind memcheck on simulated hardware, with
# a real broker: taps granted and denied, door inputs, a status request, a
# reload (SIGHUP), a remote unlock over MQTT, then SIGTERM.  No memcheck
# error and no definite leak, in the daemon or its reader children.  Runs in
# the plain build only: valgrind cannot run ASan binaries (the ASan pass of
# `make check` skips it).
. "$(dirname "$0")/../lib.sh"

if ldd "$SEUILD" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip valgrind_daemon (ASan build: valgrind runs the plain build only)"
	exit 0
fi
[ -z "${RUN_WRAPPER:-}" ] || { echo "skip valgrind_daemon (cross build: runs natively only)"; exit 0; }
command -v valgrind >/dev/null || { not_ok "valgrind installed (scripts/deps.sh)"; exit 1; }

VG=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-fds=no --child-silent-after-fork=no
    --suppressions="$TOP/tests/valgrind.supp" --log-file="$T/vg.%p.log")

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
ctl member add alice --public >/dev/null
ctl badge add alice 04A1B2C3 >/dev/null

pub() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" "$@"; }
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/#" -v >"$T/mqtt.txt" 2>&1

spawn "${VG[@]}" "$SEUILD" -d -v -f "$T/seuild.conf" >>"$T/seuild.log" 2>&1
SEUILD_PID=$SPAWN_PID
if ! wait_until 60 ctl status >/dev/null; then
	not_ok "seuild starts under valgrind"; sed 's/^/#   /' "$T/seuild.log" | tail -20
	exit 1
fi
ok "seuild starts under valgrind"

tap front-in 04A1B2C3
check "grant under valgrind" wait_until 30 count_is arrival = 1
tap front-in 04DEADBE
check "denial under valgrind" wait_until 30 count_is access_denied -ge 1
door_input "contact open"
door_input "contact closed"
door_input "exit"
check "status answers" sh -c "\"$SEUILCTL\" -f \"$T/seuild.conf\" status --json >/dev/null"
kill -HUP "$SEUILD_PID"
check "reload logged" wait_until 30 grep -q 'reload' "$T/seuild.log"
connected_twice() { [ "$(grep -c 'mqtt: connected' "$T/seuild.log")" -ge 2 ]; }
check "MQTT back after the reload" wait_until 60 connected_twice
exp=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)
pub -t "$B/door/front/unlock" -q 1 -m "{\"seconds\":1,\"id\":\"vg1\",\"expires\":\"$exp\"}"
check "remote unlock over MQTT" wait_until 30 count_is unlock_remote = 1
tap front-out 04A1B2C3
check "departure" wait_until 30 count_is departure = 1
check "events published" wait_until 30 grep -q "$B/events .*departure" "$T/mqtt.txt"

kill -TERM "$SEUILD_PID"
wait "$SEUILD_PID"
rc=$?
check "seuild exits 0 under valgrind (no memcheck error)" [ "$rc" -eq 0 ]
# Every process valgrind followed (the daemon and its reader children).
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$T"/vg.*.log 2>/dev/null)
if [ -z "$bad" ]; then
	ok "no memcheck error or definite leak ($(ls "$T"/vg.*.log | wc -l) processes)"
else
	not_ok "no memcheck error or definite leak"
	for f in $bad; do sed -n '/ERROR SUMMARY\|definitely lost\|Invalid\|uninitialised\|by 0x\|at 0x/p' "$f" | head -40 | sed 's/^/#   /'; done
fi
