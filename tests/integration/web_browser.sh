#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console in a real browser: playwright-core (tests/browser, npm ci by
# the Makefile) drives Debian's chromium through tests/browser/console.mjs:
# every view in English and French at 1280x800 and 360x740 (on the phone no
# page wider than the screen), a member added with a group picked and
# edited from their page, "elodie" finding "Élodie", a badge enrolled by a
# tap at the sim desk reader, a schedule set with the editor and drawn
# right, Why not? rule by rule with its next steps, a log filtered, the
# attendance download carrying the period shown, insight, an import with
# four errors reporting all four, a ';' file imported with its missing
# group, a backup made and downloaded, an unsynced clock on Today with its
# next step (tests/fakes/clock_sync.c), a failed call in words (seuild
# stopped), hostile names shown as text, a secure enrolment (Badges, a
# member's page, the desk's card) sending "secure": true and wording
# seuild's refusal at the sim desk reader.
# SHOTS=DIR also saves a screenshot of each view (docs/img/).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

if [ ! -x /usr/bin/chromium ]; then echo "skip browser tests: /usr/bin/chromium is not installed"; exit 0; fi
if [ ! -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	echo "skip browser tests: playwright-core not installed (make test-bins runs npm ci in tests/browser)"; exit 0
fi
# One build only: the page is the same, and chromium under load is slow.
if ldd "$SEUILD" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip browser tests (run once, in the plain build's pass)"; exit 0
fi

mkdir -p "$T/backups"
write_web_config <<CONF

[backup]
dir = $T/backups
keep = 5
CONF
# Three failures lock a reader: the Why not? view shows the lockout step.
sed -i 's/^lockout_failures = 32$/lockout_failures = 3\nlockout_time = 10m/' "$T/seuild.conf"
sed -i 's/^unsynced_clock = ignore$/unsynced_clock = members_only/' "$T/seuild.conf"
fake_clock synced
ctl init >/dev/null && ctl group add staff >/dev/null && ctl schedule set staff "Mon-Fri 08:00-19:00, Sat 10:00-14:00" >/dev/null &&
	ctl group add open >/dev/null &&
	ctl member add '<img src=x onerror=alert(1)>' >/dev/null && ctl member add yves >/dev/null && ctl member disable yves >/dev/null &&
	ctl member add 'Élodie' --display 'Élodie Martin' --group staff >/dev/null && ctl badge add 'Élodie' 04E10D1E >/dev/null &&
	ctl member add bob --display Bob >/dev/null || { not_ok "setup"; exit 1; }
# Twelve weeks of visits for the reports: Élodie most days, bob drifting away.
python3 - "$T/seuil.db" <<'PY' || { not_ok "visits"; exit 1; }
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
ids = dict(db.execute("select name, id from members"))
day = 86400000
now = int(time.time() * 1000) // day * day
for d in range(1, 120):
    t = now - d * day + 8 * 3600000
    if d % 7 not in (2, 3):
        db.execute("insert into visits(member_id, door, arrived_ts, left_ts, left_reason, last_seen_ts) values (?, 'front', ?, ?, 'badge_out', ?)",
                   (ids["Élodie"], t, t + 7 * 3600000, t + 7 * 3600000))
    if d > 30 and d % 3 == 0:
        db.execute("insert into visits(member_id, door, arrived_ts, left_ts, left_reason, last_seen_ts) values (?, 'front', ?, ?, 'badge_out', ?)",
                   (ids["bob"], t + 3600000, t + 5 * 3600000, t + 5 * 3600000))
db.commit()
PY
add_web_user camille 'correct horse' admin
add_web_user desk1 'desk password' desk	# console.mjs's desk account
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }

coproc BROWSER { node "$TOP/tests/browser/console.mjs" "$WEB_URL" camille 'correct horse' "$T" ${SHOTS:+"$SHOTS"} 2>&1; }
bpid=$BROWSER_PID
PIDS+=("$bpid")	# a coprocess: cleanup ends it and the browser as if spawned
answer() { echo >&"${BROWSER[1]}"; }
while IFS= read -r line <&"${BROWSER[0]}"; do
	case $line in
	"tap desk") tap desk 04D00D1E; answer ;;
	"tap door") tap front-in 04D00D1E; answer ;;
	"lock reader")
		for i in 1 2 3; do tap front-out 0499999$i; sleep 0.2; done
		wait_until 10 status_has '"name":"front-out"[^}]*"locked_out":true'
		answer ;;
	"clock unsynced") fake_clock unsynced; answer ;;
	"clock synced") fake_clock synced; answer ;;
	"stop seuild") stop_seuild; answer ;;
	"start seuild") start_seuild; answer ;;
	*) echo "$line" ;;
	esac
done
wait "$bpid"
