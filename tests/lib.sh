# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Helpers for black-box tests: source it from tests/integration/*.sh.
# Each test runs the real binaries of $BUILD (set by tests/run) in a throwaway
# directory $T, prints "ok NAME" / "not ok NAME", and cleans up on exit.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=$TOP/build}"
SEUILD=$BUILD/seuild
SEUILCTL=$BUILD/seuilctl
T=$(mktemp -d /tmp/seuil-it.XXXXXX)
# RUN_WRAPPER (make check-cross: qemu-aarch64-static) starts every program of
# $BUILD: $BUILD becomes a shadow folder in $T with one script per program
# that execs the wrapper (same pid, so signals and pgrep -P still work).
if [ -n "${RUN_WRAPPER:-}" ]; then
	REAL_BUILD=$BUILD
	BUILD=$T/.build
	mkdir -p "$BUILD/tests"
	[ ! -d "$REAL_BUILD/fakes" ] || ln -s "$REAL_BUILD/fakes" "$BUILD/fakes"
	for f in "$REAL_BUILD"/* "$REAL_BUILD"/tests/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$RUN_WRAPPER" "$f" >"$BUILD/${f#"$REAL_BUILD"/}"
		chmod +x "$BUILD/${f#"$REAL_BUILD"/}"
	done
	SEUILD=$BUILD/seuild
	SEUILCTL=$BUILD/seuilctl
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# spawn COMMAND...: start COMMAND (a program or a shell function) in the
# background, its pid in $SPAWN_PID.  Every background process of a test
# starts here, so that it ends with the test whatever way the test ends:
# cleanup ends it and everything it started.  tests/run fails a test that
# leaves any process running, so a bare `COMMAND &` that outlives the test
# fails it.  Redirections apply as to any command, stdin included (a bare
# `&` would read /dev/null instead of a here-document).
PIDS=()
spawn() {
	"$@" <&0 &
	SPAWN_PID=$!
	PIDS+=("$SPAWN_PID")
}

# process_tree PID...: those of the PIDs still children of this shell (a
# pid of a process gone long ago may be another's now), and every process
# under them: a background shell function runs its command in a child.
process_tree() {
	ps -e -o pid=,ppid= | awk -v me=$$ -v roots="$*" '
		{ parent[$1] = $2 }
		END {
			n = split(roots, r, " ")
			for (i = 1; i <= n; i++)
				if (parent[r[i]] == me)
					want[r[i]] = 1
			do {
				more = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) {
						want[p] = 1
						more = 1
					}
			} while (more)
			for (p in want)
				print p
		}'
}

any_alive() {	# any_alive PID...
	local p
	for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

# gone_within SECONDS PID...: wait until none of the PIDs runs.
gone_within() {
	local n=$(($1 * 20)); shift
	while any_alive "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# stop_spawned [PID...]: end the spawned processes PID (all of them by
# default) and what they started.  Each gets TERM and 10 s to stop its own
# children (seuild its readers); what is left under them gets TERM (the
# command of a background shell function, flock's), and whatever still runs
# 5 s later gets KILL.  CONT wakes a stopped process.
stop_spawned() {
	local -a tree roots=()
	local p
	[ $# -gt 0 ] || { set -- "${PIDS[@]}"; PIDS=(); }
	[ $# -gt 0 ] || return 0
	mapfile -t tree < <(process_tree "$@")
	for p in "$@"; do [[ " ${tree[*]} " == *" $p "* ]] && roots+=("$p"); done
	[ ${#roots[@]} -gt 0 ] || return 0
	kill -TERM "${roots[@]}" 2>/dev/null
	kill -CONT "${roots[@]}" 2>/dev/null
	gone_within 10 "${roots[@]}"
	kill -TERM "${tree[@]}" 2>/dev/null
	kill -CONT "${tree[@]}" 2>/dev/null
	gone_within 5 "${tree[@]}" || kill -KILL "${tree[@]}" 2>/dev/null
	for p in "${roots[@]}"; do wait "$p" 2>/dev/null; done
	return 0	# not their status: ended on purpose
}

cleanup() {
	trap '' INT TERM HUP
	stop_spawned
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; }
# check NAME COMMAND...: ok if the command succeeds.
check() { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }
diag() { echo "# $*"; }

# wait_until SECONDS COMMAND...: poll every 20 ms until the command succeeds.
# output_is WANT CMD... / output_ge MIN CMD...: CMD prints WANT / a number
# of at least MIN.  For wait_until, which runs its command again: in
# `wait_until 10 test "$(cmd)" = x` the shell runs cmd once, before.
output_is() { local want=$1; shift; [ "$("$@")" = "$want" ]; }
output_ge() { local min=$1 got; shift; got=$("$@") && [ "$got" -ge "$min" ]; }

wait_until() {
	local limit=$1 i=0; shift
	local n=$((limit * 50))
	while ! "$@" 2>/dev/null; do
		i=$((i + 1)); [ $i -ge $n ] && return 1
		sleep 0.02
	done
}

# Write $T/seuild.conf for one sim door "front" and sim readers front-in
# (in), front-out (out); extra config lines on stdin are appended.
write_config() {
	mkdir -p "$T/door"
	cat >"$T/seuild.conf" <<CONF
[site]
name = test
timezone = Europe/Paris

[store]
database = $T/seuil.db
uid_key_file = $T/uid.key

[credentials]
key_file = $T/credentials.key

[door.front]
gpio = sim
sim_dir = $T/door
unlock_time = 1s
held_open_time = 3s

[reader.front-in]
driver = sim
sim_fifo = $T/front-in.fifo
door = front
direction = in

[reader.front-out]
driver = sim
sim_fifo = $T/front-out.fifo
door = front
direction = out

[mqtt]
enabled = false

[control]
socket = $T/control.sock
CONF
	[ -t 0 ] || cat >>"$T/seuild.conf"
}

ctl() { "$SEUILCTL" -f "$T/seuild.conf" "$@"; }
status_has() { ctl status --json | grep -q -- "$1"; }	# status_has REGEX

# start_seuild: run seuild -d in the background, log in $T/seuild.log, and
# wait until its control socket answers.
start_seuild() {
	[ -z "${RUN_WRAPPER:-}" ] || wrapper_conf
	spawn "$SEUILD" -d -v -f "$T/seuild.conf" "$@" >>"$T/seuild.log" 2>&1
	SEUILD_PID=$SPAWN_PID
	if ! wait_until 10 test -S "$T/control.sock"; then
		diag "seuild did not start:"; sed 's/^/#   /' "$T/seuild.log"
		return 1
	fi
	wait_until 5 ctl status >/dev/null
}

# qemu-user emulates neither seccomp nor Landlock: under RUN_WRAPPER the
# reader children can only be contained on a best-effort basis.
wrapper_conf() {
	grep -q '^reader_sandbox' "$T/seuild.conf" && return 0
	if grep -q '^\[security\]' "$T/seuild.conf"; then
		sed -i '/^\[security\]/a reader_sandbox = best_effort' "$T/seuild.conf"
	else
		printf '\n[security]\nreader_sandbox = best_effort\n' >>"$T/seuild.conf"
	fi
}

stop_seuild() {
	kill -TERM "$SEUILD_PID" 2>/dev/null
	wait "$SEUILD_PID"
}

tap() { echo "$2" >"$T/$1.fifo"; }		# tap READER UID
relay_last() { tail -n 1 "$T/door/relay.log" 2>/dev/null | cut -d' ' -f2; }
relay_lines() { wc -l <"$T/door/relay.log" 2>/dev/null || echo 0; }
# Predicates for wait_until (which re-runs them; "$(...)" would be expanded once).
relay_is() { [ "$(relay_last)" = "$1" ]; }
relay_lines_gt() { [ "$(relay_lines)" -gt "$1" ]; }
count_event() { sqlite3 "$T/seuil.db" "select count(*) from events where type='$1'"; }
count_is() { test "$(count_event "$1")" "$2" "$3"; }		# count_is TYPE -ge 2
open_visits_is() { [ "$(sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts is null")" = "$1" ]; }
door_input() { echo "$1" >"$T/door/inputs"; }	# door_input "contact open"

# The events table, one line per row: "seq|type|door|reason".
events() { sqlite3 "$T/seuil.db" "SELECT seq, type, ifnull(door,''), ifnull(reason,'') FROM events ORDER BY seq"; }
has_event() { events | grep -q "|$1|"; }			# has_event TYPE
has_reason() { events | grep -q "|$1|[^|]*|$2\$"; }		# has_reason TYPE REASON

# A free TCP port on 127.0.0.1.  tests/run runs tests side by side: a port
# the kernel picks (bind to 0) and frees can be picked again for another
# test before this one listens on it.  So each test under tests/run takes
# its ports from a block of 50 of its own, by its number in the run
# (SEUIL_TEST_TAG is RUNNER.N), below the kernel's ephemeral range (32768
# on), one after the other ($T/.ports); a port found in use is skipped.
free_port() {
	python3 - "$T/.ports" <<'PY'
import os, socket, sys
tag = os.environ.get("SEUIL_TEST_TAG", "")
n = tag.rpartition(".")[2]
if not n.isdigit():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
    sys.exit(0)
base = 10000 + (int(n) % 400) * 50
try:
    with open(sys.argv[1]) as f:
        i = int(f.read())
except (OSError, ValueError):
    i = 0
while i < 50:
    port = base + i
    i += 1
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    with open(sys.argv[1], "w") as f:
        f.write(str(i))
    print(port)
    sys.exit(0)
sys.exit("free_port: the 50 ports of this test's block are taken")
PY
}

# start_broker [extra mosquitto.conf lines on stdin]: a throwaway mosquitto
# on a free loopback port, in $BROKER_PORT.
start_broker() {
	BROKER_PORT=${BROKER_PORT:-$(free_port)}
	{
		echo "listener $BROKER_PORT 127.0.0.1"
		echo "allow_anonymous true"
		echo "persistence false"
		[ -t 0 ] || cat
	} >"$T/mosquitto.conf"
	spawn mosquitto -c "$T/mosquitto.conf" >>"$T/mosquitto.log" 2>&1
	BROKER_PID=$SPAWN_PID
	wait_until 10 mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t seuil-test/ping -m x
}

# sub_ready FILE: a probe on seuil-test/ready reached FILE (sub_start).
sub_ready() {
	mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t seuil-test/ready -m sub-ready &&
		grep -qx sub-ready "$1"
}

# sub_start FILE TOPIC: mosquitto_sub at QoS 1 into FILE in the background,
# returning once it is subscribed (a subscriber still connecting misses what
# the broker forwards meanwhile).  FILE also gets "sub-ready" lines.
sub_start() {
	spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$2" -t seuil-test/ready >"$1" 2>/dev/null
	wait_until 10 sub_ready "$1"
}

stop_broker() { kill "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null; }

# ---- a site of several Pis (docs/site.md): nodes in $T/NODE ----
# site_node NODE ROLE PORT [extra config lines on stdin]: $T/NODE/seuild.conf
# for a node of site "test": one sim door NODE (door names are unique in a
# site) and its reader NODE-in, the broker at 127.0.0.1:PORT (its relay),
# a heartbeat of 1 s; the replica's copy is stale after 3 s.
site_node() {
	local n=$1 role=$2 port=$3 d=$T/$1
	mkdir -p "$d/door"
	cat >"$d/seuild.conf" <<CONF
[site]
name = test
timezone = Europe/Paris
node = $n
role = $role
key_file = $d/site.key
heartbeat = 1s

[store]
database = $d/seuil.db
uid_key_file = $d/uid.key

[credentials]
key_file = $d/credentials.key

[door.$n]
gpio = sim
sim_dir = $d/door
unlock_time = 1s

[reader.$n-in]
driver = sim
sim_fifo = $d/in.fifo
door = $n
direction = in

[security]
unsynced_clock = ignore
lockout_failures = 32

[mqtt]
host = 127.0.0.1
port = $port
keepalive = 5s
homeassistant = false

[control]
socket = $d/control.sock

[replica]
site_key_file = $d/site.pub
stale_after = 3s
CONF
	[ -t 0 ] || cat >>"$d/seuild.conf"
}
nctl() { local n=$1; shift; "$SEUILCTL" -f "$T/$n/seuild.conf" "$@"; }	# nctl NODE ARGS
# start_node NODE: seuild of NODE in the background (log $T/NODE/seuild.log).
start_node() {
	local n=$1
	[ -z "${RUN_WRAPPER:-}" ] || T=$T/$n wrapper_conf
	spawn "$SEUILD" -d -v -f "$T/$n/seuild.conf" >>"$T/$n/seuild.log" 2>&1
	eval "NODE_PID_${n//-/_}=\$SPAWN_PID"
	if ! wait_until 10 test -S "$T/$n/control.sock" || ! wait_until 5 nctl "$n" status >/dev/null; then
		diag "seuild of $n did not start:"; sed 's/^/#   /' "$T/$n/seuild.log"
		return 1
	fi
}
node_pid() { eval "echo \${NODE_PID_${1//-/_}:-}"; }
stop_node() { local p; p=$(node_pid "$1"); [ -z "$p" ] || stop_spawned "$p"; }
ntap() { echo "$2" >"$T/$1/in.fifo"; echo - >"$T/$1/in.fifo"; }	# ntap NODE UID
node_relay_lines() { wc -l <"$T/$1/door/relay.log" 2>/dev/null || echo 0; }
node_events() { sqlite3 "$T/$1/seuil.db" "SELECT count(*) FROM events WHERE type = '$2'"; }
# node_decides NODE UID granted|denied: one tap, and what the door decided,
# as its log records it within 3 s: an access_granted or an access_denied
# (the relay is no witness: a grant while the door is still open leaves it
# as it is, and its relock after unlock_time is no grant).
node_decides() {
	local n=$1 g0 d0 i
	g0=$(node_events "$n" access_granted); d0=$(node_events "$n" access_denied)
	ntap "$n" "$2"
	for ((i = 0; i < 150; i++)); do
		if [ "$(node_events "$n" access_granted)" -gt "$g0" ]; then [ "$3" = granted ]; return; fi
		if [ "$(node_events "$n" access_denied)" -gt "$d0" ]; then [ "$3" = denied ]; return; fi
		sleep 0.02
	done
	return 1
}
# start_relay NAME TARGET_PORT [PORT]: a cuttable relay (tests/tools/tcprelay.py)
# to the broker, on PORT (default: a free one, or NAME's port of before: a
# relay started again heals the cut); its port in RELAY_PORT_<NAME>, its
# pid in RELAY_PID_<NAME>.
start_relay() {
	local n=${1//-/_} p
	p=${3:-$(relay_port "$1")}
	[ -n "$p" ] || p=$(free_port)
	rm -f "$T/relay-$1.ready"
	spawn python3 "$TOP/tests/tools/tcprelay.py" "$p" "$2" "$T/relay-$1.ready"
	eval "RELAY_PORT_$n=$p RELAY_PID_$n=\$SPAWN_PID"
	wait_until 10 test -e "$T/relay-$1.ready"
}
relay_port() { eval "echo \${RELAY_PORT_${1//-/_}:-}"; }
cut_relay() { stop_spawned "$(relay_pid "$1")"; }		# a hard partition
relay_pid() { eval "echo \${RELAY_PID_${1//-/_}}"; }
# site_digest NODE: the digest of the member data NODE holds.
site_digest() { nctl "$1" --json site show | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }
same_digest() { [ "$(site_digest "$1")" = "$(site_digest "$2")" ]; }	# for wait_until
# fake_clock unsynced|synced: from now on seuild, seuil-web and every
# program the test starts see the clock's NTP sync as said, through
# tests/fakes/clock_sync.c (adjtimex); say it again to change it while
# they run.
fake_clock() {
	echo "$1" >"$T/clock"
	export SEUIL_FAKE_CLOCK=$T/clock LD_PRELOAD=$BUILD/fakes/clock_sync.so
	case ${ASAN_OPTIONS:-} in
	*verify_asan_link_order=0*) ;;
	*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
	esac
}
