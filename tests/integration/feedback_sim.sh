#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Light and sound at simulated readers (docs/design.md, Simulated hardware):
# every change of a reader's feedback goes to <sim_fifo>.feedback as "<ns>
# <output> <0|1>".  The order of changes is asserted exactly, the timing
# within wide bounds (ASan, a busy machine): granted, denied, a lockout's
# blinking with a locked-out tap in the middle, a denial while the store is
# locked, enrolment at a desk reader (blinking, then two beeps; or a
# timeout), dark after SIGTERM and first thing after kill -9 and a restart.
. "$(dirname "$0")/../lib.sh"

write_config <<CONF
[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true
feedback_chip = sim

[security]
unsynced_clock = ignore
lockout_failures = 3
lockout_window = 60s
lockout_time = 5s
CONF
ctl init >/dev/null && ctl member add alice >/dev/null && ctl member add bob >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null || { not_ok "setup"; exit 1; }

FB=$T/front-in.fifo.feedback
DESK=$T/desk.fifo.feedback
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
# seq FILE FROM: the changes after line FROM, as "output value" words.
seq_from() { tail -n +"$(($2 + 1))" "$1" | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $3}'; }
# last FILE OUTPUT: the last value written for OUTPUT.
last() { awk -v o="$2" '$2 == o {v = $3} END {print v}' "$1"; }
last_is() { [ "$(last "$1" "$2")" = "$3" ]; }
# ms FILE FROM OUTPUT VALUE1 VALUE2: ms from the first OUTPUT=VALUE1 after
# line FROM to the next OUTPUT=VALUE2.
ms() {
	tail -n +"$(($2 + 1))" "$1" | awk -v o="$3" -v a="$4" -v b="$5" \
		'$2 == o && $3 == a && !t {t = $1; next} $2 == o && $3 == b && t {print int(($1 - t) / 1e6); exit}'
}
all_off() { last_is "$1" green 0 && last_is "$1" red 0 && last_is "$1" buzzer 0; }
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
all_between() {	# all_between MIN MAX N...: at least one N, each within bounds
	local lo=$1 hi=$2 v; shift 2
	[ $# -gt 0 ] || return 1
	for v; do between "$v" "$lo" "$hi" || return 1; done
}
seq_has() { seq_from "$1" "$2" | grep -q -- "$3"; }

start_seuild || { not_ok "seuild starts"; exit 1; }
check "the feedback log starts dark and silent" \
	test "$(seq_from "$FB" 0)" = "green=0 red=0 buzzer=0"
check "a desk reader with feedback_chip = sim has its log" \
	test "$(seq_from "$DESK" 0)" = "green=0 red=0 buzzer=0"

# Granted: green while the strike is released (unlock_time 1s), one beep.
m=$(lines "$FB")
tap front-in 04A1B2C3
check "granted: green goes off again" wait_until 10 seq_has "$FB" "$m" "green=0"
check "granted: green on, one beep, green off" \
	test "$(seq_from "$FB" "$m")" = "green=1 buzzer=1 buzzer=0 green=0"
g=$(ms "$FB" "$m" green 1 0); b=$(ms "$FB" "$m" buzzer 1 0)
check "granted: green about as long as the strike (${g:-?} ms)" between "$g" 900 3000
check "granted: a short beep (${b:-?} ms)" between "$b" 60 700
relay_on=$(awk '$2 == 1 {print $1}' "$T/door/relay.log" | tail -n 1)
green_on=$(tail -n +"$((m + 1))" "$FB" | awk '$2 == "green" && $3 == 1 {print $1; exit}')
check "granted: green comes with the relay (within 500 ms)" \
	test $(( (green_on - relay_on) / 1000000 )) -lt 500 -a $(( (green_on - relay_on) / 1000000 )) -gt -500

# Denied: red for about a second, three beeps; the reason is not shown.
m=$(lines "$FB")
tap front-in 04DEAD01
check "denied: red goes off again" wait_until 10 seq_has "$FB" "$m" "red=0"
check "denied: red on, three beeps, red off" test "$(seq_from "$FB" "$m")" = \
	"red=1 buzzer=1 buzzer=0 buzzer=1 buzzer=0 buzzer=1 buzzer=0 red=0"
r=$(ms "$FB" "$m" red 1 0)
check "denied: red about a second (${r:-?} ms)" between "$r" 900 3000

# Lockout: the third failure within the window locks the reader for 5 s:
# red blinking, no beep; a tap meanwhile shows the denial, then the
# blinking resumes; at the end, dark.
m=$(lines "$FB")
tap front-in 04DEAD02; sleep 0.3
tap front-in 04DEAD03
check "lockout event" wait_until 10 count_is lockout = 1
red_ons() { seq_from "$FB" "$m" | tr ' ' '\n' | grep -c '^red=1$'; }
blinks() { [ "$(red_ons)" -ge "$1" ]; }
check "lockout: red blinks (several red on)" wait_until 10 blinks 4
m2=$(lines "$FB")
tap front-in 04A1B2C3		# alice, but the reader is locked out
check "a locked-out tap is denied" wait_until 10 has_reason access_denied locked_out
check "locked out: the denial's three beeps" wait_until 10 sh -c \
	"tail -n +$((m2 + 1)) '$FB' | grep -c 'buzzer 1' | grep -qx 3"
beeps_done() { seq_from "$FB" "$m2" | grep -q 'buzzer=1 buzzer=0 buzzer=1 buzzer=0 buzzer=1 buzzer=0'; }
wait_until 10 beeps_done
m3=$(lines "$FB")
resumed() { seq_from "$FB" "$m3" | grep -q 'red=1'; }
check "locked out: the blinking resumes after the denial" wait_until 10 resumed
check "lockout: no beep while blinking" sh -c \
	"! tail -n +$((m3 + 1)) '$FB' | grep -q buzzer"
check "no relay pulse for the locked-out tap" test "$(grep -c ' 1$' "$T/door/relay.log")" -eq 1
sleep 5.5	# past the lockout's end
check "lockout over: dark" all_off "$FB"
n=$(lines "$FB"); sleep 0.8
check "lockout over: no more changes" test "$(lines "$FB")" -eq "$n"
# The blinking's half-period: every red on/off pair after the lockout's
# denial lasts about FEEDBACK_BLINK_MS (250 ms).
# (The first change after the denial comes when the denial ends, whatever
# the blinking's phase: it is not a half-period.)
halves=$(tail -n +"$((m3 + 1))" "$FB" | awk '$2 == "red" {if (t) print int(($1 - t) / 1e6); t = $1}' | tail -n +2)
check "lockout: blinking half-periods between 100 and 1000 ms ($(echo $halves))" \
	all_between 100 1000 $halves

# Enrolment at the desk: green blinks while it waits; the tap links the
# badge: blinking stops, two beeps.  The door's reader (enrol = false)
# does not blink.
d=$(lines "$DESK"); f=$(lines "$FB")
spawn ctl badge enrol bob --timeout 30 >"$T/enrol.out" 2>&1
ENROL=$SPAWN_PID
green_ons() { [ "$(seq_from "$DESK" "$d" | tr ' ' '\n' | grep -c '^green=1$')" -ge "$1" ]; }
check "enrolment: green blinks at the desk" wait_until 10 green_ons 3
check "enrolment: no beep while waiting" sh -c "! tail -n +$((d + 1)) '$DESK' | grep -q buzzer"
check "enrolment: the door's reader stays dark" test "$(lines "$FB")" -eq "$f"
tap desk 04C0FFEE
wait "$ENROL"; rc=$?
check "enrolment: linked" test "$rc" -eq 0
linked() { seq_from "$DESK" "$d" | grep -q 'buzzer=1 buzzer=0 buzzer=1 buzzer=0$'; }
check "linked: green stops, then two beeps" wait_until 10 linked
sleep 0.5
check "linked: dark after" all_off "$DESK"

# An enrolment that times out: blinking, then dark, no beep.
d=$(lines "$DESK")
ctl badge enrol bob --timeout 1 >/dev/null 2>&1
sleep 0.3
check "timeout: green blinked" sh -c "tail -n +$((d + 1)) '$DESK' | grep -q 'green 1'"
check "timeout: dark" all_off "$DESK"
check "timeout: no beep" sh -c "! tail -n +$((d + 1)) '$DESK' | grep -q buzzer"

# A desk tap with no enrolment waiting: the denial.
d=$(lines "$DESK")
tap desk 04C0FFEE
check "desk tap with nothing waiting: denied pattern" wait_until 10 sh -c \
	"tail -n +$((d + 1)) '$DESK' | awk '{printf \"%s=%s \", \$2, \$3}' | grep -q '^red=1 buzzer=1 .*red=0 \$'"

# The store locked by another program: the tap is denied (store_unavailable)
# and shows the same denial.
spawn python3 - "$T/seuil.db" "$T/locked" "$T/release" >>"$T/holder.log" 2>&1 <<'PY'
import os, sqlite3, sys, time
path, locked, release = sys.argv[1:4]
c = sqlite3.connect(path, isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO meta(key, value) VALUES ('lock_test', '1') "
          "ON CONFLICT(key) DO UPDATE SET value = value + 1")
open(locked, "w").close()
t = time.time()
while not os.path.exists(release) and time.time() - t < 60:
    time.sleep(0.02)
c.execute("ROLLBACK")
c.close()
PY
check "another program holds the store's lock" wait_until 10 test -e "$T/locked"
m=$(lines "$FB")
tap front-in 04A1B2C3
check "store locked: red, three beeps, red off (no green)" wait_until 10 sh -c \
	"tail -n +$((m + 1)) '$FB' | awk '{printf \"%s=%s \", \$2, \$3}' | grep -qx 'red=1 buzzer=1 buzzer=0 buzzer=1 buzzer=0 buzzer=1 buzzer=0 red=0 '"
touch "$T/release"
check "store locked: denied store_unavailable" wait_until 10 grep -q "tap denied: store_unavailable" "$T/seuild.log"

# SIGTERM in the middle of a grant: dark and silent after.
sleep 1.5
tap front-in 04A1B2C3
wait_until 10 last_is "$FB" green 1
stop_seuild
check "SIGTERM: every output off" all_off "$FB"

# kill -9 in the middle of a grant leaves green on; the restart writes
# every output off first.
start_seuild || { not_ok "seuild restarts"; exit 1; }
tap front-in 04A1B2C3
check "green on before the kill" wait_until 10 last_is "$FB" green 1
kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
check "after kill -9 green was left on" last_is "$FB" green 1
m=$(lines "$FB")
start_seuild || { not_ok "seuild restarts after kill -9"; exit 1; }
check "restart: every output off first thing, green first" \
	test "$(seq_from "$FB" "$m")" = "green=0 red=0 buzzer=0"
stop_seuild
