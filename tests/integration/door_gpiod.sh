#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The real libgpiod backend inside the real seuild, linked at run time
# against the fake libgpiod of tests/fakes (same 1.6 API and soname), which
# records every line value with a monotonic timestamp.
. "$(dirname "$0")/../lib.sh"

export FAKE_GPIOD_DIR=$T/gpio
export LD_LIBRARY_PATH=$BUILD/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$FAKE_GPIOD_DIR"
echo 0 >"$FAKE_GPIOD_DIR/gpiochip0-22.level"	# contact closed (open_high)
echo 1 >"$FAKE_GPIOD_DIR/gpiochip0-27.level"	# exit button released (pulled up)

write_config </dev/null
# Replace the sim door by a gpiod one.
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[door\.front\].*?\n\n", """[door.front]
gpio = gpiod
chip = gpiochip0
relay_line = 17
relay_active_low = false
unlock_time = 1s
contact_line = 22
contact_open_high = true
held_open_time = 2s
exit_line = 27

""", s, flags=re.S)
open(p, "w").write(s)
PY
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null

relay() { grep -v released "$FAKE_GPIOD_DIR/gpiochip0-17.out" | tail -n 1 | cut -d' ' -f2; }
line_is() { [ "$(relay)" = "$1" ]; }
relay_count() { grep -vc released "$FAKE_GPIOD_DIR/gpiochip0-17.out"; }
edge() { echo "$2" >"$FAKE_GPIOD_DIR/gpiochip0-$1.in"; }	# edge LINE LEVEL

start_seuild || { not_ok "seuild starts on gpiod"; exit 1; }
check "relay requested before the inputs" sh -c "grep -m1 -E 'gpiochip0-(17|22|27)' '$FAKE_GPIOD_DIR/requests.log' | grep -q 'gpiochip0-17 output'"
check "relay locked (0) at start" test "$(head -n 1 "$FAKE_GPIOD_DIR/gpiochip0-17.out" | cut -d' ' -f2)" = 0

tap front-in 04A1B2C3
check "grant drives the relay line to 1" wait_until 5 line_is 1
check "and back to 0" wait_until 5 line_is 0
pulse=$(awk '$2=="1"{on=$1} $2=="0" && on{print int(($1-on)/1000000); on=0}' "$FAKE_GPIOD_DIR/gpiochip0-17.out" | tail -n 1)
check "pulse lasts 1000 ms on the line (got ${pulse:-none})" test "${pulse:-0}" -ge 995 -a "${pulse:-0}" -lt 1500

sleep 1.2	# past DOOR_GRACE_MS: an opening now is not covered by the grant
# Contact bounce: edges 20 ms apart settle on "closed" and give no event.
for l in 1 0 1 0; do edge 22 $l; sleep 0.01; done
sleep 0.3
check "contact bounce is debounced (no door event)" test "$(count_event door_forced_open)$(count_event door_open)" = 00
# A state lasting 400 ms is never missed.
edge 22 1; sleep 0.4; edge 22 0
check "400 ms opening is seen (forced_open)" wait_until 5 count_is door_forced_open = 1
check "and its closing" wait_until 5 count_is door_closed = 1

# Exit button (pulled up, pressed = line low).
edge 27 0; sleep 0.1; edge 27 1
check "exit button: exit_request" wait_until 5 count_is exit_request = 1
check "exit button energises the relay" wait_until 5 line_is 1
edge 22 1
check "opening during the exit unlock is door_open" wait_until 5 count_is door_open = 1
check "held open after 2 s" wait_until 6 count_is door_held_open = 1
edge 22 0
check "closing relocks the line" wait_until 5 line_is 0

stop_seuild
check "SIGTERM: last value 0, then released" sh -c "tail -n 2 '$FAKE_GPIOD_DIR/gpiochip0-17.out' | cut -d' ' -f2 | tr '\n' ' ' | grep -q '^0 released'"

# Active-low relay modules: the physical level is inverted, locked = 1.
sed -i 's/^relay_active_low = false/relay_active_low = true/' "$T/seuild.conf"
start_seuild || { not_ok "seuild restarts active-low"; exit 1; }
check "active-low: locked is physical 1" test "$(relay)" = 1
tap front-in 04A1B2C3
check "active-low: grant is physical 0" wait_until 5 line_is 0
check "active-low: back to physical 1" wait_until 5 line_is 1
stop_seuild
