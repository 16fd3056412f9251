#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console of a site's primary in a real browser (tests/browser/site.mjs):
# the System view shows the primary's part and the replica hall, online,
# its copy current and its journal caught up, in English and French.
. "$(dirname "$0")/../lib.sh"

if [ ! -x /usr/bin/chromium ]; then echo "skip browser tests: /usr/bin/chromium is not installed"; exit 0; fi
if [ ! -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	echo "skip browser tests: playwright-core not installed (make test-bins runs npm ci in tests/browser)"; exit 0
fi

WEB_PORT=$(free_port)
start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" <<CONF

[web]
listen = 127.0.0.1:$WEB_PORT
CONF
site_node hall replica "$(relay_port hall)" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice >/dev/null && nctl main badge add alice 04A1B2C3 >/dev/null &&
	printf '%s\n' 'correct horse' | nctl main web user add camille --role admin >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
SEUIL_WEB_PAGE=$TOP/web/page spawn "$BUILD/seuil-web" -d -v -f "$T/main/seuild.conf" >>"$T/web.log" 2>&1
wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$WEB_PORT/" || { not_ok "seuil-web starts"; sed 's/^/#   /' "$T/web.log"; exit 1; }
check "the replica's copy is the primary's" wait_until 10 same_digest main hall
check "a tap at hall (for its journal)" node_decides hall 04A1B2C3 granted
spawn node "$TOP/tests/browser/site.mjs" "http://127.0.0.1:$WEB_PORT" camille 'correct horse' >"$T/browser.out" 2>&1
wait "$SPAWN_PID"
cat "$T/browser.out"
