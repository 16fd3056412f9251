#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Light and sound at a reader through the real libgpiod backend inside the
# real seuild, linked at run time against the fake libgpiod of tests/fakes
# (same 1.6 API and soname), which records every line value with a
# monotonic timestamp: lines requested off right after the relay; granted,
# enrolment, denied and lockout patterns on the lines; dark after SIGTERM
# and first thing after kill -9 and a restart; active-low modules; a busy
# line refused with its role named; a bad configuration refused with
# FILE:LINE.  Order exactly, timing within wide bounds.
. "$(dirname "$0")/../lib.sh"

export FAKE_GPIOD_DIR=$T/gpio
export LD_LIBRARY_PATH=$BUILD/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$FAKE_GPIOD_DIR"
echo 0 >"$FAKE_GPIOD_DIR/gpiochip0-22.level"	# contact closed (open_high)

write_config <<CONF
[security]
unsynced_clock = ignore
lockout_failures = 2
lockout_window = 60s
lockout_time = 3s
CONF
# A gpiod door, and the feedback lines of front-in on the door's chip.
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[door\.front\].*?\n\n", """[door.front]
gpio = gpiod
chip = gpiochip0
relay_line = 17
unlock_time = 1s
contact_line = 22

""", s, count=1, flags=re.S)
s = s.replace("direction = in\n", """direction = in
enrol = true
green_line = 5
red_line = 6
buzzer_line = 13
feedback_active_low = false
""", 1)
open(p, "w").write(s)
PY
ctl init >/dev/null && ctl member add alice >/dev/null && ctl member add bob >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null || { not_ok "setup"; exit 1; }

G=$FAKE_GPIOD_DIR/gpiochip0-5.out
R=$FAKE_GPIOD_DIR/gpiochip0-6.out
B=$FAKE_GPIOD_DIR/gpiochip0-13.out
REQ=$FAKE_GPIOD_DIR/requests.log
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
# vals FILE FROM: the values written after line FROM, space-separated.
vals() { tail -n +"$(($2 + 1))" "$1" | awk '{printf "%s%s", (NR > 1 ? " " : ""), $2}'; }
last() { grep -v released "$1" | tail -n 1 | cut -d' ' -f2; }
last_is() { [ "$(last "$1")" = "$2" ]; }
ones_ge() { [ "$(vals "$1" "$2" | tr ' ' '\n' | grep -c '^1$')" -ge "$3" ]; }
# ms FILE FROM: ms from the first 1 after line FROM to the next 0.
ms() { tail -n +"$(($2 + 1))" "$1" | awk '$2 == 1 && !t {t = $1; next} $2 == 0 && t {print int(($1 - t) / 1e6); exit}'; }
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
dark() { last_is "$G" "$1" && last_is "$R" "$1" && last_is "$B" "$1"; }

start_seuild || { not_ok "seuild starts on gpiod"; exit 1; }
order=$(awk '{print $2}' "$REQ" | tr '\n' ' ')
check "relay first, then the feedback lines, as outputs ($order)" \
	sh -c "awk '\$3 == \"output\" {print \$2}' '$REQ' | tr '\n' ' ' | grep -qx 'gpiochip0-17 gpiochip0-5 gpiochip0-6 gpiochip0-13 '"
check "feedback lines requested off (0)" test "$(vals "$G" 0)$(vals "$R" 0)$(vals "$B" 0)" = 000
check "the other reader (no lines) requests nothing more" test "$(grep -c output "$REQ")" -eq 4

# Granted: green while the strike is released, one beep; red untouched.
g=$(lines "$G"); r=$(lines "$R"); b=$(lines "$B")
tap front-in 04A1B2C3
check "granted: green on then off" wait_until 10 sh -c "[ \"\$(tail -n +$((g + 1)) '$G' | cut -d' ' -f2 | tr '\n' ' ')\" = '1 0 ' ]"
check "granted: one beep" test "$(vals "$B" "$b")" = "1 0"
check "granted: red untouched" test "$(vals "$R" "$r")" = ""
gm=$(ms "$G" "$g"); bm=$(ms "$B" "$b")
check "granted: green about as long as the strike (${gm:-?} ms)" between "$gm" 900 3000
check "granted: a short beep (${bm:-?} ms)" between "$bm" 60 700

# Enrolment waiting at front-in (enrol = true): green blinks, no sound;
# timeout: dark.
g=$(lines "$G"); b=$(lines "$B")
ctl badge enrol bob --timeout 2 >/dev/null 2>&1
check "enrolment: green blinked" ones_ge "$G" "$g" 2
check "enrolment timed out: green off" last_is "$G" 0
check "enrolment: no beep" test "$(vals "$B" "$b")" = ""
# Linked: blinking stops; the tap's denial, then two beeps.
g=$(lines "$G"); b=$(lines "$B")
spawn ctl badge enrol bob --timeout 30 >"$T/enrol.out" 2>&1
ENROL=$SPAWN_PID
check "enrolment: green blinks while waiting" wait_until 10 ones_ge "$G" "$g" 2
tap front-in 04C0FFEE
wait "$ENROL"
check "enrolment: linked" grep -q "enrolled for bob" "$T/enrol.out"
two_beeps() { vals "$B" "$b" | grep -q '1 0 1 0$' && last_is "$G" 0; }
check "linked: green off, ends with two beeps" wait_until 10 two_beeps

# Denied (the second failure: a lockout starts): red, three beeps, then
# red blinking for the lockout (3 s), no more beeps; then dark.
sleep 1
r=$(lines "$R"); b=$(lines "$B")
tap front-in 04DEAD01
check "lockout event" wait_until 10 count_is lockout = 1
check "denied: three beeps" wait_until 10 sh -c "[ \"\$(tail -n +$((b + 1)) '$B' | cut -d' ' -f2 | tr '\n' ' ')\" = '1 0 1 0 1 0 ' ]"
check "lockout: red blinks" wait_until 10 ones_ge "$R" "$r" 3
sleep 3.5
check "lockout over: dark" dark 0
check "lockout: no beep but the denial's" test "$(vals "$B" "$b")" = "1 0 1 0 1 0"
check "lockout: red starts on and ends off" sh -c "vals() { tail -n +\$((\$2 + 1)) \"\$1\" | cut -d' ' -f2 | tr '\n' ' '; }; vals '$R' $r | grep -q '^1 0 1 0 1 .*0 \$'"

# SIGTERM: every line driven off, then released.
stop_seuild
for f in "$G" "$R" "$B"; do
	check "SIGTERM: $(basename "$f") off, then released" \
		test "$(tail -n 2 "$f" | cut -d' ' -f2 | tr '\n' ' ')" = "0 released "
done

# kill -9 during a grant leaves green on; a restart drives it off first.
start_seuild || { not_ok "seuild restarts"; exit 1; }
tap front-in 04A1B2C3
check "green on before the kill" wait_until 10 last_is "$G" 1
kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
check "after kill -9 green was left on" last_is "$G" 1
g=$(lines "$G"); q=$(lines "$REQ")
start_seuild || { not_ok "seuild restarts after kill -9"; exit 1; }
check "restart: green off first thing" test "$(vals "$G" "$g" | cut -d' ' -f1)" = 0
check "restart: feedback requested right after the relay" \
	sh -c "tail -n +$((q + 1)) '$REQ' | awk '\$3 == \"output\" {print \$2}' | tr '\n' ' ' | grep -qx 'gpiochip0-17 gpiochip0-5 gpiochip0-6 gpiochip0-13 '"
stop_seuild

# Active-low modules: off is physical 1; granted drives green to 0.
sed -i 's/^feedback_active_low = false/feedback_active_low = true/' "$T/seuild.conf"
g=$(lines "$G")
start_seuild || { not_ok "seuild starts active-low"; exit 1; }
check "active-low: off is physical 1" dark 1
tap front-in 04A1B2C3
check "active-low: granted drives green to 0 and back to 1" wait_until 10 sh -c \
	"[ \"\$(tail -n +$((g + 1)) '$G' | grep -v released | cut -d' ' -f2 | tr '\n' ' ')\" = '1 0 1 ' ]"
stop_seuild
sed -i 's/^feedback_active_low = true/feedback_active_low = false/' "$T/seuild.conf"

# Another program holds the red line: the start is refused, naming the
# reader, the line, its role and the chip; the relay stays locked.
spawn flock "$FAKE_GPIOD_DIR/gpiochip0-6.lock" sleep 30
HOLDER=$SPAWN_PID
wait_until 5 sh -c "! flock -n '$FAKE_GPIOD_DIR/gpiochip0-6.lock' true"
"$SEUILD" -d -f "$T/seuild.conf" >"$T/busy.log" 2>&1
rc=$?
check "busy red line: seuild refuses to start" test "$rc" -ne 0
check "busy red line: the error names reader, chip, line and role" \
	grep -q "reader front-in: gpiochip0 line 6 (red LED): Device or resource busy (is another program using it?" "$T/busy.log"
check "busy red line: the relay stays locked" last_is "$FAKE_GPIOD_DIR/gpiochip0-17.out" 0
check "busy red line: green was released off" test "$(tail -n 2 "$G" | cut -d' ' -f2 | tr '\n' ' ')" = "0 released "
stop_spawned "$HOLDER"

# A bad configuration is refused by seuild -n with FILE:LINE.
cp "$T/seuild.conf" "$T/bad.conf"
sed -i 's/^red_line = 6/red_line = 17/; s/^buzzer_line = 13/buzzer_line = 5/' "$T/bad.conf"
"$SEUILD" -n -f "$T/bad.conf" >"$T/bad.out" 2>&1
rc=$?
check "seuild -n refuses a feedback line on the relay's line" test "$rc" -ne 0
rl=$(grep -n '^red_line' "$T/bad.conf" | cut -d: -f1)
bl=$(grep -n '^buzzer_line' "$T/bad.conf" | cut -d: -f1)
check "... naming FILE:LINE of red_line" \
	grep -q "^$T/bad.conf:$rl: reader 'front-in': red_line 17 on gpiochip0 is also relay_line of door 'front'" "$T/bad.out"
check "... and a line used twice, at FILE:LINE" \
	grep -q "^$T/bad.conf:$bl: reader 'front-in': green_line and buzzer_line are both line 5" "$T/bad.out"
