#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# log --follow prints events committed after it starts, with the other
# filters applied, and stops cleanly on SIGINT and SIGTERM.
. "$(dirname "$0")/../lib.sh"

write_config <<'CONF'
[security]
unsynced_clock = ignore
lockout_failures = 32
CONF
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

spawn "$SEUILCTL" -f "$T/seuild.conf" log --follow >"$T/all.out" 2>"$T/all.err"
ALL=$SPAWN_PID
spawn "$SEUILCTL" -f "$T/seuild.conf" log --follow --type access_granted --member alice >"$T/granted.out" 2>&1
GRANTED=$SPAWN_PID
spawn "$SEUILCTL" -f "$T/seuild.conf" --json log --follow --door front >"$T/json.out" 2>&1
JSON=$SPAWN_PID
has() { grep -q -- "$2" "$T/$1"; }
check "the recent past first" wait_until 10 has all.out daemon_start

tap front-in 04DEAD01
check "a denial tapped after the start is printed" wait_until 10 has all.out "access_denied .*reason=unknown_badge"
tap front-in 04A1B2C3
check "then the grant" wait_until 10 has all.out "access_granted .*member=alice"
check "and the arrival" wait_until 10 has all.out "arrival .*member=alice"
check "filtered follower: the grant" wait_until 10 has granted.out "access_granted .*member=alice"
check "json follower: one object a line" wait_until 10 has json.out '"type":"arrival"'
check "json lines parse" python3 -c "
import json
rows = [json.loads(l) for l in open('$T/json.out')]
assert any(r['type'] == 'access_denied' and r['reason'] == 'unknown_badge' for r in rows)
assert all('uid' not in k for r in rows for k in r)"

kill -INT "$ALL"; wait "$ALL"
check "SIGINT: clean exit 0" test $? -eq 0
kill -TERM "$GRANTED"; wait "$GRANTED"
check "SIGTERM: clean exit 0" test $? -eq 0
kill -TERM "$JSON"; wait "$JSON"
check "filtered follower printed nothing else" test "$(grep -vc 'access_granted .*member=alice' "$T/granted.out")" -eq 0
check "each event once" test "$(grep -c 'access_granted' "$T/all.out")" -eq 1
check "no UID anywhere" sh -c "! grep -qi -e dead01 -e a1b2c3 '$T/all.out' '$T/json.out' '$T/all.err'"
check "no error output" test ! -s "$T/all.err"
stop_seuild
