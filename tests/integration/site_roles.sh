#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A site's replica refuses changes to the member data: seuild refuses the
# typed requests (code replica, naming the primary) and the store refuses
# the write whatever program makes it, while its doors decide and record
# as before.  The store's role must be the configuration's, or seuild does
# not start.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_config <<'CONF'
[security]
unsynced_clock = ignore
CONF
ctl init >/dev/null && ctl member add alice >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null &&
	add_web_user camille 'correct horse' admin || { not_ok "setup"; exit 1; }
printf '\n[web]\nlisten = 127.0.0.1:%s\n' "$WEB_PORT" >>"$T/seuild.conf"
sed -i 's/^timezone = .*/&\nnode = hall\nrole = replica/' "$T/seuild.conf"
printf '\n[replica]\nsite_key_file = %s\n' "$T/site.pub" >>"$T/seuild.conf"
head -c 32 /dev/urandom >"$T/site.pub"

"$SEUILD" -d -f "$T/seuild.conf" >"$T/start.log" 2>&1
check "a replica's configuration on a primary's store: seuild does not start (78)" test $? = 78
check "and says to install the site's bundle" grep -q 'seuilctl site install' "$T/start.log"

# What `seuilctl site install` sets (site_install.sh installs a real bundle).
sqlite3 "$T/seuil.db" "INSERT INTO meta VALUES ('site_role', 'replica'), ('site_primary', 'main')"
start_seuild || { not_ok "seuild starts as a replica"; exit 1; }
ok "seuild starts as a replica"

for cmd in "member add bob" "member disable alice" "badge revoke 1" "group add night" \
    "schedule set night daily"; do
	# $cmd: a command's words, split on purpose.
	# shellcheck disable=SC2086
	ctl $cmd >"$T/out" 2>&1
	rc=$?
	check "seuild refuses '$cmd' on a replica (77)" test "$rc" = 77
	check "naming the primary ($cmd)" grep -q "primary, 'main'" "$T/out"
done
# The console on a replica: its changes are refused the same way.
start_web && web_login camille 'correct horse' || { not_ok "seuil-web on a replica"; exit 1; }
check "the console's member add on a replica: 409" test "$(api POST /members '{"name":"bob"}')" = 409
check "its code is replica, naming the primary" \
	json_true "v['code'] == 'replica' and \"primary, 'main'\" in v['error']"
check "the console's badge revoke on a replica: 409" test "$(api POST /badges/1/revoke '{}')" = 409
check "the console still reads the members" test "$(api GET /members)" = 200
stop_web
ctl --json status >"$T/status" 2>&1
check "status still answers" grep -q '"ok":true\|"version"' "$T/status"

tap front-in 04A1B2C3
check "alice's badge still opens the door" wait_until 5 relay_is 1
check "and the grant is recorded" wait_until 5 count_is access_granted = 1
stop_seuild

ctl member add bob >"$T/out" 2>&1
check "without seuild, the store itself refuses (77)" test $? = 77
check "naming the primary" grep -q "primary, 'main'" "$T/out"
check "another program's write is refused too" sh -c "! sqlite3 '$T/seuil.db' \"UPDATE badges SET status = 'revoked'\" 2>/dev/null"
check "nothing changed" test "$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM members WHERE name = 'bob'") $(sqlite3 "$T/seuil.db" "SELECT status FROM badges")" = "0 active"

sed -i '/^role = replica/d' "$T/seuild.conf"
"$SEUILD" -d -f "$T/seuild.conf" >"$T/start.log" 2>&1
check "a primary's configuration on a replica's store: seuild does not start (78)" test $? = 78
check "and names the primary" grep -q "replica of 'main'" "$T/start.log"
