#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A revoke that commits while a tap is being decided is never missed: the
# lookup, the decision and the event share one write transaction.  Here a
# writer holds the database while it revokes the badge; the tap arrives
# during that, waits for it, and is denied.  The lock is held for less than
# the tap's bound (500 ms, after which it would be denied as
# store_unavailable: core_store_locked.sh).
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

spawn python3 - "$T/seuil.db" >"$T/writer.out" 2>&1 <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE badges SET status = 'revoked'")
print("holding", flush=True)
time.sleep(0.25)
db.execute("COMMIT")
PY
writer=$SPAWN_PID
wait_until 5 grep -q holding "$T/writer.out"
n0=$(relay_lines)
tap front-in 04A1B2C3
wait "$writer"
check "the tap waits for the revoke and is denied" wait_until 10 has_reason access_denied badge_revoked
check "the relay never moved" test "$(relay_lines)" = "$n0"
check "no grant logged" test "$(count_event access_granted)" = 0
stop_seuild
