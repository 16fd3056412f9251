#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl hw test: on simulated hardware, on the real gpiod backend against
# the fake libgpiod, and on the real libnfc reader against the PN532
# emulator.  A card's full UID must never reach the output.
. "$(dirname "$0")/../lib.sh"

EMU=$BUILD/tests/pn532emu
export LIBNFC_AUTO_SCAN=false

# hw_bg ARGS...: run `seuilctl hw test ARGS` in the background, output in $T/out.
hw_bg() {
	spawn "$SEUILCTL" -f "$T/seuild.conf" hw test "$@" >"$T/out" 2>&1
	HW_PID=$SPAWN_PID
}
hw_gone() { ! kill -0 "$HW_PID" 2>/dev/null || ps -o stat= -p "$HW_PID" | grep -q Z; }
# hw_end: Ctrl-C it and collect its exit status in $HW_RC.
hw_end() {
	kill -INT "$HW_PID" 2>/dev/null
	if wait_until 15 hw_gone; then
		wait "$HW_PID"; HW_RC=$?
	else
		kill -KILL "$HW_PID"; HW_RC=timeout
	fi
}
out_has() { grep -q -- "$1" "$T/out"; }
no_uid() { ! grep -qiE "$1" "$T/out"; }	# no_uid REGEX
# pulse_ms FILE: length of the last 1..0 pulse in a "<ns> <0|1>" log.
pulse_ms() {
	awk '$2=="1"{on=$1} $2=="0" && on{print int(($1-on)/1000000); on=0}' "$1" | tail -n 1
}
pulse_ok() { local p; p=$(pulse_ms "$1"); [ "${p:-0}" -ge 995 ] && [ "${p:-0}" -lt 3000 ]; }

# ---- simulated hardware ----
write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null || { not_ok "setup"; exit 1; }
mkfifo "$T/front-in.fifo" "$T/front-out.fifo"

hw_bg --pulse 1 --timeout 60
check "sim: door opened with its relay locked" wait_until 10 out_has "door front: opened (sim"
check "sim: both readers open" wait_until 10 sh -c "grep -q 'reader front-in: opened' '$T/out' && grep -q 'reader front-out: opened' '$T/out'"
tap front-in 04A1B2C3
check "sim: enrolled card shows member, badge and hint" wait_until 10 out_has "reader front-in: card: 4-byte UID, hint B2C3, enrolled: alice (badge 1, active)"
tap front-in -
check "sim: card left" wait_until 10 out_has "reader front-in: card left"
tap front-out 04112233445566
check "sim: unknown 7-byte card is not enrolled" wait_until 10 out_has "reader front-out: card: 7-byte UID, hint 5566, not enrolled"
door_input "contact open"
door_input exit
check "sim: contact edge printed" wait_until 10 out_has "door front: contact open"
check "sim: exit button printed" wait_until 10 out_has "door front: exit button pressed"
check "sim: relay released after the pulse" wait_until 10 out_has "door front: relay released"
check "sim: pulse is 1 then 0 for 1 s (got $(pulse_ms "$T/door/relay.log") ms)" pulse_ok "$T/door/relay.log"
hw_end
check "sim: Ctrl-C ends the test, exit 0 (got $HW_RC)" test "$HW_RC" = 0
check "sim: summary says ok" out_has "summary: door front ok; reader front-in ok; reader front-out ok;"
check "sim: relay locked at the end" relay_is 0
check "sim: no full UID in the output" no_uid "04A1B2C3|04:?A1:?B2|112233445566|11:?22:?33"
if [ -n "${KEEP:-}" ]; then sed 's/^/# /' "$T/out"; fi

# A test that runs out of time ends by itself.
ctl hw test --reader front-in --timeout 1 >"$T/out" 2>&1
check "sim: --timeout ends the test, exit 0" test $? = 0
ctl hw test --door front --timeout 0 >"$T/out" 2>&1
check "sim: no pulse unless asked, and how to ask" out_has "add --pulse SECONDS"
check "sim: a door-only test leaves the relay alone" relay_is 0

# A reader process that stops answering is killed 5 s after the timeout.
hw_bg --reader front-in --timeout 8
wait_until 10 out_has "reader front-in: opened"
child=$(ps -o pid= --ppid "$HW_PID" | head -n 1)
if [ -n "$child" ] && kill -STOP $child; then
	check "hung reader: killed after timeout + 5 s" wait_until 30 hw_gone
	wait "$HW_PID"
	check "hung reader: EX_UNAVAILABLE" test $? = 69
	check "hung reader: reported" out_has "reader front-in: FAILED: the reader stopped answering"
else
	not_ok "hung reader: found the reader process"
fi

# ---- bad command lines ----
ctl hw test --door back >"$T/out" 2>&1
check "unknown door: EX_USAGE" test $? = 64
check "unknown door: the configured doors are listed" out_has "doors configured in .*: front"
ctl hw test --reader nope >"$T/out" 2>&1
check "unknown reader: EX_USAGE" test $? = 64
check "unknown reader: the configured readers are listed" out_has "readers configured in .*: front-in front-out"
for bad in "--pulse 0" "--pulse 11" "--pulse 2x" "--timeout -1" "--timeout 3601" "extra" "--bogus"; do
	# $bad: an option and its value, split into words on purpose.
	# shellcheck disable=SC2086
	ctl hw test $bad >/dev/null 2>&1
	check "bad option '$bad': EX_USAGE" test $? = 64
done
check "--help shows usage" sh -c "'$SEUILCTL' -f '$T/seuild.conf' hw test --help | grep -q 'hw test'"
# one help text, the command table's, with what the other copy had
check "--help says what the defaults are" sh -c "'$SEUILCTL' -f '$T/seuild.conf' hw test --help | grep -q 'default every door, or none'"

# ---- seuild running: refused, hardware untouched ----
start_seuild || { not_ok "seuild starts"; exit 1; }
n=$(relay_lines)
ctl hw test --pulse 1 --timeout 0 >"$T/out" 2>&1
check "running seuild: refused with EX_UNAVAILABLE" test $? = 69
check "running seuild: says why" out_has "seuild is running"
check "running seuild: suggests door unlock and log --follow" sh -c "grep -q 'seuilctl door unlock' '$T/out' && grep -q 'seuilctl log --follow' '$T/out'"
check "running seuild: relay untouched" test "$(relay_lines)" = "$n"
stop_seuild

# ---- real gpiod backend, fake libgpiod ----
export FAKE_GPIOD_DIR=$T/gpio
export LD_LIBRARY_PATH=$BUILD/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$FAKE_GPIOD_DIR"
echo 0 >"$FAKE_GPIOD_DIR/gpiochip0-22.level"	# contact closed (open_high)
echo 1 >"$FAKE_GPIOD_DIR/gpiochip0-27.level"	# exit button released (pulled up)
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[door\.front\].*?\n\n", """[door.front]
gpio = gpiod
chip = gpiochip0
relay_line = 17
contact_line = 22
contact_open_high = true
exit_line = 27

""", s, flags=re.S)
open(p, "w").write(s)
PY
edge() { echo "$2" >"$FAKE_GPIOD_DIR/gpiochip0-$1.in"; }	# edge LINE LEVEL
OUT17=$FAKE_GPIOD_DIR/gpiochip0-17.out
hw_bg --door front --pulse 1 --timeout 60
check "gpiod: opened, relay line 17 locked at level 0" wait_until 10 out_has "door front: opened (gpiochip0), relay line 17 locked (level 0)"
check "gpiod: contact level read (closed)" wait_until 10 out_has "door front: contact closed"
check "gpiod: relay requested at 0 first" sh -c "head -n 1 '$OUT17' | grep -q ' 0\$'"
check "gpiod: relay released after the pulse" wait_until 10 out_has "door front: relay released (line 17 level 0)"
check "gpiod: 1 then 0 on line 17 for 1 s (got $(pulse_ms "$OUT17") ms)" pulse_ok "$OUT17"
edge 22 1
check "gpiod: contact edge printed raw" wait_until 10 out_has "door front: contact open"
edge 27 0
check "gpiod: exit button press printed" wait_until 10 out_has "door front: exit button pressed"
edge 27 1
check "gpiod: exit button release printed" wait_until 10 out_has "door front: exit button released"
hw_end
check "gpiod: exit 0 (got $HW_RC)" test "$HW_RC" = 0
check "gpiod: line driven 0 then released at the end" sh -c "tail -n 2 '$OUT17' | cut -d' ' -f2 | tr '\n' ' ' | grep -q '^0 released'"

# A line another program holds: the door fails to open, with a hint.
spawn flock "$FAKE_GPIOD_DIR/gpiochip0-17.lock" sleep 30
HOLDER=$SPAWN_PID
wait_until 5 sh -c "! flock -n '$FAKE_GPIOD_DIR/gpiochip0-17.lock' true"
ctl hw test --door front --timeout 0 >"$T/out" 2>&1
check "gpiod: busy relay line: EX_UNAVAILABLE" test $? = 69
check "gpiod: names the line and points at gpioinfo" sh -c "grep -q 'door front: FAILED to open: gpiochip0 line 17' '$T/out' && grep -q gpioinfo '$T/out'"
stop_spawned "$HOLDER"

# ---- real libnfc reader, PN532 emulator ----
mkfifo "$T/emu.ctl"
spawn "$EMU" --link "$T/pn532" --control "$T/emu.ctl" >"$T/emu.out" 2>>"$T/emu.log"
wait_until 10 test -s "$T/emu.out" || { not_ok "emulator starts"; exit 1; }
emu() { echo "$*" >"$T/emu.ctl"; }
set_connstring() {
	python3 - "$T/seuild.conf" "$1" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[reader\.front-in\].*?\n\n", """[reader.front-in]
driver = libnfc
connstring = %s
door = front
direction = in

""" % sys.argv[2], s, flags=re.S)
open(p, "w").write(s)
PY
}
set_connstring "pn532_uart:$T/pn532"
hw_bg --reader front-in --timeout 60
check "nfc: reader opens through libnfc" wait_until 15 out_has "reader front-in: opened (pn532_uart:"
emu card 04A1B2C3
check "nfc: enrolled card: alice and its hint" wait_until 10 out_has "reader front-in: card: 4-byte UID, hint B2C3, enrolled: alice (badge 1, active)"
emu remove
check "nfc: card left" wait_until 10 out_has "reader front-in: card left"
emu card 04DEAD01020304
check "nfc: unknown 7-byte card: not enrolled" wait_until 10 out_has "reader front-in: card: 7-byte UID, hint 0304, not enrolled"
emu remove
hw_end
check "nfc: exit 0 (got $HW_RC)" test "$HW_RC" = 0
check "nfc: no full UID in the output" no_uid "04A1B2C3|04:?A1:?B2|04DEAD|DE:?AD:?01"
if [ -n "${KEEP:-}" ]; then sed 's/^/# /' "$T/out"; fi

set_connstring "pn532_uart:$T/no-such-device"
ctl hw test --reader front-in --timeout 5 >"$T/out" 2>&1
check "nfc: bad connstring: EX_UNAVAILABLE" test $? = 69
check "nfc: the reader is reported failing" out_has "reader front-in: FAILED to open: reader front-in: cannot open pn532_uart:"
check "nfc: with a hint (connstring, nfc-list, permissions)" sh -c "grep -q 'check the connstring' '$T/out' && grep -q nfc-list '$T/out' && grep -q 'may open the device' '$T/out'"
check "nfc: summary says FAILED" out_has "summary: reader front-in FAILED;"
