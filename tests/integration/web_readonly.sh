#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuil-web as packaged: its own user, whose only right on the store is a
# group's read, and admin_group for the control socket.  Every console
# change is a request to seuild, recorded with the console user; reading
# goes on while seuild writes 50 taps a second, and while seuild is stopped.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

if [ "$(id -u)" != 0 ]; then echo "skip web_readonly needs root (setpriv)"; exit 0; fi
write_web_config </dev/null
# The store's group is sys (3), the socket's admin_group adm (4): the web
# user is in both, and in nothing that could write the store.
sed -i 's/^socket = .*/&\nread_group = nogroup\noperate_group = users\nadmin_group = adm/' "$T/seuild.conf"
ctl init >/dev/null && ctl group add staff >/dev/null && add_web_user admin 'admin pass 1' admin ||
	{ not_ok "setup"; exit 1; }
chmod 755 "$T"
chmod 644 "$T/seuild.conf"
chgrp sys "$T/seuil.db" "$T/seuil.db-wal" "$T/seuil.db-shm"
chmod 640 "$T/seuil.db" "$T/seuil.db-wal" "$T/seuil.db-shm"
check "the store's -wal and -shm stay after seuilctl closes it (read-only readers need them)" \
	test -e "$T/seuil.db-wal" -a -e "$T/seuil.db-shm"
start_seuild || { not_ok "seuild starts"; exit 1; }
WEBUSER="--reuid=30001 --regid=30001 --groups=3,4"

# The spec is several setpriv options: split on purpose.
# shellcheck disable=SC2086
SEUIL_WEB_PAGE=$TOP/web/page spawn setpriv $WEBUSER "$SEUILWEB" -d -v -f "$T/seuild.conf" >>"$T/web.log" 2>&1

wait_until 10 curl -sf -o /dev/null "$WEB_URL/" || { not_ok "seuil-web starts as its own user"; sed 's/^/#   /' "$T/web.log"; exit 1; }
ok "seuil-web starts as its own user, with a store it may only read"
# The spec is several setpriv options: split on purpose.
# shellcheck disable=SC2086
check "that user cannot write the store" sh -c "! setpriv $WEBUSER sqlite3 '$T/seuil.db' \"insert into groups(name) values ('x')\" 2>/dev/null"
check "log in" web_login admin 'admin pass 1'

# Every change the console makes, through seuild.
check "add a member: 201" test "$(api POST /members '{"name":"alice","display_name":"Alice","groups":["staff"]}')" = 201
check "edit: 200" test "$(api PATCH /members/alice '{"email":"alice@example.org"}')" = 200
check "the edit is read back" json_true "v['email'] == 'alice@example.org'"
check "add a group: 201" test "$(api POST /groups '{"name":"night"}')" = 201
check "set a schedule: 200" test "$(api PUT /groups/night/schedule '{"schedule":"Mon-Fri 18:00-23:00"}')" = 200
check "disable: 200" test "$(api POST /members/alice/disable '{}')" = 200
check "enable: 200" test "$(api POST /members/alice/enable '{}')" = 200
check "a badge by UID: 201" test "$(api POST /badges '{"member":"alice","uid":"04A1B2C3"}')" = 201
badge=$(json_get "v['badge_id']")
check "unlock: 200" test "$(api POST /door/unlock '{"door":"front","seconds":1}')" = 200
check "the relay moved" wait_until 5 relay_is 1
printf 'name,display_name\nbob,Bob\ncarol,Carol\n' >"$T/m.csv"
check "an import: 200" test "$(api POST /import "$(cat "$T/m.csv")" -H 'Content-Type: text/csv')" = 200
check "applied by seuild" json_true "v['applied'] and v['counts']['added'] == 2"
tap front-in 04A1B2C3
check "alice's tap opens" wait_until 5 open_visits_is 1
check "check-out: 200" test "$(api POST /checkout '{"member":"alice"}')" = 200
check "revoke: 200" test "$(api POST "/badges/$badge/revoke" '{}')" = 200
check "erase: 200" test "$(api POST /members/carol/erase '{"confirm":"carol"}')" = 200
# Enrolment by tap at the desk, for bob.
spawn api POST /enrol '{"member":"bob","reader":"desk","timeout":20}' >"$T/enrol.code"
ENROL=$SPAWN_PID
wait_until 10 grep -q "enrolment: waiting" "$T/seuild.log"
tap desk 04B0B0B0
wait "$ENROL"
check "enrol by tap: 201" test "$(cat "$T/enrol.code")" = 201

actor="web:admin via uid:30001"
check "each change an admin_change by the console user" test "$(sqlite3 "$T/seuil.db" \
	"select count(*) from events where type = 'admin_change' and actor = '$actor'")" -ge 10
check "the unlock, the check-out and the enrolment name them too" test "$(sqlite3 "$T/seuil.db" \
	"select count(distinct type) from events where actor = '$actor' and type in ('unlock_remote', 'departure', 'badge_enrolled')")" = 3
check "and the login" test "$(sqlite3 "$T/seuil.db" "select count(*) from events where type = 'console_login' and actor = '$actor'")" = 1

# Reading while seuild writes 50 taps a second.
tapper() { for _ in $(seq 1 250); do tap front-in 04DEAD00; sleep 0.02; done; }
spawn tapper
TAPPER=$SPAWN_PID
reads_ok=true
for _ in $(seq 1 20); do
	for p in /members /log /who '/report/attendance?format=json'; do
		[ "$(api GET "$p")" = 200 ] || { reads_ok=false; diag "GET $p: $CODE $(head -c 200 "$T/body")"; }
	done
done
wait "$TAPPER"
check "reads answer while taps are written" $reads_ok

# seuild stopped: reading goes on; a change says seuild is down.
stop_seuild
check "members, with seuild stopped" test "$(api GET /members)" = 200
check "the log, with seuild stopped" test "$(api GET /log)" = 200
code=$(api POST /groups '{"name":"later"}')
check "a change: 503 seuild_down" sh -c "[ $code = 503 ] && grep -q seuild_down '$T/body'"
