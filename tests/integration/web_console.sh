#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's newer calls through the real seuil-web and seuild: the
# member picker (?q=, without regard to case or accents), a member's last
# entry and refusal, the log's filters and its CSV, problems where they
# are seen (the clock unsynced and whom the door refuses for it, a reader
# offline, a reader locked out, the broker unreachable, seuild down, the
# last backup), the
# backups made by seuild, listed and downloaded (never the key, never
# through a link or another name), and an import that creates its
# missing groups.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

mkdir -p "$T/backups"
# The desk reader's FIFO is a plain file: it cannot open, it is offline.
: >"$T/desk-not-a-fifo"
write_web_config <<CONF

[backup]
dir = $T/backups
keep = 3
CONF
sed -i "s|^sim_fifo = $T/desk.fifo\$|sim_fifo = $T/desk-not-a-fifo|" "$T/seuild.conf"
# The broker is unreachable: the port of nothing.
python3 - "$T/seuild.conf" "$(free_port)" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", "[mqtt]\nhost = 127.0.0.1\nport = %s\n" % sys.argv[2])
s = s.replace("unsynced_clock = ignore", "unsynced_clock = members_only")
s = s.replace("lockout_failures = 32", "lockout_failures = 3")
open(p, "w").write(s)
PY
fake_clock synced
ctl init >/dev/null && ctl group add staff >/dev/null && ctl schedule set staff 'Mon-Sun 00:00-24:00' >/dev/null &&
	ctl member add 'Élodie' --display 'Élodie Martin' --group staff >/dev/null && ctl badge add 'Élodie' 04E10D1E >/dev/null &&
	ctl member add bob --display Bob >/dev/null && ctl badge add bob 04B0B0B0 >/dev/null &&
	ctl member add carol --until 2030-01-01 >/dev/null && ctl badge add carol 04CA401A >/dev/null || { not_ok "setup"; exit 1; }
add_web_user camille 'correct horse' admin
add_web_user desk1 'desk password' desk
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }
web_login camille 'correct horse' || { not_ok "login"; exit 1; }

# ---- the picker ----
check "?q=elodie: 200" test "$(api GET '/members?q=elodie')" = 200
check "\"elodie\" finds \"Élodie\"" json_true "[m['name'] for m in v] == ['Élodie']"
check "?q=MARTIN finds her by display name" sh -c "[ \"\$(curl -s -b '$T/jar' '$WEB_URL/api/v1/members?q=MARTIN' | python3 -c 'import json,sys; print([m[\"name\"] for m in json.load(sys.stdin)])')\" = \"['Élodie']\" ]"
check "the admin gets whole members from the picker" json_true "v[0]['groups'] == ['staff']"
check "?q= too long: 400" test "$(api GET "/members?q=$(printf 'x%.0s' $(seq 1 200))")" = 400
check "seuilctl member list --search elodie" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member list --search elodie | grep -q 'Élodie'"
check "seuilctl suggests the member a name not found may mean" sh -c \
	"'$SEUILCTL' -f '$T/seuild.conf' member show elodie 2>'$T/err'; [ \$? = 66 ] && grep -q \"did you mean Élodie\" '$T/err'"

# ---- a member's last entry and refusal ----
tap front-in 04B0B0B0
wait_until 5 has_event arrival
ctl member disable bob >/dev/null
tap front-in 04B0B0B0
wait_until 5 has_reason access_denied member_disabled
check "GET /members/bob: 200" test "$(api GET /members/bob)" = 200
check "with the last entry and the last refusal, its reason" json_true \
	"v['last_entry']['reader'] == 'front-in' and v['last_refusal']['reason'] == 'member_disabled' and v['present']['door'] == 'front'"
api GET /members/carol >/dev/null
check "a member never seen: both null" json_true "v['last_entry'] is None and v['last_refusal'] is None"

# ---- the log ----
check "log by reader and type" test "$(api GET '/log?reader=front-in&type=access_denied')" = 200
check "only those" json_true "len(v) == 1 and v[0]['reason'] == 'member_disabled' and v[0]['member'] == 'bob'"
check "log by actor: the console user's own changes" test "$(api GET '/log?actor=uid:0')" = 200
first=$(sqlite3 "$T/seuil.db" "select max(seq) from events")
check "log before a seq: the page before" test "$(api GET "/log?before=$first&limit=2")" = 200
check "two events, both older" json_true "len(v) == 2 and all(e['seq'] < $first for e in v)"
check "log from a date to a date (the whole day)" test "$(api GET "/log?from=$(date +%F)&to=$(date +%F)&type=arrival")" = 200
check "today's arrival" json_true "len(v) == 1 and v[0]['member'] == 'bob'"
check "a bad type: 400" test "$(api GET '/log?type=DROP%20TABLE')" = 400
code=$(curl -s -b "$T/jar" -D "$T/h" -o "$T/log.csv" -w '%{http_code}' "$WEB_URL/api/v1/log?member=bob&format=csv")
check "log as CSV: 200, a download" sh -c "[ $code = 200 ] && grep -qi '^content-disposition: attachment' '$T/h'"
check "the CSV has a header and bob's events" sh -c "head -1 '$T/log.csv' | grep -q '^seq,time_utc,time_local,type' && grep -q ',access_denied,front,front-in,bob,' '$T/log.csv'"
ctl log --member bob --csv >"$T/ctl-log.csv"
check "seuilctl log --csv is the same file" cmp -s "$T/log.csv" "$T/ctl-log.csv"
check "seuilctl log --reader --reason" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --reader front-in --reason member_disabled | grep -c access_denied | grep -qx 1"

# ---- problems ----
check "GET /problems: 200" test "$(api GET /problems)" = 200
check "the broker unreachable, said" json_true "'broker_unreachable' in [p['code'] for p in v['problems']]"
check "a reader that cannot open, said offline (the desk's, no door)" json_true \
	"{'code': 'reader_offline', 'level': 'bad', 'args': {'reader': 'desk', 'door': None}} in v['problems']"
check "the readers that work, not said" json_true \
	"not [p for p in v['problems'] if p['code'].startswith('reader_') and p['args']['reader'] != 'desk']"
check "no clock problem while it is synced" json_true "'clock_unsynced' not in [p['code'] for p in v['problems']]"
check "no backup yet, said to the admin" json_true "'backup_never' in [p['code'] for p in v['problems']]"
fake_clock unsynced
check "the clock unsynced: said, with whom the door refuses for it" wait_until 10 sh -c \
	"curl -s -b '$T/jar' '$WEB_URL/api/v1/problems' | python3 -c '
import json, sys
p = {x[\"code\"]: x[\"args\"] for x in json.load(sys.stdin)[\"problems\"]}[\"clock_unsynced\"]
sys.exit(not (p[\"policy\"] == \"members_only\" and p[\"refused\"] == 2 and sorted(n[\"name\"] for n in p[\"names\"]) == [\"carol\", \"Élodie\"]))'"
tap front-in 04E10D1E
wait_until 5 has_reason access_denied clock_unsynced
api GET /problems >/dev/null
check "and the taps refused for it today" json_true "[p['args']['denied'] for p in v['problems'] if p['code'] == 'clock_unsynced'] == [1]"
check "the explanation agrees (Why not?)" sh -c "'$SEUILCTL' -f '$T/seuild.conf' explain carol | grep -q 'clock_unsynced'"
fake_clock synced
for i in 1 2 3 4 5; do tap front-out "0499999$i"; sleep 0.1; done
check "a reader locked out, said" wait_until 10 sh -c "curl -s -b '$T/jar' '$WEB_URL/api/v1/problems' | grep -q '\"code\":\"reader_locked_out\",\"level\":\"bad\",\"args\":{\"reader\":\"front-out\",\"door\":\"front\"}'"

# ---- the desk role ----
cp "$T/jar" "$T/jar.admin"; ADMIN_CSRF=$CSRF
web_login desk1 'desk password'
check "desk: problems" test "$(api GET /problems)" = 200
check "desk: no backup problem" json_true "not [p for p in v['problems'] if p['code'].startswith('backup')]"
check "desk: no backups (403)" test "$(api GET /backups)" = 403
cp "$T/jar.admin" "$T/jar"; CSRF=$ADMIN_CSRF

# ---- backups ----
check "POST /backups: 201" test "$(api POST /backups '{}')" = 201
name=$(json_get "v['name']")
check "named as a snapshot" sh -c "echo '$name' | grep -qE '^seuil-[0-9]{8}-[0-9]{6}\\.db$'"
check "the snapshot is 0640, the keys beside it 0600" sh -c "[ \$(stat -c %a '$T/backups/$name') = 640 ] && [ \$(stat -c %a '$T/backups/uid.key') = 600 ] && [ \$(stat -c %a '$T/backups/credentials.key') = 600 ]"
check "GET /backups: 200" test "$(api GET /backups)" = 200
check "it is listed, with the last backup ok; the keys are not" json_true \
	"[s['name'] for s in v['snapshots']] == ['$name'] and v['last']['ok'] and v['keep'] == 3"
code=$(curl -s -b "$T/jar" -D "$T/h" -o "$T/dl.db" -w '%{http_code}' "$WEB_URL/api/v1/backups/$name")
check "download: 200, the snapshot's bytes" sh -c "[ $code = 200 ] && cmp -s '$T/dl.db' '$T/backups/$name'"
check "download: an attachment named as the snapshot" grep -qi "^content-disposition: attachment; filename=\"$name\"" "$T/h"
check "the download is a sound seuil database" sh -c "[ \"\$(sqlite3 '$T/dl.db' 'PRAGMA integrity_check')\" = ok ] && sqlite3 '$T/dl.db' 'select name from members' | grep -q carol"
check "the key: 404" test "$(api GET /backups/uid.key)" = 404
check "the credentials key: 404" test "$(api GET /backups/credentials.key)" = 404
check "another name: 404" test "$(api GET /backups/seuil-x.db)" = 404
check "a path: 404" test "$(api GET /backups/..%2Fseuil.db)" = 404
ln -s "$T/seuil.db" "$T/backups/seuil-20200101-000000.db"
check "a link named as a snapshot: 404, not followed" test "$(api GET /backups/seuil-20200101-000000.db)" = 404
api GET /backups >/dev/null
check "and not listed" json_true "'seuil-20200101-000000.db' not in [s['name'] for s in v['snapshots']]"
api GET /problems >/dev/null
check "a fresh backup: no backup problem" json_true "not [p for p in v['problems'] if p['code'].startswith('backup')]"

# ---- an import that creates its groups ----
printf 'name;groups;public\nyann;makers;oui\nzoe;"makers,night";non\n' >"$T/g.csv"
check "an import naming missing groups: 400" test "$(api POST /import?dry_run=1 "$(cat "$T/g.csv")")" = 400
check "every missing group listed" json_true "v['args']['missing_groups'] == ['makers', 'night'] and all(e['field'] == 'groups' for e in v['args']['errors'])"
check "with create_groups, the preview says which it adds" test "$(api POST '/import?dry_run=1&create_groups=1' "$(cat "$T/g.csv")")" = 200
check "new_groups in the preview" json_true "v['new_groups'] == ['makers', 'night'] and v['added'] == ['yann', 'zoe']"
check "applied: 200" test "$(api POST '/import?create_groups=1' "$(cat "$T/g.csv")")" = 200
check "seuild added the groups with the members" json_true "v['counts']['groups_added'] == 2 and v['counts']['added'] == 2"
check "zoe is in both" test "$(sqlite3 "$T/seuil.db" "select count(*) from member_groups mg join members m on m.id = mg.member_id where m.name = 'zoe'")" = 2
check "each group added with its admin_change, by the console user" test \
	"$(sqlite3 "$T/seuil.db" "select count(*) from events where type = 'admin_change' and detail like 'group add %' and actor like 'web:camille via %'")" = 2

# ---- seuild down ----
stop_seuild
api GET /problems >/dev/null
check "seuild stopped: said first" json_true "v['problems'][0]['code'] == 'seuild_down'"
check "a backup while it is stopped: 503" test "$(api POST /backups '{}')" = 503
check "said as seuild_down" json_true "v['code'] == 'seuild_down'"
true
