#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl hw test flashes each configured feedback line once and says
# which: on simulated readers (<sim_fifo>.feedback) and on the real gpiod
# backend against the fake libgpiod; a busy line is a FAILED with its role
# named.
. "$(dirname "$0")/../lib.sh"

export FAKE_GPIOD_DIR=$T/gpio
export LD_LIBRARY_PATH=$BUILD/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$FAKE_GPIOD_DIR"

write_config </dev/null
ctl init >/dev/null || { not_ok "setup"; exit 1; }

# Simulated: each output on once, then off, in order.
ctl hw test --reader front-in --timeout 0 >"$T/out" 2>&1
rc=$?
check "sim: hw test exits 0" test "$rc" -eq 0
for role in "green LED" "red LED" "buzzer"; do
	check "sim: says it flashes the $role" grep -q "reader front-in: $role (sim .*front-in.fifo.feedback) on for" "$T/out"
done
check "sim: summary has the feedback" grep -q "reader front-in feedback ok;" "$T/out"
check "sim: each output on once, in order, then off" test \
	"$(awk '{printf "%s=%s ", $2, $3}' "$T/front-in.fifo.feedback")" = \
	"green=0 red=0 buzzer=0 green=1 green=0 red=1 red=0 buzzer=1 buzzer=0 "
on=$(awk '$3 == 1 {t = $1} $3 == 0 && t {print int(($1 - t) / 1e6); t = 0}' "$T/front-in.fifo.feedback" | head -n 1)
check "sim: on for about 500 ms (${on:-?})" test "${on:-0}" -ge 400 -a "${on:-0}" -le 3000

# GPIO: lines 5 (green) and 13 (buzzer) only, on a desk reader's own chip.
cat >>"$T/seuild.conf" <<CONF

[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true
feedback_chip = gpiochip1
green_line = 5
buzzer_line = 13
CONF
ctl hw test --reader desk --timeout 0 >"$T/out" 2>&1
rc=$?
check "gpiod: hw test exits 0" test "$rc" -eq 0
check "gpiod: names the green LED's chip and line" grep -q "reader desk: green LED (gpiochip1 line 5, level 1) on for 500 ms: it should light" "$T/out"
check "gpiod: names the buzzer's" grep -q "reader desk: buzzer (gpiochip1 line 13, level 1) on for 500 ms: it should sound" "$T/out"
check "gpiod: no red LED configured, none flashed" sh -c "! grep -q 'red LED' '$T/out'"
check "gpiod: green line 0, 1, 0, off again at close, released" test \
	"$(cut -d' ' -f2 "$FAKE_GPIOD_DIR/gpiochip1-5.out" | tr '\n' ' ')" = "0 1 0 0 released "
check "gpiod: buzzer line 0, 1, 0, off again at close, released" test \
	"$(cut -d' ' -f2 "$FAKE_GPIOD_DIR/gpiochip1-13.out" | tr '\n' ' ')" = "0 1 0 0 released "
check "gpiod: green before buzzer" test \
	"$(sed -n 2p "$FAKE_GPIOD_DIR/gpiochip1-5.out" | cut -d' ' -f1)" -lt \
	"$(sed -n 2p "$FAKE_GPIOD_DIR/gpiochip1-13.out" | cut -d' ' -f1)"

# A busy line: FAILED, naming it.
spawn flock "$FAKE_GPIOD_DIR/gpiochip1-13.lock" sleep 30
HOLDER=$SPAWN_PID
wait_until 5 sh -c "! flock -n '$FAKE_GPIOD_DIR/gpiochip1-13.lock' true"
ctl hw test --reader desk --timeout 0 >"$T/out" 2>&1
rc=$?
check "busy: hw test fails" test "$rc" -ne 0
check "busy: names reader, chip, line and role" grep -q \
	"reader desk: feedback FAILED to open: reader desk: gpiochip1 line 13 (buzzer): Device or resource busy (is another program using it?" "$T/out"
check "busy: summary" grep -q "reader desk feedback FAILED;" "$T/out"
stop_spawned "$HOLDER"
