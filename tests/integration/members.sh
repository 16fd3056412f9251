#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl, store side: init, members, groups and schedules, usage and exit
# codes (sysexits), against a real database file and no daemon.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
# rc CODE COMMAND...: the command exits with CODE (output kept in $T/last).
rc() {
	local want=$1; shift
	"$@" >"$T/last" 2>&1
	local got=$?
	[ "$got" -eq "$want" ] || { diag "exit $got, wanted $want: $*"; sed 's/^/#   /' "$T/last"; return 1; }
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

rc 74 ctl member list; check "before init: missing database is EX_IOERR" test $? -eq 0
check "missing database: says to run init" grep -q "seuilctl init" "$T/last"

check "init succeeds" sh -c "'$SEUILCTL' -f '$T/seuild.conf' init >'$T/init1'"
check "init says what it created" grep -q "created key file" "$T/init1"
check "key file is 32 bytes" test "$(stat -c %s "$T/uid.key")" = 32
check "key file is 0600" test "$(stat -c %a "$T/uid.key")" = 600
check "database exists" test -s "$T/seuil.db"
key1=$(sha256sum <"$T/uid.key")
check "init is idempotent" sh -c "'$SEUILCTL' -f '$T/seuild.conf' init >'$T/init2'"
check "second init keeps the key" test "$(sha256sum <"$T/uid.key")" = "$key1"
check "second init says it kept it" grep -q "kept existing key file" "$T/init2"
check "init --json" sh -c "'$SEUILCTL' -f '$T/seuild.conf' --json init | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"key_created\"] is False and d[\"credentials_key_created\"] is False and d[\"schema_version\"] == $(sqlite3 "$T/seuil.db" 'PRAGMA user_version')'"

id=$(ctl member add alice 2>&1)
check "member add prints the new id" test "$id" = 1
# The audit trail: the change, who made it (the OS user, by real uid) and
# what, in the store and in `log`.
me="uid:$(id -u)($(id -un))"
check "member add leaves an admin_change event" test "$(sqlite3 "$T/seuil.db" "SELECT actor||'|'||detail||'|'||member_id FROM events WHERE type = 'admin_change'")" = "$me|member add 1|1"
check "SUDO_USER does not change the actor" sh -c "SUDO_USER=mallory '$SEUILCTL' -f '$T/seuild.conf' member enable alice >/dev/null && test \"\$(sqlite3 '$T/seuil.db' \"SELECT actor FROM events WHERE detail = 'member enable 1'\")\" = '$me'"
check "log shows the actor and the detail" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --type admin_change --limit 2 | grep -q 'admin_change .*member=alice detail=\"member add 1\" by=$me'"
check "log --json shows the actor" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --json --type admin_change | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"actor\"] == \"$me\" and d[0][\"detail\"] == \"member add 1\", d'"
rc 65 ctl member add alice; check "duplicate member is EX_DATAERR" test $? -eq 0
check "duplicate message names the member" grep -q "member 'alice' already exists" "$T/last"
rc 65 ctl member add 1234; check "all-digit name refused" test $? -eq 0
rc 65 ctl member add carol --until 2026-02-30; check "bad date refused" test $? -eq 0
rc 65 ctl member add carol --from 2026-05-01 --until 2026-04-01; check "from after until refused" test $? -eq 0
rc 65 ctl member add carol --email nope; check "bad email refused" test $? -eq 0
rc 66 ctl member add carol --group nosuch; check "unknown group is EX_NOINPUT" test $? -eq 0
rc 66 ctl member show carol; check "refused adds created nothing" test $? -eq 0
check "not-found message" grep -qx "seuilctl: member 'carol' not found" "$T/last"
rc 64 ctl member add; check "missing NAME is EX_USAGE" test $? -eq 0
check "usage line printed" grep -q "^usage: seuilctl .*member add NAME" "$T/last"
rc 64 ctl member add dan --public --anonymous; check "--public with --anonymous is EX_USAGE" test $? -eq 0
rc 64 ctl member add dan --bogus; check "unknown option is EX_USAGE" test $? -eq 0

# Groups and schedules.
check "group add" test "$(ctl group add staff)" = 1
ctl group add night >/dev/null
rc 65 ctl group add staff; check "duplicate group is EX_DATAERR" test $? -eq 0
rc 65 ctl group add 'bad name'; check "bad group name refused" test $? -eq 0
check "schedule set prints the canonical text" \
	test "$(ctl schedule set staff 'mon-fri 08:00-19:00,  Sat 10:00-14:00')" = "staff: Mon-Fri 08:00-19:00, Sat 10:00-14:00"
rc 65 ctl schedule set staff 'Mon-Fri 25:00-26:00'; check "bad schedule is EX_DATAERR" test $? -eq 0
rc 66 ctl schedule set nosuch 'Mon 08:00-09:00'; check "schedule of unknown group is EX_NOINPUT" test $? -eq 0
ctl group list >"$T/groups"
check "group list shows the schedule" grep -q "staff .*Mon-Fri 08:00-19:00, Sat 10:00-14:00" "$T/groups"
check "group list shows no schedule as always" grep -q "night .*always" "$T/groups"
check "group list --json" sh -c "'$SEUILCTL' -f '$T/seuild.conf' group list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [g[\"schedule\"] for g in d] == [None, \"Mon-Fri 08:00-19:00, Sat 10:00-14:00\"]'"
ctl schedule set night always >/dev/null
check "schedule set always clears" sh -c "'$SEUILCTL' -f '$T/seuild.conf' group list | grep -q 'night .*always'"

# A member with every option.
bob=$(ctl member add bob --display "Bob B." --email bob@example.org --group staff --group night \
	--from 2026-01-01 --until 2026-12-31 --public)
check "member add with options" test "$bob" = 2
ctl member show bob --json >"$T/bob.json"
check "member show --json has every field" json "d['name']=='bob' and d['display_name']=='Bob B.' and d['email']=='bob@example.org' and d['valid_from']=='2026-01-01' and d['valid_until']=='2026-12-31' and d['public'] is True and d['status']=='active' and sorted(d['groups'])==['night','staff'] and d['badges']==[] and d['present'] is None" <"$T/bob.json"
check "member show by id" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show 2 | grep -q 'member 2: bob'"
check "member show human" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show bob | grep -q 'groups  *night,staff'"

ctl member edit bob --name robert --no-groups --until none --anonymous >/dev/null
ctl member show robert --json >"$T/robert.json"
check "member edit renames, clears groups, dates, public" \
	json "d['id']==2 and d['groups']==[] and d['valid_until'] is None and d['valid_from']=='2026-01-01' and d['public'] is False" <"$T/robert.json"
ctl member edit robert --group staff >/dev/null
check "member edit --group replaces groups" \
	sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show robert --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"groups\"] == [\"staff\"]'"
rc 65 ctl member edit robert --name alice; check "rename onto a taken name is EX_DATAERR" test $? -eq 0
rc 66 ctl member edit nobody --display X; check "edit unknown member is EX_NOINPUT" test $? -eq 0

ctl member disable robert >/dev/null
check "member disable" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member list | grep -q '^2 .*robert .*disabled'"
check "disabled in the database" test "$(sqlite3 "$T/seuil.db" "SELECT status FROM members WHERE id=2")" = disabled
ctl member enable 2 >/dev/null
check "member enable" test "$(sqlite3 "$T/seuil.db" "SELECT status FROM members WHERE id=2")" = active
check "member list --json" sh -c "'$SEUILCTL' -f '$T/seuild.conf' --json member list | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [m[\"name\"] for m in d] == [\"alice\", \"robert\"]'"

# Usage, help and configuration errors.
rc 64 "$SEUILCTL" -f "$T/seuild.conf"; check "no command is EX_USAGE" test $? -eq 0
rc 64 ctl frobnicate; check "unknown command is EX_USAGE" test $? -eq 0
rc 64 ctl member; check "missing subcommand is EX_USAGE" test $? -eq 0
rc 0 "$SEUILCTL" --help; check "--help exits 0" test $? -eq 0
check "--help lists the commands" grep -q "schedule set" "$T/last"
rc 0 "$SEUILCTL" -f /nonexistent member add --help; check "COMMAND --help needs no config" test $? -eq 0
check "COMMAND --help prints its usage" grep -q "^usage: seuilctl .*member add NAME" "$T/last"
printf '[site]\nname = test\nbogus = 1\n' >"$T/bad.conf"
rc 78 "$SEUILCTL" -f "$T/bad.conf" member list; check "bad config is EX_CONFIG" test $? -eq 0
check "config error names file and line" grep -q "bad.conf:3:" "$T/last"
rc 78 "$SEUILCTL" -f "$T/none.conf" member list; check "missing config is EX_CONFIG" test $? -eq 0

# The command table reaches report.c's command.
check "report attendance is a command" sh -c "'$SEUILCTL' -f '$T/seuild.conf' report attendance --csv >/dev/null"
