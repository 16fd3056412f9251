#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Review findings on the store and seuilctl: lost updates between seuilctl
# and another writer, erased members brought back, non-UTF-8 text.
source "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null || { not_ok review_init; exit 0; }

# hold_write SQL: another connection takes the write lock, runs SQL, says so
# in $T/held, and commits 1.5 s later (seuilctl waits on busy_timeout).
hold_write() {
	rm -f "$T/held"
	spawn python3 - "$T/seuil.db" "$1" "$T/held" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
db.execute(sys.argv[2])
open(sys.argv[3], "w").close()
time.sleep(1.5)
db.execute("COMMIT")
PY
	HOLD_PID=$SPAWN_PID
	wait_until 10 test -e "$T/held"
}
status_of() { sqlite3 "$T/seuil.db" "select status from members where name = '$1'"; }
status_is() { [ "$(status_of "$1")" = "$2" ]; }

# 1. `member edit` must not write back a status read before another
# writer's `member disable` committed (a wrong yes for a disabled member).
id=$(ctl member add carol)
hold_write "UPDATE members SET status = 'disabled' WHERE id = $id"
ctl member edit carol --email carol@example.org >/dev/null 2>"$T/err"
wait "$HOLD_PID"
check review_edit_keeps_concurrent_disable status_is carol disabled

# 2. An erased member stays erased: no enable, no edit, no new badge.
id=$(ctl member add dave)
ctl member erase dave --yes >/dev/null
ctl member enable "$id" >/dev/null 2>&1; rc=$?
check review_erased_no_enable test "$rc" = 65 -a "$(status_of erased-$id)" = disabled
ctl member edit "$id" --email dave@example.org >/dev/null 2>&1; rc=$?
check review_erased_no_edit test "$rc" = 65
ctl badge add "$id" 04A1B2C3 >/dev/null 2>&1; rc=$?
n=$(sqlite3 "$T/seuil.db" "select count(*) from badges where member_id = $id")
check review_erased_no_badge test "$rc" = 65 -a "$n" = 0

# 3. A badge added while an erase commits does not land on the erased row.
id=$(ctl member add erin)
hold_write "UPDATE members SET erased = 1, status = 'disabled', name = 'erased-$id' WHERE id = $id"
ctl badge add erin 04A1B2C4 >/dev/null 2>&1
wait "$HOLD_PID"
n=$(sqlite3 "$T/seuil.db" "select count(*) from badges where member_id = $id")
check review_no_badge_for_erasing_member test "$n" = 0

# 4. Text that reaches JSON (and MQTT) is valid UTF-8.
ctl member add $'fr\xe9d' >/dev/null 2>&1; rc1=$?
ctl member add frank --display $'Fr\xe9d' >/dev/null 2>&1; rc2=$?
ctl member add gina >/dev/null
ctl badge add gina 04A1B2C5 --label $'\x1b[2Jblue' >/dev/null 2>&1; rc3=$?
check review_non_utf8_refused test "$rc1" = 65 -a "$rc2" = 65 -a "$rc3" = 65
ctl member add hélène --display 'Hélène' >/dev/null; rc=$?
check review_utf8_accepted test "$rc" = 0
ctl member list --json | python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))'
check review_member_list_json_valid test $? = 0

# 5. A UID typed where a member belongs is not echoed back.
ctl badge add 04:A1:B2:C9 gina >/dev/null 2>"$T/err"; rc=$?
check review_uid_not_echoed_member test "$rc" = 66 -a -s "$T/err" -a "$(grep -ci 'A1:B2:C9' "$T/err")" = 0
ctl explain 04A1B2C3D9 >/dev/null 2>"$T/err"; rc=$?
check review_uid_not_echoed_explain test "$rc" = 66 -a -s "$T/err" -a "$(grep -ci 'A1B2C3D9' "$T/err")" = 0
