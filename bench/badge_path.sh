#!/usr/bin/env bash
# The badge path at 100k badges: the daemon's own share (UID received from
# the reader child -> relay set, including the durable SQLite commit), on
# the disk and on tmpfs, the end-to-end latency from a tap written to the
# simulated reader to the relay line, and seuild's memory.
set -u
: "${BUILD:?}" "${TOP:?}"
count=${BENCH_BADGES:-100000}
taps=${BENCH_TAPS:-300}
work=$(mktemp -d /tmp/seuil-bench.XXXXXX)
shm=""
[ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/seuil-bench.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work" ${shm:+"$shm"}' EXIT

"$BUILD/bench/gen_badges" --db "$work/seuil.db" --key "$work/uid.key" --count "$count" >/dev/null || exit 1

run_daemon() {	# dir label
	local dir=$1 label=$2
	mkdir -p "$dir/door"
	[ "$dir" = "$work" ] || cp "$work/seuil.db" "$dir/seuil.db"
	cat >"$dir/seuild.conf" <<CONF
[site]
name = bench
timezone = Europe/Paris
[store]
database = $dir/seuil.db
uid_key_file = $work/uid.key
[door.front]
gpio = sim
sim_dir = $dir/door
unlock_time = 1s
[reader.in]
driver = sim
sim_fifo = $dir/in.fifo
door = front
direction = in
[mqtt]
enabled = false
[control]
socket = $dir/control.sock
CONF
	"$BUILD/seuild" -d -v -f "$dir/seuild.conf" 2>"$dir/seuild.log" &
	pid=$!
	for _ in $(seq 200); do [ -S "$dir/control.sock" ] && break; sleep 0.05; done
	sleep 0.5
	python3 - "$dir" "$count" "$taps" "$label" <<'PY'
import os, random, sys, time, statistics
d, count, taps, label = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(42)
fifo = os.open(d + "/in.fifo", os.O_WRONLY)
# The daemon's share: many taps of random enrolled badges.
for _ in range(taps):
    i = rnd.randrange(count)
    os.write(fifo, b"04%06X\n" % i)
    time.sleep(0.01)
time.sleep(1.5)
# End to end: tap written -> relay energised, one pulse at a time.
e2e = []
for _ in range(8):
    i = rnd.randrange(count)
    with open(d + "/door/relay.log") as f:
        before = len(f.readlines())
    t0 = time.monotonic_ns()
    os.write(fifo, b"04%06X\n" % i)
    deadline = time.time() + 5
    while time.time() < deadline:
        with open(d + "/door/relay.log") as f:
            lines = f.readlines()[before:]
        on = [l for l in lines if l.split()[1] == "1"]
        if on:
            e2e.append((int(on[0].split()[0]) - t0) / 1e6)
            break
        time.sleep(0.001)
    time.sleep(1.3)
share = []
with open(d + "/seuild.log") as f:
    for line in f:
        if "badge path:" in line:
            share.append(int(line.split("badge path:")[1].split()[0]))
share = share[1:]	# the first tap warms the page cache
share.sort()
def pct(v, p): return v[min(len(v) - 1, int(len(v) * p))]
print(f"bench: badge_path_{label}_p50 {pct(share, 0.5)} us")
print(f"bench: badge_path_{label}_p99 {pct(share, 0.99)} us")
print(f"bench: badge_path_{label}_max {share[-1]} us")
print(f"bench: tap_to_relay_{label}_median {statistics.median(e2e):.2f} ms")
print(f"bench: tap_to_relay_{label}_max {max(e2e):.2f} ms")
PY
	echo "bench: seuild_rss_peak_$label $(awk '/VmHWM/{print $2}' /proc/$pid/status) KiB"
	kill $pid; wait $pid 2>/dev/null; pid=""
}

echo "bench: badges_enrolled $count badges"
run_daemon "$work" disk
[ -n "$shm" ] && run_daemon "$shm" tmpfs
exit 0
