#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The door state machine on the simulated door: contact, relock on close,
# held open, forced open, exit button, and locked after kill -9.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
sed -i 's/^unlock_time = 1s/unlock_time = 5s/' "$T/seuild.conf"
start_seuild || { not_ok "seuild starts"; exit 1; }

tap front-in 04A1B2C3
wait_until 5 relay_is 1
door_input "contact open"
check "door_open after a grant" wait_until 5 has_event door_open
check "state open" status_has '"state":[[:space:]]*"open"'
door_input "contact closed"
check "door_closed" wait_until 5 has_event door_closed
# Relock at once on close, well before the 5 s pulse ends.
check "relock as soon as the door closes" wait_until 2 relay_is 0

door_input "contact open"
check "opening without a grant is forced_open" wait_until 5 has_event door_forced_open
door_input "contact closed"
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='door_closed'\") -ge 2 ]"

door_input "exit"
check "exit button logs exit_request" wait_until 5 has_event exit_request
check "exit button unlocks" wait_until 5 relay_is 1
door_input "contact open"
check "exit then open is not forced" wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='door_open'\") -ge 2 ]"
check "held_open after held_open_time (3 s)" wait_until 8 has_event door_held_open
door_input "contact closed"
wait_until 5 relay_is 0

# A grant, then kill -9 while the strike is energised: the restarted
# daemon's first relay write is "locked".
tap front-in 04A1B2C3
wait_until 5 relay_is 1
kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
lines=$(relay_lines)
start_seuild || { not_ok "seuild restarts after kill -9"; exit 1; }
first=$(sed -n "$((lines + 1))p" "$T/door/relay.log" | cut -d' ' -f2)
check "after kill -9 the first relay write is 0 (got '$first')" test "$first" = 0
stop_seuild
