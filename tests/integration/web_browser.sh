#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console in a real browser: playwright-core (tests/browser, npm ci by
# the Makefile) drives Debian's chromium: log in, add a member, enrol a badge
# by tapping the sim desk reader, see the member in Today after a tap at the
# door, the Why not? view rule by rule (a reader locked out by failed taps
# included), member names in the log, download a report, import a CSV, a
# hostile name shown as text.
# SHOTS=DIR also saves a screenshot of each view (docs/img/).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

if [ ! -x /usr/bin/chromium ]; then echo "skip browser tests: /usr/bin/chromium is not installed"; exit 0; fi
if [ ! -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	echo "skip browser tests: playwright-core not installed (make test-bins runs npm ci in tests/browser)"; exit 0
fi

write_web_config </dev/null
# Three failures lock a reader: the Why not? view shows the lockout step.
sed -i 's/^lockout_failures = 32$/lockout_failures = 3\nlockout_time = 10m/' "$T/seuild.conf"
ctl init >/dev/null && ctl group add staff >/dev/null && ctl schedule set staff "Mon-Fri 08:00-19:00, Sat 10:00-14:00" >/dev/null && ctl member add '<img src=x onerror=alert(1)>' >/dev/null && ctl member add yves >/dev/null && ctl member disable yves >/dev/null || { not_ok "setup"; exit 1; }
add_web_user camille 'correct horse' admin
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }

coproc BROWSER { node "$TOP/tests/browser/console.mjs" "$WEB_URL" camille 'correct horse' "$T" ${SHOTS:+"$SHOTS"} 2>&1; }
bpid=$BROWSER_PID
PIDS+=("$bpid")	# a coprocess: cleanup ends it and the browser as if spawned
while IFS= read -r line <&"${BROWSER[0]}"; do
	case $line in
	"tap desk") tap desk 04D00D1E; echo >&"${BROWSER[1]}" ;;
	"tap door") tap front-in 04D00D1E; echo >&"${BROWSER[1]}" ;;
	"lock reader")
		for i in 1 2 3; do tap front-out 0499999$i; sleep 0.2; done
		wait_until 10 status_has '"name":"front-out"[^}]*"locked_out":true'
		echo >&"${BROWSER[1]}" ;;
	*) echo "$line" ;;
	esac
done
wait "$bpid"
