#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl's daemon-side commands against a running seuild (sim hardware):
# status, checkout through the control socket, door unlock.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
# The relay is read at every try (an argument "$(relay_last)" would be read once).
relay_is() { test "$(relay_last)" = "$1"; }
start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"

ctl status >"$T/status" 2>&1
check "status exits 0" test $? -eq 0
check "status names the door" grep -q "^door front: locked" "$T/status"
check "status names the readers" grep -q "^reader front-in (door front, in)" "$T/status"
check "status --json is the daemon's reply" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"ok\"] and d[\"doors\"][0][\"name\"]==\"front\"'"

tap front-in 04A1B2C3
check "alice arrives" wait_until 10 sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -q '^alice '"
check "grant pulse ends" wait_until 5 relay_is 0
ctl checkout alice >"$T/out" 2>&1
check "checkout through the daemon" grep -qx "alice checked out" "$T/out"
check "visit closed manual" wait_until 5 sh -c "test \"\$(sqlite3 '$T/seuil.db' 'SELECT left_reason FROM visits')\" = manual"
check "departure logged manual" wait_until 5 has_reason departure manual
ctl checkout alice >"$T/out" 2>&1
check "second checkout: not present" grep -q "was not present" "$T/out"

before=$(relay_lines)
ctl door unlock --seconds 1 >"$T/out" 2>&1
check "door unlock with the only door" grep -qx "door front unlocked for 1 s" "$T/out"
check "relay energised" wait_until 5 sh -c "grep -c ' 1\$' '$T/door/relay.log' | grep -qx 2"
check "and released" wait_until 5 relay_is 0
check "relay moved" test "$(relay_lines)" -gt "$before"

stop_seuild
ctl status >/dev/null 2>&1
check "status after stop: EX_UNAVAILABLE" test $? -eq 69
