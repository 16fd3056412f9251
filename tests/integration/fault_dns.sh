#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A DNS server that does not answer (tests/fakes/slow_fsync.c makes every
# getaddrinfo take 4 s) while the broker is named by a host name and is
# down, so that seuild tries again and again: libmosquitto resolves the
# name in its connect, which seuild runs on a helper thread, never on the
# loop that times the doors.  Taps are granted at once, each pulse ends on
# time, and the control socket answers all along.
. "$(dirname "$0")/../lib.sh"

SHIM=$BUILD/fakes/slow_fsync.so
K=$T/knobs
mkdir -p "$K"
port=$(free_port)	# nothing listens there
write_config <<'CONF'
[security]
unsynced_clock = ignore
CONF
sed -i "s/^enabled = false/enabled = true\nhost = localhost\nport = $port/" "$T/seuild.conf"
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null ||
	{ not_ok "setup"; exit 1; }
echo 4000 >"$K/slow_dns"
export SEUIL_FAULT_DIR=$K
export ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
LD_PRELOAD=$SHIM start_seuild || { not_ok "seuild starts with the slow DNS"; exit 1; }

# For 12 s: the control socket's answer time every 0.3 s, and a tap every
# 2 s: from the UID written to the relay set (CLOCK_MONOTONIC both, as
# relay.log records it), and the pulse's length.
python3 - "$T" "$SEUILCTL" >"$T/timings" <<'PY'
import os, subprocess, sys, time
T, ctl = sys.argv[1], sys.argv[2]
relay = T + "/door/relay.log"
def lines():
    with open(relay) as f:
        return [l.split() for l in f if l.strip()]
worst_status = 0
grants, pulses = [], []
end = time.monotonic() + 12
next_tap = time.monotonic() + 0.5
pending = None
while time.monotonic() < end or pending:
    t0 = time.monotonic_ns()
    subprocess.run([ctl, "-f", T + "/seuild.conf", "status"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    worst_status = max(worst_status, (time.monotonic_ns() - t0) // 1000000)
    if pending is None and time.monotonic() >= next_tap and time.monotonic() < end:
        n = len(lines())
        t0 = time.monotonic_ns()
        with open(T + "/front-in.fifo", "w") as f:
            f.write("04A1B2C3\n")
        with open(T + "/front-in.fifo", "w") as f:
            f.write("-\n")
        pending = (n, t0)
        next_tap = time.monotonic() + 2
    if pending:
        l = lines()[pending[0]:]
        ons = [int(x[0]) for x in l if x[1] == "1"]
        offs = [int(x[0]) for x in l if x[1] == "0"]
        if ons and offs:
            grants.append((ons[0] - pending[1]) // 1000000)
            pulses.append((offs[0] - ons[0]) // 1000000)
            pending = None
        elif time.monotonic_ns() - pending[1] > 10 * 10**9:
            grants.append(10000); pulses.append(10000); pending = None
    time.sleep(0.3)
print("status_ms", worst_status)
print("grant_ms", " ".join(map(str, grants)))
print("pulse_ms", " ".join(map(str, pulses)))
PY
sed 's/^/# /' "$T/timings"
worst() { awk -v k="$1" '$1 == k { m = 0; for (i = 2; i <= NF; i++) if ($i > m) m = $i; print m }' "$T/timings"; }
count() { awk -v k="$1" '$1 == k { print NF - 1 }' "$T/timings"; }
check "several taps were made" test "$(count grant_ms)" -ge 4
check "each was granted within 1 s (not after the 4 s of a name lookup)" test "$(worst grant_ms)" -lt 1000
check "each pulse ended on time (unlock_time 1 s)" test "$(worst pulse_ms)" -lt 1800
check "the control socket answered within 1.5 s all along" test "$(worst status_ms)" -lt 1500
check "the broker's name was looked up, and slowly (the shim was in place)" \
	grep -q "mqtt: connecting to localhost:$port" "$T/seuild.log"
stop_seuild
