#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Data rights: member export holds the member's data and no MAC; member
# erase (with the daemon running and the member present) leaves nothing
# personal in the database files while event and visit counts stay.
. "$(dirname "$0")/../lib.sh"

NAME=ondine-quaresma
DISPLAY="Ondine Quaresma"
EMAIL=ondine.q@example.org
write_config <<'CONF'
[security]
unsynced_clock = ignore
CONF
{
	ctl init && ctl group add staff
	ctl member add "$NAME" --display "$DISPLAY" --email "$EMAIL" --group staff --public
	ctl badge add "$NAME" 04A1B2C3 --label "blue fob"
	ctl member add bob --email bob@example.org && ctl badge add bob 04B0B0B1
} >"$T/setup.out" 2>&1
check "setup" test $? -eq 0

start_seuild || { not_ok "seuild starts"; exit 1; }
tap front-in 04999991		# unknown before enrolment: still about nobody
tap front-in 04A1B2C3
check "she arrives" wait_until 10 open_visits_is 1
wait_until 5 relay_is 0
tap front-in 04B0B0B1
check "bob arrives" wait_until 10 open_visits_is 2

ctl member export "$NAME" >"$T/export.json"
check "export exits 0" test $? -eq 0
check "export holds member, groups, badges, visits and events" python3 -c "
import json
d = json.load(open('$T/export.json'))
m = d['member']
assert m['name'] == '$NAME' and m['display_name'] == '$DISPLAY' and m['email'] == '$EMAIL', m
assert [g['name'] for g in d['groups']] == ['staff'], d['groups']
assert len(d['badges']) == 1 and d['badges'][0]['hint'] == 'B2C3' and d['badges'][0]['label'] == 'blue fob'
assert len(d['visits']) == 1 and d['visits'][0]['left'] is None
types = [e['type'] for e in d['events']]
assert 'access_granted' in types and 'arrival' in types, types
assert all(e['type'] != 'access_denied' for e in d['events']), 'someone else'
assert 'uid_mac' not in json.dumps(d)
"
mac=$(sqlite3 "$T/seuil.db" "SELECT hex(uid_mac) FROM badges WHERE label = 'blue fob'")
check "export holds no MAC" sh -c "test -n '$mac' && ! grep -qi '$mac' '$T/export.json'"
check "export holds no UID" sh -c "! grep -qi a1b2c3 '$T/export.json'"
check "export holds nothing of bob" sh -c "! grep -q bob '$T/export.json'"

events_before=$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM events WHERE type != 'admin_change'")
visits_before=$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM visits")

ctl member erase "$NAME" >"$T/out" 2>&1
check "erase without --yes: EX_USAGE" test $? -eq 64
check "and it explains what would happen" grep -q "cannot be undone" "$T/out"
check "nothing changed" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show '$NAME' >/dev/null"

ctl member erase "$NAME" --yes >"$T/out" 2>&1
check "erase exits 0" test $? -eq 0
check "erase reports what it did" grep -q "^member 1 erased (checked out first): 1 badge deleted" "$T/out"
check "she was checked out through the daemon" has_reason departure manual
check "bob is still here" open_visits_is 1
events_after=$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM events WHERE type NOT IN ('departure', 'admin_change')")
check "event count unchanged (but the departure and the audit)" test "$events_after" -eq "$events_before"
check "the erase is in the audit trail, by id only" test "$(sqlite3 "$T/seuil.db" "SELECT detail FROM events WHERE type = 'admin_change' ORDER BY seq DESC LIMIT 1")" = "member erase 1"
check "visit count unchanged" test "$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM visits")" -eq "$visits_before"
check "her events and visits are anonymous" test "$(sqlite3 "$T/seuil.db" \
	"SELECT (SELECT count(*) FROM events WHERE member_id = 1 OR uid_mac = x'$mac') +
	        (SELECT count(*) FROM visits WHERE member_id = 1)")" -eq 0
check "member row blanked" test "$(sqlite3 "$T/seuil.db" \
	"SELECT name || '|' || ifnull(display_name,'') || '|' || ifnull(email,'') || '|' || status || '|' || public || '|' || (erased IS NOT NULL) FROM members WHERE id = 1")" = "erased-1|||disabled|0|1"
check "badges and group links gone" test "$(sqlite3 "$T/seuil.db" \
	"SELECT (SELECT count(*) FROM badges WHERE member_id = 1) + (SELECT count(*) FROM member_groups WHERE member_id = 1)")" -eq 0
# search WHEN: nothing of hers in any database file.
search() {
	local f
	for f in "$T"/seuil.db*; do
		check "$1: no name in ${f##*/}" sh -c "! grep -qa -e '$NAME' -e '$DISPLAY' '$f'"
		check "$1: no email in ${f##*/}" sh -c "! grep -qa '$EMAIL' '$f'"
		check "$1: no MAC in ${f##*/}" sh -c "! od -An -tx1 -v '$f' | tr -d ' \n' | grep -qi '$mac'"
	done
}
# As erase left them, with the daemon still holding the database open,
# and after the daemon's exit.
search "daemon running"
stop_seuild
search "daemon stopped"
check "bob's data is intact" sh -c "grep -qa bob@example.org '$T/seuil.db'"
ctl member export 1 >"$T/export2.json"
check "export after erase: nothing personal" python3 -c "
import json
d = json.load(open('$T/export2.json'))
assert d['member']['name'] == 'erased-1' and d['member']['email'] is None and d['member']['erased']
assert d['badges'] == [] and d['visits'] == [] and d['events'] == [] and d['groups'] == []
"
