#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Readers and door I/O that fail: a sim reader's child hung by SIGSTOP is
# killed and respawned while the door stays locked; the PN532 emulator
# unplugged and replugged in a loop (FAULT_REPLUGS, 2) gives reader_offline
# / reader_online and taps work after; garbage on the door input FIFO is
# ignored; the fake libgpiod failing to set the relay or handing a bad event
# leaves the strike locked, logged, seuild running.
. "$(dirname "$0")/../lib.sh"

EMU=$BUILD/tests/pn532emu
export LIBNFC_AUTO_SCAN=false
start_emu() {
	[ -p "$T/emu.ctl" ] || mkfifo "$T/emu.ctl"
	rm -f "$T/pn532"
	spawn "$EMU" --link "$T/pn532" --control "$T/emu.ctl" >"$T/emu.out" 2>>"$T/emu.log"
	EMU_PID=$SPAWN_PID
	wait_until 10 test -s "$T/emu.out"
}
emu() { echo "$*" >"$T/emu.ctl"; }
online_count() { sqlite3 "$T/seuil.db" "select count(*) from events where type='reader_online' and reader='$1'"; }
offline_count() { sqlite3 "$T/seuil.db" "select count(*) from events where type='reader_offline' and reader='$1'"; }
gt() { [ "$("$1" "$2")" -gt "$3" ]; }	# gt FUNC READER N

start_emu || { not_ok "emulator starts"; exit 1; }
write_config </dev/null
# front-in stays sim; a third reader, lobby, is the libnfc one.
cat >>"$T/seuild.conf" <<CONF

[reader.lobby]
driver = libnfc
connstring = pn532_uart:$T/pn532
door = front
direction = in
CONF
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null ||
	{ not_ok "setup"; exit 1; }
start_seuild || { not_ok "seuild starts"; exit 1; }
check "the libnfc reader comes online" wait_until 15 gt online_count lobby 0

# --- A sim reader's child hung: SIGSTOP ---
child_of() {	# the reader child serving a FIFO
	local p fd
	for p in $(pgrep -P "$SEUILD_PID"); do
		for fd in "/proc/$p/fd"/*; do
			[[ $(readlink "$fd") == *"$1"* ]] && { echo "$p"; return 0; }
		done
	done
	return 1
}
c=$(child_of front-in.fifo)
check "the front-in child is found" test -n "$c"
off=$(offline_count front-in) on=$(online_count front-in)
kill -STOP "$c"
spawn tap front-in 04A1B2C3	# a tap the hung child cannot pass on
tapper=$SPAWN_PID
check "hung child: reader_offline" wait_until 20 gt offline_count front-in "$off"
check "hung child: the door stays locked" relay_is 0
check "hung child: the hung process is killed" wait_until 10 sh -c "! kill -0 $c 2>/dev/null || grep -q '^State:.*Z' /proc/$c/status"
check "hung child: a new child, reader_online" wait_until 40 gt online_count front-in "$on"
wait "$tapper"
tap front-in -
n=$(count_event access_granted)
tap front-in 04A1B2C3
check "hung child: taps work after the respawn" wait_until 10 count_is access_granted -gt "$n"
tap front-in -
check "seuild is still running" kill -0 "$SEUILD_PID"

# --- The PN532 unplugged and replugged in a loop ---
for i in $(seq 1 "${FAULT_REPLUGS:-2}"); do
	off=$(offline_count lobby) on=$(online_count lobby)
	wait_until 10 relay_is 0	# the last tap's pulse is over
	kill "$EMU_PID"; wait "$EMU_PID" 2>/dev/null
	check "replug $i: reader_offline" wait_until 20 gt offline_count lobby "$off"
	check "replug $i: the door is locked meanwhile" relay_is 0
	start_emu
	check "replug $i: reader_online" wait_until 45 gt online_count lobby "$on"
	n=$(count_event access_granted)
	emu card 04A1B2C3
	check "replug $i: a tap works" wait_until 10 count_is access_granted -gt "$n"
	emu remove
done
wait_until 10 relay_is 0

# --- Garbage on the door input and reader FIFOs ---
n0=$(relay_lines)
g_before=$(count_event access_granted)
{
	echo "contact sideways"
	head -c 3000 /dev/zero | tr '\0' x; echo
	printf 'exit\0\377\n'
	printf '\n\n'
} >"$T/door/inputs"
sleep 1
printf '04A1B2C3\0junk\n-\n04A1B2C\n04A1B2C3 \n' >"$T/front-in.fifo"	# reader garbage too
sleep 1
check "door input garbage: seuild keeps running" kill -0 "$SEUILD_PID"
check "door input garbage: nothing opened" test "$(relay_lines)" = "$n0"
check "reader garbage: no tap from a UID followed by a NUL and junk" test "$(count_event access_granted)" = "$g_before"
check "door input garbage: logged" grep -qiE 'door.*(input|line|ignor)' "$T/seuild.log"
door_input exit
check "door input: a real exit still opens" wait_until 5 relay_lines_gt "$n0"
stop_seuild

# --- The fake libgpiod failing ---
export FAKE_GPIOD_DIR=$T/gpio
export LD_LIBRARY_PATH=$BUILD/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$FAKE_GPIOD_DIR"
echo 0 >"$FAKE_GPIOD_DIR/gpiochip0-22.level"
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[door\.front\].*?\n\n", """[door.front]
gpio = gpiod
chip = gpiochip0
relay_line = 17
unlock_time = 1s
contact_line = 22
contact_open_high = true
held_open_time = 3s

""", s, flags=re.S)
s = re.sub(r"\[reader\.lobby\].*", "", s, flags=re.S)
open(p, "w").write(s)
PY
relay() { grep -v released "$FAKE_GPIOD_DIR/gpiochip0-17.out" | tail -n 1 | cut -d' ' -f2; }
line_is() { [ "$(relay)" = "$1" ]; }
ones() { grep -c ' 1$' "$FAKE_GPIOD_DIR/gpiochip0-17.out"; }
: >"$T/seuild.log"
start_seuild || { not_ok "seuild starts on the fake gpiod"; exit 1; }
touch "$FAKE_GPIOD_DIR/fail_set"
g=$(count_event access_granted)
tap front-in 04A1B2C3; tap front-in -
wait_until 10 count_is access_granted -gt "$g"
sleep 0.5
check "gpiod set fails: the strike is never energised" test "$(ones)" = 0
check "gpiod set fails: logged" grep -q 'cannot energise' "$T/seuild.log"
check "gpiod set fails: seuild keeps running" kill -0 "$SEUILD_PID"
rm -f "$FAKE_GPIOD_DIR/fail_set"
tap front-in 04A1B2C3; tap front-in -
check "gpiod: a grant opens once the line answers" wait_until 10 line_is 1
touch "$FAKE_GPIOD_DIR/fail_set"	# the release fails while energised
sleep 1.5
check "gpiod release fails: logged and retried" grep -q 'cannot release the strike' "$T/seuild.log"
t0=$(date +%s%N)
rm -f "$FAKE_GPIOD_DIR/fail_set"
check "gpiod release fails: locked as soon as the line answers" wait_until 5 line_is 0
diag "released $((($(date +%s%N) - t0) / 1000000)) ms after the line answered"
echo "x" >"$FAKE_GPIOD_DIR/gpiochip0-22.in"	# a bad event record: EIO
sleep 0.5
check "gpiod bad event: seuild keeps running" kill -0 "$SEUILD_PID"
check "gpiod bad event: the relay stays locked" line_is 0
stop_seuild
check "gpiod: stops cleanly" test $? = 0
