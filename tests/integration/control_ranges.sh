#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Control requests with numbers out of range are refused, never wrapped:
# "seconds" whose product with 1000 overflows int64 to 32768 must not open
# the door, and huge or fractional numbers do not crash the daemon.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

raw() {
	python3 - "$T/control.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.send(sys.argv[2].encode()); s.settimeout(5)
print(s.recv(4096).decode())
PY
}
n0=$(relay_lines)
# 36893488147419136 * 1000 = 32768 (mod 2^64)
r=$(raw '{"cmd":"door_unlock","seconds":36893488147419136}')
check "wrapping seconds refused" sh -c "echo '$r' | grep -q '\"ok\":false'"
r=$(raw '{"cmd":"door_unlock","seconds":1e300}')
check "huge seconds refused" sh -c "echo '$r' | grep -q '\"ok\":false'"
r=$(raw '{"cmd":"enroll","member":1e300}')
check "huge member refused" sh -c "echo '$r' | grep -q '\"ok\":false'"
check "strike never moved" test "$(relay_lines)" = "$n0"
check "no unlock_remote event" test "$(count_event unlock_remote)" = 0
check "seuild is still up" kill -0 "$SEUILD_PID"
stop_seuild
