#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's API (docs/design.md, Console API; docs/web.md) against the
# real seuil-web and seuild on simulated hardware: members, badges (typed
# UID through seuild, enrolment by tap at the desk reader), presence, door
# unlock, groups and schedules, explain, log, attendance report, import
# (also `seuilctl member import`), export and erasure; roles; every change
# an admin_change by web:NAME.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config </dev/null
# Three failures lock a reader for 10 minutes: the Why not? lockout checks.
sed -i 's/^lockout_failures = 32$/lockout_failures = 3\nlockout_time = 10m/' "$T/seuild.conf"
ctl init >/dev/null && ctl group add staff >/dev/null || { not_ok "setup"; exit 1; }
add_web_user camille 'correct horse' admin
add_web_user desk1 'desk password' desk
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }
web_login camille 'correct horse' || { not_ok "login"; exit 1; }
ok "seuild and seuil-web start, admin logs in"
check "the page links its icon" sh -c "curl -s '$WEB_URL/' | grep -q '<link rel=\"icon\" href=\"icon.svg\"'"
check "the icon is served as SVG" sh -c "curl -s -o /dev/null -w '%{http_code} %{content_type}' '$WEB_URL/icon.svg' | grep -qx '200 image/svg+xml'"
check "a wrong password: 401, code bad_login" sh -c \
	"curl -s -o '$T/bad.json' -w '%{http_code}' -X POST --data '{\"user\":\"camille\",\"password\":\"no\"}' '$WEB_URL/api/v1/login' | grep -qx 401 && grep -q '\"code\":\"bad_login\"' '$T/bad.json'"

check "status through the control socket" test "$(api GET /status)" = 200
check "status lists the door" json_true "v['doors'][0]['name'] == 'front'"
check "readers list the desk reader with enrol" sh -c "[ \$(curl -s -b '$T/jar' '$WEB_URL/api/v1/readers' | grep -c '\"name\":\"desk\",\"door\":null,\"enrol\":true') = 1 ]"

# ---- members ----
check "POST /members: 201" test "$(api POST /members '{"name":"alice","display_name":"Alice","email":"a@example.org","groups":["staff"],"valid_from":"2020-01-01","public":true}')" = 201
check "answers the id" json_true "v['id'] == 1"
check "a member named <img src=x onerror=alert(1)> is accepted" \
	test "$(api POST /members '{"name":"<img src=x onerror=alert(1)>"}')" = 201
check "an unknown group: 404" test "$(api POST /members '{"name":"bob","groups":["nope"]}')" = 404
check "a taken name: 409" test "$(api POST /members '{"name":"alice"}')" = 409
check "no name: 400" test "$(api POST /members '{"email":"x@y"}')" = 400
check "a bad date: 400" test "$(api POST /members '{"name":"carl","valid_from":"2020-13-40"}')" = 400
check "GET /members" test "$(api GET /members)" = 200
ctl --json member list >"$T/ctl.json"
check "the same payload as seuilctl --json member list" python3 -c '
import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$T/body" "$T/ctl.json"
check "GET /members/alice" test "$(api GET /members/alice)" = 200
check "with groups and badges" json_true "v['groups'] == ['staff'] and v['badges'] == []"
check "PATCH /members/alice" test "$(api PATCH /members/alice '{"email":"alice@example.org","public":false}')" = 200
check "changed" json_true "v['email'] == 'alice@example.org' and v['public'] == False"
check "disable" test "$(api POST /members/alice/disable '{}')" = 200
check "disabled" json_true "v['status'] == 'disabled'"
check "enable" test "$(api POST /members/alice/enable '{}')" = 200
check "changes are admin_change events by web:camille through seuil-web's own user" sh -c \
	"[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='admin_change' and actor like 'web:camille via uid:%'\") -ge 4 ]"

# Names that hide their text: refused, whatever way they come.
code=$(api POST /members '{"name":"eve\u0000admin"}')
check "a name holding a NUL escape: 400, nothing added" test "$code" = 400 -a \
	"$(sqlite3 "$T/seuil.db" "select count(*) from members where name like 'eve%'")" = 0
check "a name with a right-to-left override: 400" test "$(api POST /members '{"name":"eve\u202eadmin"}')" = 400
check "a display name with a zero-width space: 400" test "$(api POST /members '{"name":"eve","display_name":"Al\u200bice"}')" = 400

# ---- badges ----
check "a typed UID: 201" test "$(api POST /badges '{"member":"alice","uid":"04:A1:B2:C3","label":"fob"}')" = 201
check "hint from seuild" json_true "v['hint'] == 'B2C3'"
check "the UID is stored nowhere in clear" sh -c "! grep -qi a1b2c3 '$T/seuil.db' '$T/seuil.db-wal' '$T/web.log' '$T/seuild.log'"
check "the same UID again: 409" test "$(api POST /badges '{"member":"alice","uid":"04A1B2C3"}')" = 409
check "a bad UID: 400 with a reason" test "$(api POST /badges '{"member":"alice","uid":"zz"}')" = 400
tap front-in 04A1B2C3
check "the typed badge opens the door" wait_until 10 relay_is 1
check "who: alice is here" sh -c "[ \$(curl -s -b '$T/jar' '$WEB_URL/api/v1/who' | grep -c '\"name\":\"alice\"') = 1 ]"

# Enrolment by tap at the desk reader: the request waits for the tap.
spawn api POST /enrol '{"member":"<img src=x onerror=alert(1)>","reader":"desk","timeout":20}' >"$T/enrol.code"
ENROL=$SPAWN_PID
wait_until 10 grep -q "enrolment: waiting" "$T/seuild.log"
tap desk 04C0FFEE
wait "$ENROL"
check "enrol by tap: 201" test "$(cat "$T/enrol.code")" = 201
check "enrolled at the desk with its hint" json_true "v['reader'] == 'desk' and v['hint'] == 'FFEE'"
check "secure not a boolean: 400" test "$(api POST /enrol '{"member":"alice","secure":"yes"}')" = 400
# The desk reader here is simulated: it cannot talk to a card.
check "a secure enrolment at a sim desk reader: 400 from seuild" \
    test "$(api POST /enrol '{"member":"alice","reader":"desk","secure":true,"timeout":2}')" = 400
check "it says why" json_true "'simulated' in v['error']"
check "GET /badges" test "$(api GET /badges)" = 200
check "two badges" json_true "len(v) == 2"
check "both by UID (kind uid)" json_true "all(b['kind'] == 'uid' for b in v)"
bid=$(json_get "[b['id'] for b in v if b['hint'] == 'FFEE'][0]")
check "revoke" test "$(api POST /badges/$bid/revoke '{}')" = 200
check "revoked" json_true "v['status'] == 'revoked'"
for id in 0 -3 abc 12x 99999999999999999999; do
	check "revoke of the badge id '$id': 400" test "$(api POST "/badges/$id/revoke" '{}')" = 400
done
check "it asks for a badge id" json_true "v['error'] == 'a badge id'"
check "end of the guest id 'x': 400" test "$(api POST /guests/x/end '{}')" = 400
check "it asks for a guest id" json_true "v['error'] == 'a guest id'"

# ---- desk role ----
cp "$T/jar" "$T/jar.admin"; ADMIN_CSRF=$CSRF
web_login desk1 'desk password'
check "desk: who" test "$(api GET /who)" = 200
check "desk: checkout alice" test "$(api POST /checkout '{"member":"alice"}')" = 200
check "was present" json_true "v['was_present'] == True"
check "desk: door unlock" test "$(api POST /door/unlock '{"door":"front","seconds":1}')" = 200
check "the relay moved for the unlock" wait_until 5 relay_is 1
check "desk: the member picker (id, name, display name only)" test "$(api GET '/members?q=ALI')" = 200
check "desk: found by part of the name, in any case; no e-mail, groups or status" json_true \
	"[m['name'] for m in v] == ['alice'] and sorted(v[0]) == ['display_name', 'id', 'name']"
check "desk: at most 20 by default" json_true "len(v) <= 20"
check "desk: no export (403)" test "$(api GET /members/alice/export)" = 403
check "desk: no badge by UID (403)" test "$(api POST /badges '{"member":"alice","uid":"04112233"}')" = 403
check "unlock logged as unlock_remote by web:desk1, at the front door" sh -c \
	"sqlite3 '$T/seuil.db' \"select door from events where type='unlock_remote' and actor like 'web:desk1 via uid:%'\" | grep -qx front"
cp "$T/jar.admin" "$T/jar"; CSRF=$ADMIN_CSRF

# ---- groups, schedules, explain, log ----
check "POST /groups" test "$(api POST /groups '{"name":"evening"}')" = 201
check "PUT schedule" test "$(api PUT /groups/evening/schedule '{"schedule":"Mon-Fri 18:00-23:00"}')" = 200
check "a bad schedule: 400" test "$(api PUT /groups/evening/schedule '{"schedule":"Funday 9-5"}')" = 400
check "GET /groups" test "$(api GET /groups)" = 200
check "explain alice" test "$(api GET '/explain?member=alice')" = 200
check "granted with the typed badge" json_true "any(d['decision'] == 'granted' for b in v['badges'] for d in b['decisions'])"
check "rule by rule, in the door's order" json_true \
	"[r['rule'] for r in v['rules']] == ['member_status', 'valid_from', 'valid_until', 'clock', 'schedule', 'lockout']"
check "each rule passed, with its detail" json_true "all(r['pass'] is True and r['detail'] for r in v['rules'])"
check "seuild runs: lockouts known, none" json_true "v['daemon_running'] and v['rules'][-1]['pass'] is True"
# Each step has a code and args beside its English detail: the page words
# the step from those, in its language.
check "each step's code, in the door's order" json_true \
	"[r['code'] for r in v['rules']] == ['member_active', 'valid_from', 'no_end_date', v['rules'][3]['code'], 'group_unscheduled', 'lockout_none'] and v['rules'][3]['code'].startswith('clock_')"
check "each step's args" json_true \
	"[r['args'] for r in v['rules'][:3]] == [{'name': 'alice', 'erased': False}, {'from': '2020-01-01', 'today': v['local_time'][:10]}, {}] and v['rules'][4]['args'] == {'group': 'staff'}"
check "the badge step's code and args" json_true \
	"[(b['rules'][0]['code'], b['rules'][0]['args']) for b in v['badges']] == [('badge_active', {'id': v['badges'][0]['id'], 'kind': 'uid'})]"
check "the subject's code and args" json_true \
	"v['subject_code'] == 'member' and v['subject_args'] == {'name': 'alice', 'id': 1}"
# same_as_ctl M: the console's explanation is seuilctl's (but the clock).
same_as_ctl() {
	ctl --json explain "$1" >"$T/ctl.json"
	python3 -c '
import json,sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for d in (a, b):
    for k in ("now", "local_time", "weekday"): d.pop(k)
    d["rules"] = [r for r in d["rules"] if r["rule"] != "schedule"]
sys.exit(a != b)' "$T/body" "$T/ctl.json"
}
check "the same explanation as seuilctl --json explain" same_as_ctl alice
check "explain the member whose badge was revoked" test "$(api GET '/explain?member=2')" = 200
check "the revoked badge fails its badge rule, denied everywhere" json_true \
	"[(b['rules'][0]['pass'], set(d['reason'] for d in b['decisions'])) for b in v['badges']] == [(False, {'badge_revoked'})]"
check "the revoked badge's code" json_true "v['badges'][0]['rules'][0]['code'] == 'badge_revoked'"
# status_code STATUS CODE METHOD PATH [BODY]: the call answers STATUS with
# that error code (the page words the error from it).
status_code() { [ "$(api "${@:3}")" = "$1" ] && json_true "v['code'] == '$2'"; }
check "the hostile name comes back as it is, for the page to show as text" json_true \
	"v['member']['name'] == '<img src=x onerror=alert(1)>'"
check "an unknown member: 404, code not_found" status_code 404 not_found GET '/explain?member=nobody'
check "GET /log?type=admin_change" test "$(api GET '/log?type=admin_change')" = 200
check "the log names the console actor" json_true "any(e.get('actor', '').startswith('web:camille via uid:') for e in v)"
"$SEUILCTL" -f "$T/seuild.conf" --json log --limit 5000 >"$T/ctl-log.json"
api GET '/log?limit=5000' >/dev/null
cp "$T/body" "$T/web-log.json"
check "seuilctl log --json and GET /log name the same members for the same events" \
	python3 -c '
import json, sys
a = {e["seq"]: (e.get("member"), e.get("member_erased")) for e in json.load(open(sys.argv[1]))}
b = {e["seq"]: (e.get("member"), e.get("member_erased")) for e in json.load(open(sys.argv[2]))}
common = set(a) & set(b)
sys.exit(not (len(common) >= 10 and any(a[s][0] for s in common) and all(a[s] == b[s] for s in common)))' \
	"$T/ctl-log.json" "$T/web-log.json"
check "GET /log" test "$(api GET '/log?limit=500')" = 200
check "the log names the member of a tap" json_true \
	"any(e['type'] == 'access_granted' and e['member'] == 'alice' and e['member_erased'] is False for e in v)"
check "the log names the member of a change" json_true \
	"any(e['type'] == 'admin_change' and e['member'] == '<img src=x onerror=alert(1)>' for e in v)"
# log_members JSON: (seq, member) of every event, sorted.
log_members() { python3 -c 'import json,sys; print(sorted((e["seq"], e["member"]) for e in json.load(sys.stdin)))'; }
same_log_as_ctl() { [ "$(log_members <"$T/body")" = "$(ctl --json log --limit 500 | log_members)" ]; }
check "the log names what seuilctl log names" same_log_as_ctl

# A reader locked out by failed taps: the Why not? view says so, as
# seuilctl explain does.
for i in 1 2 3; do tap front-out 0499999$i; sleep 0.2; done
locked() { ctl status --json | grep -q '"name":"front-out"[^}]*"locked_out":true'; }
check "three failures lock front-out" wait_until 10 locked
check "explain alice, front-out locked" test "$(api GET '/explain?member=alice')" = 200
check "the lockout step fails, naming the reader" json_true \
	"v['rules'][-1]['rule'] == 'lockout' and v['rules'][-1]['pass'] is False and 'front-out' in v['rules'][-1]['detail']"
check "the lockout step's code lists the locked readers" json_true \
	"(v['rules'][-1]['code'], v['rules'][-1]['args']) == ('lockout_readers', {'readers': ['front-out']})"
check "locked_out at front-out only" json_true \
	"all(d['locked_out'] == (d['reader'] == 'front-out') for b in v['badges'] for d in b['decisions'])"
check "the active badge: locked_out at front-out, granted at front-in" json_true \
	"[(d['reader'], d['reason']) for b in v['badges'] if b['status'] == 'active' for d in b['decisions']] == [('front-in', 'granted'), ('front-out', 'locked_out')]"
check "the same as seuilctl --json explain, lockout included" same_as_ctl alice
ctl explain alice >"$T/explain.txt"
check "seuilctl explain: the lockout step fails too" grep -q "^  \[NO\] lockout .*reader front-out" "$T/explain.txt"

# ---- report ----
check "report json" test "$(api GET '/report/attendance?format=json')" = 200
check "report csv" test "$(api GET '/report/attendance?format=csv&by=week')" = 200
check "csv has alice" grep -q alice "$T/body"
check "report html" test "$(api GET '/report/attendance?format=html')" = 200
check "a bad range: 400" test "$(api GET '/report/attendance?from=2026-02-31')" = 400

# ---- import ----
printf 'name,display_name,email,groups,valid_from,valid_until,public\nalice,Alice A.,alice@example.org,staff,2020-01-01,,no\ndora,Dora,d@example.org,staff;evening,,,yes\n' >"$T/m.csv"
check "import dry run" test "$(api POST '/import?dry_run=1&prune=1' "$(cat "$T/m.csv")" -H 'Content-Type: text/csv')" = 200
check "the diff: dora added, alice changed, the img member disabled" json_true \
	"v['added'] == ['dora'] and v['changed'][0]['name'] == 'alice' and v['changed'][0]['fields'] == ['display_name'] and v['disabled'] == ['<img src=x onerror=alert(1)>'] and v['applied'] == False"
check "a dry run changes nothing" test "$(sqlite3 "$T/seuil.db" "select count(*) from members where name='dora'")" = 0
check "import applies" test "$(api POST '/import?prune=1' "$(cat "$T/m.csv")")" = 200
check "applied" json_true "v['applied'] == True"
check "dora is there, in two groups" test "$(sqlite3 "$T/seuil.db" "select count(*) from member_groups mg join members m on m.id=mg.member_id where m.name='dora'")" = 2
check "pruned member disabled" test "$(sqlite3 "$T/seuil.db" "select status from members where id=2")" = disabled
check "explain the pruned member" test "$(api GET '/explain?member=2')" = 200
check "its member step: member_disabled, with the name as it is" json_true \
	"(v['rules'][0]['code'], v['rules'][0]['args']) == ('member_disabled', {'name': '<img src=x onerror=alert(1)>', 'erased': False})"
check "importing again changes nothing" sh -c "curl -s -b '$T/jar' -H 'X-CSRF-Token: $CSRF' --data-binary @'$T/m.csv' '$WEB_URL/api/v1/import' | grep -q '\"added\":\[\],\"changed\":\[\],\"disabled\":\[\],\"enabled\":\[\],\"kept_disabled\":\[\],\"new_groups\":\[\],\"unchanged\":2'"
printf 'name,colour\nx,red\n' >"$T/bad.csv"
check "an unknown column: 400" test "$(api POST /import "$(cat "$T/bad.csv")")" = 400
check "named by line and column" json_true "v['error'].startswith('line 1, column 6: unknown column')"
check "an import error's code and place, as numbers" json_true "v['code'] == 'import_error' and (v['args']['line'], v['args']['column']) == (1, 6) and v['args']['message'].startswith('unknown column')"
printf 'name,valid_from\nerin,2026-01-01\nfrank,tomorrow\n' >"$T/bad2.csv"
check "a bad date: 400" test "$(api POST /import "$(cat "$T/bad2.csv")")" = 400
check "at line 3, column 7, in valid_from" json_true "v['args']['errors'] == [{'line': 3, 'column': 7, 'field': 'valid_from', 'message': v['args']['errors'][0]['message']}] and 'tomorrow' in v['args']['message']"
check "nothing of a bad file applied" test "$(sqlite3 "$T/seuil.db" "select count(*) from members where name='erin'")" = 0
ctl member import "$T/m.csv" --dry-run >"$T/ctl.out"
check "seuilctl member import --dry-run" grep -q "0 added, 0 changed, 0 enabled, 0 disabled, 2 unchanged (dry run" "$T/ctl.out"
printf 'name,public\ngus,yes\n' >"$T/g.csv"
ctl member import "$T/g.csv" >"$T/ctl.out"
check "seuilctl member import adds" grep -q "^add       gus" "$T/ctl.out"
ctl member import "$T/bad2.csv" >"$T/ctl.out" 2>&1
check "seuilctl member import: a bad file exits 65 with line:column and the column's name" sh -c "[ $? -eq 65 ] && grep -q \"bad2.csv:3:7: valid_from: bad .*date 'tomorrow'\" '$T/ctl.out'"

# ---- export and erasure ----
check "export" test "$(api GET /members/dora/export)" = 200
check "export is the member's data" json_true "v['member']['name'] == 'dora'"
check "erase without confirmation: 400" test "$(api POST /members/dora/erase '{}')" = 400
check "erase with the name: 200" test "$(api POST /members/dora/erase '{"confirm":"dora"}')" = 200
check "dora is gone" test "$(sqlite3 "$T/seuil.db" "select count(*) from members where name='dora'")" = 0
check "an erased member is not revived by an import" sh -c \
	"[ \$(sqlite3 '$T/seuil.db' \"select count(*) from members where erased is not null\") = 1 ]"

# seuild stopped: the explanation says the lockouts are unknown.
stop_seuild
# An event of a member erased since (seuild logged it after the erasure):
# the log shows the id, never a name.
sqlite3 "$T/seuil.db" "insert into events(ts_ms, clock_synced, boot_id, mono_ms, type, member_id) select ts_ms, clock_synced, boot_id, mono_ms, 'departure', (select id from members where erased is not null) from events order by seq desc limit 1"
check "GET /log after the erasure" test "$(api GET '/log?limit=500')" = 200
check "the erased member's name is nowhere in the log" json_true "not any(e['member'] == 'dora' for e in v)"
check "an erased member's event: member_erased, no name" json_true \
	"[e['member'].startswith('erased-') for e in v if e.get('member_erased')] == [True]"

check "explain with seuild stopped" test "$(api GET '/explain?member=alice')" = 200
check "daemon_running false, the lockout step unknown" json_true \
	"v['daemon_running'] is False and v['rules'][-1]['pass'] is None and 'not running' in v['rules'][-1]['detail']"
check "its code: lockout_unknown" json_true "v['rules'][-1]['code'] == 'lockout_unknown'"
check "locked_out null at every reader" json_true \
	"all(d['locked_out'] is None for b in v['badges'] for d in b['decisions'])"
check "the same as seuilctl --json explain without seuild" same_as_ctl alice
check "a control request without seuild: 503, code seuild_down" status_code 503 seuild_down POST /door/unlock '{}'
stop_web
