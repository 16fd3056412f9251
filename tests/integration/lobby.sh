#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The lobby screen: its unit tests (node --test), then the built page served
# by mosquitto's own websockets listener (http_dir), and the page's MQTT code
# run by node through MQTT.js over ws:// against seuild on sim hardware, with
# the example ACL and the "lobby" user, which reads B/presence,
# B/presence/count, B/presence/events, B/status and B/lobby only (the
# welcome line comes from B/presence/events; the space's title, message,
# logo and colours and the clock's sync from B/lobby): in French, newest
# arrival first, a nameless welcome, the configured logo, the clock's
# notice (tests/fakes/clock_sync.c).  Needs node and `make lobby` (npm ci +
# build): without them this test fails, it does not skip.
. "$(dirname "$0")/../lib.sh"

LOBBY=$TOP/lobby
DIST=$LOBBY/dist
B=seuil/test

if ! command -v node >/dev/null; then
	not_ok "node is installed (scripts/deps.sh installs nodejs and npm)"; exit 1
fi
if [ ! -f "$DIST/index.html" ] || [ ! -f "$DIST/mqtt.min.js" ] || [ ! -d "$LOBBY/node_modules/mqtt" ]; then
	not_ok "lobby is built (make lobby: npm ci --prefix lobby && npm run --prefix lobby build)"; exit 1
fi

# 1. Unit tests of the view model, one ok/not ok line each.
node --test --test-reporter=tap "$TOP"/tests/lobby/*.test.mjs >"$T/unit.tap" 2>&1
unit_rc=$?
sed -n -e 's/^ok [0-9]* - /ok lobby unit: /p' -e 's/^not ok [0-9]* - /not ok lobby unit: /p' "$T/unit.tap"
if [ "$unit_rc" -ne 0 ]; then
	not_ok "lobby unit tests pass (node --test exited $unit_rc)"
	grep -E '^ +(error|expected|actual|at )' "$T/unit.tap" | head -20 | sed 's/^/# /'
fi

# 2. A broker with the example ACL, passwords, and a websockets listener
# that serves the built page.  mosquitto 2.0.11 binds a websockets listener
# to an interface name ("lo"); an IP address there is ignored (all addresses).
WS_PORT=$(free_port)
sed -e "s|seuil/lab|$B|g" -e "s|seuil_lab|seuil_test|g" "$TOP/config/mosquitto.acl.example" >"$T/acl"
mosquitto_passwd -c -b "$T/passwd" seuild seuild-pw 2>/dev/null
mosquitto_passwd -b "$T/passwd" lobby lobby-pw 2>/dev/null
printf '%s\n' seuild-pw >"$T/seuild.pw"
start_broker <<CONF || { not_ok "broker starts with a websockets listener"; sed 's/^/# /' "$T/mosquitto.log"; exit 1; }
user root
password_file $T/passwd
acl_file $T/acl
listener $WS_PORT lo
protocol websockets
http_dir $DIST
CONF
PAGE=http://127.0.0.1:$WS_PORT/

# fetch PATH FILE: the broker serves PATH with exactly the bytes of FILE.
fetch() {
	python3 - "$PAGE${1#/}" "$2" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read()
sys.exit(body != open(sys.argv[2], "rb").read())
PY
}
check "page served by mosquitto (/)" wait_until 10 fetch / "$DIST/index.html"
check "page served with a query string" fetch "/?base=$B&user=lobby&title=Lab" "$DIST/index.html"
for f in mqtt.min.js presence.js live.js lobby.js lobby.css; do
	check "$f served" fetch "/$f" "$DIST/$f"
done
check "the page loads mqtt.min.js before its own scripts" python3 - "$DIST/index.html" <<'PY'
import re, sys
srcs = re.findall(r'<script src="([^"]+)"', open(sys.argv[1]).read())
sys.exit(srcs != ["mqtt.min.js", "presence.js", "live.js", "lobby.js"])
PY
check "nothing outside http_dir" sh -c "! python3 -c 'import urllib.request; urllib.request.urlopen(\"${PAGE}../acl\", timeout=5)' 2>/dev/null"

# 3. seuild on sim hardware, logging in as seuild, with the space's own
# [lobby] (a small PNG as the logo).
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89' >"$T/logo.png"
fake_clock synced
write_config <<CONF

[lobby]
title = La Ruche
message = Café au 2e étage
logo = $T/logo.png
colour_background = #102030
colour_text = #fff
CONF
python3 - "$T/seuild.conf" "$BROKER_PORT" "$T/seuild.pw" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", """[mqtt]
host = 127.0.0.1
port = %s
keepalive = 5s
username = seuild
password_file = %s
""" % (sys.argv[2], sys.argv[3]))
open(p, "w").write(s)
PY
ctl init >/dev/null
ctl member add alice --display "Alice A." --public >/dev/null
ctl member add bob --display "Bobby" --anonymous >/dev/null
ctl member add carol --display "Carole" --public >/dev/null
ctl badge add alice 04A1B2C3 >/dev/null
ctl badge add bob 04B0B0B0 >/dev/null
ctl badge add carol 04CA401A >/dev/null

# watch NAME QUERY: a headless lobby screen, views in $T/NAME.jsonl, its
# pid in WATCH[NAME].
declare -A WATCH
watch() {
	spawn node "$TOP/tests/lobby/watch.mjs" "$2" "$PAGE" >"$T/$1.jsonl" 2>"$T/$1.err"
	WATCH[$1]=$SPAWN_PID
}
# view NAME PYEXPR: the latest view of NAME satisfies PYEXPR (v is the view).
view() {
	python3 - "$T/$1.jsonl" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
v = json.loads(lines[-1]) if lines else None
sys.exit(not (v is not None and eval(sys.argv[2])))
PY
}
# expect TEST NAME PYEXPR: wait (20 s at most) for a view; show the last one if not.
expect() {
	if wait_until 20 view "$2" "$3"; then ok "$1"; else
		not_ok "$1"; diag "last view of $2: $(tail -n 1 "$T/$2.jsonl")"
		sed 's/^/# /' "$T/$2.err" | head -5
	fi
}
LOGIN="?base=$B&user=lobby&password=lobby-pw&title=Test%20Lab"

watch early "$LOGIN"
expect "lobby connects before seuild: waiting for the door system" early \
	"v['state'] == 'waiting' and v['count'] is None and v['title'] == 'Test Lab' and v['notice'].startswith('waiting')"
# The lobby login listening on the full event stream: the ACL keeps it empty.
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u lobby -P lobby-pw -t "$B/events" >"$T/lobby-events.txt" 2>/dev/null
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u lobby -P lobby-pw -t "$B/presence/events" >"$T/lobby-presence-events.txt" 2>/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
expect "seuild online: nobody here" early \
	"v['state'] == 'live' and v['count'] == 0 and v['countLabel'] == 'nobody here right now'"

expect "the space's own from B/lobby: title, message, logo, colours" early \
	"v['title'] == 'Test Lab' and v['message'] == 'Café au 2e étage' and v['logo'].startswith('data:image/png;base64,iVBORw0KGgo') and v['colours'] == {'background': '#102030', 'text': '#fff'} and v['clock'] == ''"
watch notitle "?base=$B&user=lobby&password=lobby-pw"
expect "without ?title=, the title is [lobby] title" notitle "v['title'] == 'La Ruche'"
watch french "?base=$B&user=lobby&password=lobby-pw&lang=fr-FR"
expect "in French with ?lang=fr-FR" french "v['lang'] == 'fr' and v['countLabel'] == 'personne pour le moment'"

tap front-in 04A1B2C3
expect "a named arrival: welcomed by name" early "v['welcome'] == 'Welcome, Alice A.!'"
tap front-in 04B0B0B0
expect "public and anonymous tap: count 2, one name, + 1 other, a nameless welcome" early \
	"v['count'] == 2 and [p['name'] for p in v['people']] == ['Alice A.'] and v['others'] == '+ 1 other' and v['welcome'] == 'Welcome!'"
check "arrival time shown in local time" view early \
	"__import__('re').fullmatch(r'since \d\d:\d\d', v['people'][0]['since'])"
sleep 1.1	# a later arrival, by the second
tap front-in 04CA401A
expect "names newest arrival first" early "[p['name'] for p in v['people']] == ['Carole', 'Alice A.']"
expect "the same in French: newest first, welcomed by name" french \
	"[p['name'] for p in v['people']] == ['Carole', 'Alice A.'] and v['welcome'] == 'Bienvenue, Carole\u00a0!' and v['countLabel'] == 'personnes présentes' and v['others'] == '+ 1 autre' and v['people'][0]['since'].startswith('depuis ')"
fake_clock unsynced
expect "the clock unsynced: said on the screen" early "'clock is not set' in v['clock']"
expect "and in French" french "'horloge du système de porte' in v['clock']"
fake_clock synced
expect "the clock synced again: the notice goes" early "v['clock'] == ''"
# A logo seuild cannot use: left out, said in its log; the doors go on.
echo 'not an image' >"$T/notes.txt"
sed -i "s|^logo = .*|logo = $T/notes.txt|" "$T/seuild.conf"
kill -HUP "$SEUILD_PID"
expect "a file that is no image: the screens show no logo" early "v['logo'] is None and v['title'] == 'Test Lab'"
check "and seuild says why, and runs on" sh -c "grep -q 'notes.txt: not a PNG, JPEG, GIF, WebP or SVG image: the lobby shows no logo' '$T/seuild.log' && kill -0 $SEUILD_PID"

watch late "$LOGIN"
expect "a screen started later gets the retained presence and the space's own" late \
	"v['state'] == 'live' and v['count'] == 3 and [p['name'] for p in v['people']] == ['Carole', 'Alice A.'] and v['others'] == '+ 1 other' and v['message'] == 'Café au 2e étage'"

watch wrongpw "?base=$B&user=lobby&password=nope"
expect "wrong password: refused, said on screen" wrongpw \
	"v['state'] == 'refused' and 'refused' in v['notice'] and v['count'] is None"

tap front-in 04DEAD00
wait_until 5 has_event access_denied
sleep 1
check "the lobby user may not read door states (example ACL)" sh -c \
	"! mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -u lobby -P lobby-pw -t '$B/door/#' -C 1 -W 2 2>/dev/null | grep -q ."
check "the lobby user received nothing on the full event stream (example ACL)" \
	test ! -s "$T/lobby-events.txt"
check "the lobby user received arrivals on B/presence/events" \
	grep -q '"type":"arrival"' "$T/lobby-presence-events.txt"
check "a denial changes nothing on screen" view early \
	"v['count'] == 3 and v['welcome'] in ('Welcome, Carole!', '')"

# The broker restarts: the screen says so, then comes back by itself.
stop_broker
expect "broker gone: reconnecting, last known numbers kept" early \
	"v['state'] == 'reconnecting' and v['notice'].startswith('reconnecting') and 'last known' in v['notice'] and v['count'] == 3"
start_broker <<CONF || { not_ok "broker restarts"; exit 1; }
user root
password_file $T/passwd
acl_file $T/acl
listener $WS_PORT lo
protocol websockets
http_dir $DIST
CONF
expect "broker back: live again with seuild's republished presence" early \
	"v['state'] == 'live' and v['count'] == 3 and v['notice'] == ''"

stop_seuild
expect "seuild stopped: door system offline, last known count kept" early \
	"v['state'] == 'offline' and __import__('re').fullmatch(r'door system offline, last known: \d\d:\d\d', v['notice']) and v['count'] == 3"

stop_spawned "${WATCH[@]}"
check "no screen ever named the anonymous member" sh -c "! grep -qi -e bob -e Bobby '$T'/*.jsonl"
check "no screen ever showed a denial or its reason" sh -c "! grep -qi -e denied -e unknown_badge '$T'/*.jsonl"
check "headless screens logged no errors" sh -c "! grep -v '^$' '$T'/early.err '$T'/late.err | grep -q ."
true
