#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The disk fails under the running daemon (docs/design.md, Priorities: never
# a wrong yes, nothing lost): full (a 1 MiB tmpfs holds the database;
# RLIMIT_FSIZE through prlimit where mounting is refused), read-only under
# open files (EROFS from tests/fakes/slow_fsync.c, as after a kernel
# remount-ro), locked by another writer, and 3 s per fsync.  Each time: no
# wrong yes (the unknown and the revoked badge never open), no crash, the
# strike released on time, the error in `seuilctl status` (store_health),
# and one store_error event once the store is back.  Last, seuild run as an
# unprivileged user (setpriv) on a database it may only read.
. "$(dirname "$0")/../lib.sh"

SHIM=$BUILD/fakes/slow_fsync.so
K=$T/knobs
mkdir -p "$T/fs" "$K"
if mount -t tmpfs -o size=1m,mode=0755 tmpfs "$T/fs" 2>/dev/null; then
	MOUNTED=1 FULL=tmpfs
else
	MOUNTED=0 FULL=rlimit
fi
fault_cleanup() {
	stop_spawned
	[ "$MOUNTED" = 0 ] || umount "$T/fs" || umount -l "$T/fs"
	cleanup
}
trap fault_cleanup EXIT

write_config </dev/null
sed -i "s|^database = .*|database = $T/fs/seuil.db|" "$T/seuild.conf"
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null &&
	ctl member add carol >/dev/null && ctl badge add carol 04CA0001 >/dev/null &&
	ctl badge revoke "$(sqlite3 "$T/fs/seuil.db" "select id from badges where uid_hint like '%01'")" >/dev/null ||
	{ not_ok "setup"; exit 1; }
db() { sqlite3 "$T/fs/seuil.db" "$@"; }
count_event() { db "select count(*) from events where type='$1'"; }
health() { ctl status --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["store_health"]; print("ok" if h["ok"] else "failing: %s" % h["last_error"])'; }
health_ok() { [ "$(health)" = ok ]; }
health_failing() { health | grep -q '^failing'; }
# Last pulse length in ms from relay.log.
last_pulse() { awk '$2 == 1 { on = $1 } $2 == 0 && on { ms = int(($1 - on) / 1000000); on = 0 } END { print ms + 0 }' "$T/door/relay.log"; }
grant() {	# grant: alice taps and the strike opens and closes
	local n0 g0
	n0=$(relay_lines); g0=$(count_event access_granted)
	tap front-in -; tap front-in 04A1B2C3
	wait_until 15 count_is access_granted -gt "$g0" && wait_until 10 relay_lines_gt $((n0 + 1)) && relay_is 0
}
# wrong_taps: the unknown and the revoked badge; the relay must not move.
wrong_taps() {
	local n0
	n0=$(relay_lines)
	tap front-out 04DEAD01; tap front-out -; tap front-out 04CA0001; tap front-out -
	sleep 1.5
	[ "$(relay_lines)" = "$n0" ]
}
store_errors_gt() { [ "$(count_event store_error)" -gt "$1" ]; }

export SEUIL_FAULT_DIR=$K SEUIL_FAULT_PATH=$T/fs/
export ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
LD_PRELOAD=$SHIM start_seuild || { not_ok "seuild starts with the fault shim"; exit 1; }
check "a grant opens before any fault" grant

# --- Disk full ---
se=$(count_event store_error)
if [ "$FULL" = tmpfs ]; then
	dd if=/dev/zero of="$T/fs/filler" bs=16k 2>/dev/null
else
	prlimit --pid "$SEUILD_PID" --fsize="$(stat -c %s "$T/fs/seuil.db-wal")"
fi
diag "disk full by $FULL"
check "disk full: the unknown and the revoked badge do not open" wrong_taps
for _ in 1 2 3 4 5 6; do	# a few frames may still fit in the WAL's last page
	tap front-in -; tap front-in 04A1B2C3; sleep 0.3
	grep -q "tap denied: store_unavailable" "$T/seuild.log" && break
done
check "disk full: taps are denied (store_unavailable)" wait_until 5 grep -q "tap denied: store_unavailable" "$T/seuild.log"
check "disk full: the strike is locked" wait_until 5 relay_is 0
check "disk full: status shows the store failing" health_failing
diag "status: $(health)"
check "disk full: seuild keeps running" kill -0 "$SEUILD_PID"
if [ "$FULL" = tmpfs ]; then rm -f "$T/fs/filler"; else prlimit --pid "$SEUILD_PID" --fsize=unlimited; fi
check "disk full: a store_error event once there is room" wait_until 15 store_errors_gt "$se"
check "disk full: status ok again" wait_until 5 health_ok
check "disk full: a grant opens again" grant

# --- Read-only under the open database (EROFS, as after remount-ro) ---
se=$(count_event store_error)
touch "$K/erofs"
check "read-only: the unknown and the revoked badge do not open" wrong_taps
tap front-in -; tap front-in 04A1B2C3
check "read-only: a member's tap is denied (store_unavailable)" \
	wait_until 5 sh -c "[ \$(grep -c 'tap denied: store_unavailable' '$T/seuild.log') -ge 2 ]"
sleep 1.2
check "read-only: the relay did not move" relay_is 0
check "read-only: status shows the store failing" health_failing
check "read-only: seuild keeps running" kill -0 "$SEUILD_PID"
rm -f "$K/erofs"
check "read-only: a store_error event once writable" wait_until 15 store_errors_gt "$se"
check "read-only: a grant opens again" grant

# --- Locked by another writer for 3 s ---
se=$(count_event store_error)
spawn python3 - "$T/fs/seuil.db" "$T/locked" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
holder=$SPAWN_PID
wait_until 10 test -e "$T/locked"
check "locked: the unknown and the revoked badge do not open" wrong_taps
tap front-in -; tap front-in 04A1B2C3
sleep 0.8
check "locked: status shows the store failing" health_failing
check "locked: the relay did not move" relay_is 0
wait "$holder"
check "locked: a store_error event once the lock is gone" wait_until 15 store_errors_gt "$se"
check "locked: a grant opens again" grant

# --- 3 s per fsync: the grant waits for its commit, the release does not ---
se=$(count_event store_error)
echo 3000 >"$K/slow_fsync"
t0=$(date +%s%N)
check "slow fsync: a grant still opens" grant
diag "slow fsync: tap to release $((($(date +%s%N) - t0) / 1000000)) ms, pulse $(last_pulse) ms"
check "slow fsync: the pulse lasts unlock_time (1 s, < 2.5 s) although each fsync takes 3 s" \
	test "$(last_pulse)" -ge 900 -a "$(last_pulse)" -lt 2500
check "slow fsync: the unknown and the revoked badge do not open" wrong_taps
rm -f "$K/slow_fsync"
check "slow fsync: a tap queued behind a 3 s fsync is told in a store_error event" \
	wait_until 20 store_errors_gt "$se"
detail=$(db "select detail from events where type = 'store_error' order by seq desc limit 1")
diag "store_error: $detail"
check "slow fsync: the store_error event says why (its deadline passed)" \
	sh -c "echo '$detail' | grep -q 'deadline'"
check "slow fsync: seuild keeps running" kill -0 "$SEUILD_PID"
sleep 4
check "slow fsync: status ok once fsync is fast again" wait_until 15 health_ok
stop_seuild
check "seuild stops cleanly after the faults" test $? = 0
check "the database is intact" test "$(db "PRAGMA integrity_check")" = ok
check "no grant for the revoked or the unknown badge" test "$(db \
	"select count(*) from events where type = 'access_granted' and (member_id is null or badge_id in (select id from badges where status = 'revoked'))")" = 0

# --- seuild as an unprivileged user on a database it may only read ---
chown -R nobody "$T/door" "$T/uid.key" && chmod 0755 "$T"
rm -f "$T/control.sock" "$T"/*.fifo
mkdir -p "$T/run" && chown nobody "$T/run"
sed -i -e "s|^socket = .*|socket = $T/run/control.sock|" -e "s|^sim_fifo = $T/|sim_fifo = $T/run/|" "$T/seuild.conf"
chmod 0644 "$T/fs"/seuil.db*; chmod 0755 "$T/fs"
n0=$(relay_lines)
spawn setpriv --reuid=nobody --regid=nogroup --clear-groups "$SEUILD" -d -v -f "$T/seuild.conf" >>"$T/ro.log" 2>&1
ro=$SPAWN_PID
if wait_until 10 test -S "$T/run/control.sock"; then
	sed -i "s|$T/control.sock|$T/run/control.sock|" /dev/null
	echo 04DEAD01 >"$T/run/front-in.fifo"; echo - >"$T/run/front-in.fifo"
	echo 04A1B2C3 >"$T/run/front-in.fifo"
	sleep 1.5
	check "read-only database: nothing opens" sh -c "! sed -n '$((n0 + 1)),\$p' '$T/door/relay.log' | grep -q ' 1\$'"
	check "read-only database: seuild still runs" kill -0 "$ro"
	check "read-only database: status shows the store failing" health_failing
	kill "$ro"; wait "$ro"
else
	wait "$ro"; rc=$?
	diag "seuild as nobody on a read-only database: exited $rc: $(tail -n 2 "$T/ro.log")"
	check "read-only database: a refused start exits non-zero" test "$rc" -ne 0
	check "read-only database: and leaves the relay locked" relay_is 0
fi
