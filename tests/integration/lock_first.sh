#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Lock first (docs/design.md, Priorities: locked when in doubt): right after
# the configuration is read every door is driven locked, before the key file
# or the database can stop the start; a start that fails leaves every relay
# locked.  relay.log starts with "1" as if a crash had left the strike
# energised.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
energised() { mkdir -p "$T/door"; echo "1 1" >"$T/door/relay.log"; }
failed_start() {
	"$SEUILD" -d -v -f "$T/seuild.conf" >>"$T/seuild.log" 2>&1
	rc=$?
}

# No key file (and no database).
energised
failed_start
check "without a key file seuild exits non-zero" test "$rc" -ne 0
check "... having driven the relay locked" relay_is 0
check "... after the energised line" test "$(relay_lines)" -ge 2

# A key file but a database that is not one.
ctl init >/dev/null || not_ok "seuilctl init"
rm -f "$T/seuil.db-wal" "$T/seuil.db-shm"
head -c 8192 /dev/urandom >"$T/seuil.db"
energised
failed_start
check "with a broken database seuild exits non-zero" test "$rc" -ne 0
check "... having driven the relay locked" relay_is 0
grep -q 'uid.key\|key' "$T/seuild.log" || diag "log: $(tail -n 3 "$T/seuild.log")"
