#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A reader child that sends without pause (here: a FIFO flooded with
# unknown badges) must not starve the main loop: the strike of a grant in
# force is still released on time (unlock_time 1 s), during the flood.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
wait_until 5 count_is reader_online -ge 2

tap front-in 04A1B2C3
check "grant energises the strike" wait_until 5 relay_is 1
spawn timeout 15 sh -c "yes 04DEAD00 >'$T/front-out.fifo'" 2>/dev/null
FLOOD=$SPAWN_PID
check "strike released during the flood" wait_until 8 relay_is 0
check "the flood was still running" kill -0 "$FLOOD"
kill "$FLOOD" 2>/dev/null
check "seuild is still up" kill -0 "$SEUILD_PID"
stop_seuild
