#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Console accounts (`seuilctl web user`): each change and its admin_change
# event are one transaction on the store's connection, so a change is never
# made without its audit event.  The events' sequence is set to its last
# value on this test database, so that no event can be appended (SQLite
# answers "database or disk is full"), and the account change must roll back
# with it.  Then, with seuil-web running, each change ends the account's
# sessions.  (A trigger would do it too, but no program opens a store with a
# trigger of its own: docs/security.md.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config </dev/null
ctl init >/dev/null || { not_ok "init"; exit 1; }
db=$T/seuil.db
users() { sqlite3 "$db" "select name || ':' || role from web_users order by name" | tr '\n' ' '; }
hash_of() { sqlite3 "$db" "select hash from web_users where name = '$1'"; }
audits() { sqlite3 "$db" "select count(*) from events where type = 'admin_change'"; }

printf 'first password\n' | ctl web user add camille --role admin >/dev/null
check "add" test "$(users)" = "camille:admin "
check "with its admin_change event, by the OS user" test "$(sqlite3 "$db" \
	"select detail || '|' || (actor like 'uid:%') from events where type = 'admin_change'")" = "web user add camille admin|1"
printf 'first password\n' | ctl web user add camille >"$T/out" 2>&1
check "a taken name: exit 65, said" sh -c "[ $? -eq 65 ] && grep -q 'exists already' '$T/out'"
check "a taken name: no event" test "$(audits)" = 1

# The audit insert fails: nothing changes.
seq0=$(sqlite3 "$db" "select seq from sqlite_sequence where name = 'events'")
sqlite3 "$db" "UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'events'"
h0=$(hash_of camille)
printf 'second password\n' | ctl web user add eve --role desk >"$T/out" 2>&1
check "add, audit refused: fails" test $? -ne 0
check "add, audit refused: the error says why" grep -q "database or disk is full" "$T/out"
check "add, audit refused: no account" test "$(users)" = "camille:admin "
printf 'second password\n' | ctl web user passwd camille >"$T/out" 2>&1
check "passwd, audit refused: fails" test $? -ne 0
check "passwd, audit refused: the hash is unchanged" test "$(hash_of camille)" = "$h0"
ctl web user del camille >"$T/out" 2>&1
check "del, audit refused: fails" test $? -ne 0
check "del, audit refused: the account is still there" test "$(users)" = "camille:admin "
check "no event either" test "$(audits)" = 1
sqlite3 "$db" "UPDATE sqlite_sequence SET seq = $seq0 WHERE name = 'events'"

# And once the event can be written, the same changes go through.
printf 'second password\n' | ctl web user add eve --role desk >/dev/null
check "add, audited" test "$(users)" = "camille:admin eve:desk "
printf 'third password\n' | ctl web user passwd camille >/dev/null
check "passwd, audited: a new hash" test "$(hash_of camille)" != "$h0"
ctl web user del eve >/dev/null
check "del, audited" test "$(users)" = "camille:admin "
check "one event per change" test "$(sqlite3 "$db" "select group_concat(detail, ',') from events where type = 'admin_change'")" = \
	"web user add camille admin,web user add eve desk,web user passwd camille,web user del eve"
ctl web user del nobody >"$T/out" 2>&1
check "del of an unknown account: exit 66, no event" sh -c "[ $? -eq 66 ] && grep -q \"no console user 'nobody'\" '$T/out' && [ \$(sqlite3 '$db' \"select count(*) from events where type = 'admin_change'\") = 4 ]"
ctl --json web user list >"$T/list.json"
check "list --json" python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(not ([u["name"] for u in v] == ["camille"] and v[0]["role"] == "admin" and v[0]["created"]))' "$T/list.json"

# seuil-web reads the accounts on its store connection: a login works,
# a wrong password and an unknown name do not.
start_web || { not_ok "seuil-web starts"; exit 1; }
check "login with the new password" web_login camille 'third password'
refused() { ! web_login "$1" "$2" "$T/jar2"; }
check "the old password is refused" refused camille 'first password'
check "an unknown name is refused" refused eve 'second password'

# A session lives only as long as its account is the same: deleted, given
# a new password or a new role, by another process (seuilctl) while
# seuil-web runs, the account's sessions end at their next request.  Each
# session here has its own cookie jar.
session() { web_login "$1" "$2" "$T/jar.$3" && cp "$T/login.json" "$T/csrf.$3"; }
as() {	# as JAR METHOD PATH: the status
	local j=$1; shift
	curl -s -b "$T/jar.$j" -o "$T/body" -w '%{http_code}' -X "$1" -H "X-CSRF-Token: $(
	    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/csrf.$j")" \
	    "$WEB_URL/api/v1$2" 2>/dev/null
}
printf 'dana password\n' | ctl web user add dana --role desk >/dev/null
session camille 'third password' c1 && session camille 'third password' c2 &&
	session dana 'dana password' d1
check "two sessions of camille, one of dana" test $? -eq 0
check "they answer" test "$(as c1 GET /members)$(as c2 GET /members)$(as d1 GET /who)" = 200200200
printf 'fourth password\n' | ctl web user passwd camille >/dev/null
check "a new password (seuilctl): camille's sessions end (401)" test "$(as c1 GET /members)$(as c2 GET /who)" = 401401
as c1 GET /me >/dev/null
check "and stay ended: /me names no one" test "$(json_get 'v.get("user", "")')" = ""
check "dana's session goes on" test "$(as d1 GET /who)" = 200
check "log in with the new password" session camille 'fourth password' c3
sqlite3 "$db" "UPDATE web_users SET role = 'desk' WHERE name = 'camille'"
check "a new role: the session ends (401), not kept with the old role" test "$(as c3 GET /who)" = 401
sqlite3 "$db" "UPDATE web_users SET role = 'admin' WHERE name = 'camille'"
check "log in again" session camille 'fourth password' c4
check "a POST works" test "$(as c4 POST /groups)" = 400
ctl web user del camille >/dev/null
check "a deleted account: its session ends at once, GET or POST (401)" \
	test "$(as c4 GET /members)$(as c4 POST /groups)" = 401401
printf 'fourth password\n' | ctl web user add camille --role admin >/dev/null
check "made again under the same name and password: the old session stays ended" \
	test "$(as c4 GET /members)" = 401
check "a new login works" session camille 'fourth password' c5
check "and answers" test "$(as c5 GET /members)" = 200
check "the log says why each ended" sh -c "grep -q 'session of camille ended: the account changed password' '$T/web.log' &&
	grep -q 'session of camille ended: the account changed role' '$T/web.log' &&
	grep -q 'session of camille ended: the account was deleted' '$T/web.log'"
stop_web
