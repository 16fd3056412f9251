#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The service manager's notifications (Type=notify; docs/design.md,
# Programs), spoken by daemon/notify.c: READY=1 once the doors are locked
# and the store is open, RELOADING=1 then READY=1 around a SIGHUP,
# WATCHDOG=1 from the loop while it turns (only when $WATCHDOG_PID, if set,
# is seuild), STOPPING=1 at SIGTERM.  A listener stands in for systemd on a
# path and on an abstract socket name.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null || not_ok "seuilctl init"

# listen ADDRESS LOG: print each datagram received as one line of LOG.
listen() {
	spawn python3 - "$1" "$2" <<'PY'
import socket, sys
addr, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(log + ".ready", "w").close()
with open(log, "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PY
	wait_until 5 test -e "$2.ready"
}
said() { grep -qx "$2" "$1"; }			# said LOG LINE
said_n() { [ "$(grep -cx "$2" "$1")" -ge "$3" ]; }	# said_n LOG LINE N
not_said() { ! said "$@"; }

listen "$T/notify.sock" "$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 start_seuild || not_ok "seuild starts"
check "READY=1 once started" wait_until 5 said "$T/notify.log" "READY=1"
check "WATCHDOG=1 while the loop turns" wait_until 5 said_n "$T/notify.log" "WATCHDOG=1" 3
kill -HUP "$SEUILD_PID"
check "RELOADING=1 on SIGHUP" wait_until 5 said "$T/notify.log" "RELOADING=1"
check "... then READY=1 again" wait_until 5 said_n "$T/notify.log" "READY=1" 2
stop_seuild
check "STOPPING=1 at SIGTERM" said "$T/notify.log" "STOPPING=1"

# An abstract name; the watchdog is someone else's (WATCHDOG_PID).
listen "@seuil-test-notify-$$" "$T/abstract.log"
NOTIFY_SOCKET=@seuil-test-notify-$$ WATCHDOG_USEC=200000 WATCHDOG_PID=1 start_seuild ||
	not_ok "seuild starts (abstract socket)"
check "READY=1 on an abstract socket" wait_until 5 said "$T/abstract.log" "READY=1"
sleep 0.5
check "no WATCHDOG=1 for another process's watchdog" not_said "$T/abstract.log" "WATCHDOG=1"
stop_seuild
check "STOPPING=1 on an abstract socket" said "$T/abstract.log" "STOPPING=1"
