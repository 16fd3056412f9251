#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing a test starts outlives it: tests/run, on fixture tests in a copy
# of tests/, fails a test that leaves a process running, naming the test
# and the command, and ends the process, however it got away (a bare `&`,
# out of the test's session, without the test's tag in its environment,
# under a test killed by KILL, or when tests/run itself is stopped).  What
# a test starts with spawn (tests/lib.sh) ends with it and fails nothing:
# a background shell function's command (mosquitto_sub once outlived
# mqtt_daemon.sh that way), a process that ignores TERM, and all of them
# when the test is killed by TERM.
. "$(dirname "$0")/../lib.sh"

if ldd "$SEUILD" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip runner_leftovers (no build's binary runs: once, in the plain build's pass)"
	exit 0
fi

R=$T/repo
export FIXTURE_OUT=$T/out
mkdir -p "$R/tests/integration" "$R/build/tests" "$FIXTURE_OUT" "$T/tmp"
cp "$TOP/tests/run" "$TOP/tests/lib.sh" "$R/tests/"
fixture() { cat >"$R/tests/integration/$1.sh"; }

fixture bare <<'SH'
. "$(dirname "$0")/../lib.sh"
sleep 3001 &
echo $! >"$FIXTURE_OUT/3001"
ok "started a process with a bare &"
SH
fixture escaped <<'SH'
. "$(dirname "$0")/../lib.sh"
setsid sleep 3002 &
echo $! >"$FIXTURE_OUT/3002"
env -i sleep 3003 &
echo $! >"$FIXTURE_OUT/3003"
ok "started a process out of the session, one without the tag"
SH
fixture killed <<'SH'
. "$(dirname "$0")/../lib.sh"
spawn sleep 3004
echo "$SPAWN_PID" >"$FIXTURE_OUT/3004"
ok "spawned a process, then killed itself with KILL"
kill -KILL $$
SH
fixture tidy <<'SH'
. "$(dirname "$0")/../lib.sh"
sub() { sleep 3005; }
spawn sub
wait_until 5 pgrep -P "$SPAWN_PID" sleep >"$FIXTURE_OUT/3005"
spawn sh -c 'trap "" TERM; exec sleep 3006'
echo "$SPAWN_PID" >"$FIXTURE_OUT/3006"
spawn sleep 3007 >/dev/null
echo "$SPAWN_PID" >"$FIXTURE_OUT/3007"
ok "spawned a shell function, a process that ignores TERM and a plain one"
SH
fixture termed <<'SH'
. "$(dirname "$0")/../lib.sh"
spawn sleep 3008
echo "$SPAWN_PID" >"$FIXTURE_OUT/3008"
ok "spawned a process, then killed itself with TERM"
kill -TERM $$
SH

TESTS='' TMPDIR=$T/tmp "$R/tests/run" build >"$T/run.out" 2>&1
rc=$?
sed 's/^/# /' "$T/run.out"
check "tests/run fails when a test leaves a process running" test "$rc" -ne 0
left() {	# left TEST COMMAND: tests/run named TEST and COMMAND
	grep -qE "^ +not ok $1\\.sh left a process running: $2 \\(pid [0-9]+\\)\$" "$T/run.out"
}
check "a bare & outliving the test: not ok naming the test and the command" left bare "sleep 3001"
check "a process out of the test's session is found by its tag" left escaped "sleep 3002"
check "a process without the tag is found by its session" left escaped "sleep 3003"
check "a test killed by KILL: what it spawned is found" left killed "sleep 3004"
check "what a test spawns ends with it: no failure" grep -qE '^build +tidy\.sh +1 ok +0 failed' "$T/run.out"
check "a test killed by TERM: what it spawned ends with it" \
	sh -c "grep -q 'not ok termed.sh exited 143' '$T/run.out' && ! grep -q 'termed.sh left' '$T/run.out'"
check "each failure counted once" grep -qx '5 passed, 5 failed' "$T/run.out"

# ended N: "sleep N" was started (its pid in $FIXTURE_OUT/N) and no longer
# runs (a pid comes around again: the command tells).
ended() {
	[ -s "$FIXTURE_OUT/$1" ] && [ "$(ps -o args= -p "$(cat "$FIXTURE_OUT/$1")")" != "sleep $1" ]
}
for n in 3001 3002 3003 3004 3005 3006 3007 3008; do
	check "sleep $n was started and has ended" ended $n
done

# tests/run stopped by TERM in the middle of a test: the test's processes
# end too, and tests/run says it was interrupted.
rm -f "$R"/tests/integration/*.sh
fixture slow <<'SH'
. "$(dirname "$0")/../lib.sh"
spawn sleep 3009
echo "$SPAWN_PID" >"$FIXTURE_OUT/3009"
sleep 3010 &
echo $! >"$FIXTURE_OUT/3010"
sleep 60
ok "never reached"
SH
TESTS='' TMPDIR=$T/tmp spawn "$R/tests/run" build >"$T/stopped.out" 2>&1
runner=$SPAWN_PID
wait_until 10 test -s "$FIXTURE_OUT/3010"
kill -TERM "$runner"
wait "$runner"
rc=$?
sed 's/^/# /' "$T/stopped.out"
check "tests/run stopped by TERM exits 130 and says so" \
	sh -c "[ $rc = 130 ] && grep -qx 'tests/run: interrupted' '$T/stopped.out'"
for n in 3009 3010; do
	check "tests/run stopped: sleep $n was started and has ended" ended $n
done

# Tests run side by side (JOBS): two tests that each wait for the other to
# have started both pass; one at a time, the first would wait in vain.
rm -f "$R"/tests/integration/*.sh
for pair in "a b" "b a"; do
	read -r me other <<<"$pair"
	fixture "meet_$me" <<SH
. "\$(dirname "\$0")/../lib.sh"
touch "\$FIXTURE_OUT/here.$me"
if wait_until 20 test -e "\$FIXTURE_OUT/here.$other"; then ok "met $other"; else not_ok "met $other"; fi
SH
done
TESTS='' JOBS=2 TMPDIR=$T/tmp "$R/tests/run" build >"$T/jobs.out" 2>&1
sed 's/^/# /' "$T/jobs.out"
check "JOBS=2: two tests run at the same time" grep -qx '2 passed, 0 failed' "$T/jobs.out"
check "JOBS=0 is refused" sh -c "TESTS='' JOBS=0 '$R/tests/run' build >/dev/null 2>&1; [ \$? = 64 ]"
