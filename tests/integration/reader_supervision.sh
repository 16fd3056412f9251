#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Reader children: a killed child is reported offline, respawned with
# backoff and reported online again; taps work afterwards; the door stays
# locked meanwhile.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
check "readers come online" wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='reader_online'\") -ge 2 ]"

child=$(pgrep -P "$SEUILD_PID" | head -n 1)
check "reader children run" test -n "$child"
# reader_sandbox = required (the default): each child is under seccomp with
# no new privileges, and holds nothing of the daemon's (no database, no
# control socket): stdin, stdout, stderr, its socket and its FIFO.
contained() {
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$1/status" &&
	grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$1/status"
}
for c in $(pgrep -P "$SEUILD_PID"); do
	check "reader child $c is contained" contained "$c"
	check "reader child $c holds only its own fds" test "$(ls "/proc/$c/fd" | wc -l)" = 5
	check "reader child $c holds no database or socket of the daemon" sh -c "! ls -l /proc/$c/fd | grep -q -e seuil.db -e control.sock"
done
kill -9 "$child"
check "killed child gives reader_offline" wait_until 5 has_event reader_offline
check "seuild stays up" kill -0 "$SEUILD_PID"
check "door stays locked" test "$(relay_last)" = 0
check "respawned child gives reader_online again" wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='reader_online'\") -ge 3 ]"
tap front-in 04A1B2C3
check "taps work after the respawn" wait_until 5 relay_is 1

# A stopped (hung) child misses its heartbeats and is killed and replaced.
child=$(pgrep -P "$SEUILD_PID" | head -n 1)
kill -STOP "$child"
check "hung child is killed after the heartbeat deadline" wait_until 10 sh -c "! kill -0 $child 2>/dev/null || grep -q '^State:.*zombie' /proc/$child/status"
check "and replaced" wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='reader_online'\") -ge 4 ]"
stop_seuild
check "no reader child left after stop" test -z "$(pgrep -P "$SEUILD_PID" 2>/dev/null)"
