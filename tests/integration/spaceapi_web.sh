#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# SpaceAPI from seuil-web for the LAN: GET /spaceapi.json needs no session,
# carries Access-Control-Allow-Origin: *, holds v15's required fields
# filled from [spaceapi] and the count of people present (never a name);
# with open_from = office_hours, state.open follows seuild's doors, and is
# left out when seuild does not answer.  Nothing else of the console opens
# without a session.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config <<'CONF'

[spaceapi]
space = Lab Test
logo = https://lab.example/logo.png
url = https://lab.example/
contact_email = door@lab.example
contact_matrix = #lab:matrix.example
address = 1 rue de la Porte, Paris
lat = 48.8566
lon = 2.3522
icon_open = https://lab.example/open.png
icon_closed = https://lab.example/closed.png
CONF
ctl init >/dev/null && ctl member add alice --display Alice --public >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null || { not_ok "setup"; exit 1; }
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }
tap front-in 04A1B2C3; tap front-in -
wait_until 10 open_visits_is 1

fetch() { curl -s -D "$T/headers" -o "$T/space.json" -w '%{http_code}' "$WEB_URL/spaceapi.json"; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/space.json" "$1"; }
check "GET /spaceapi.json without a session: 200" test "$(fetch)" = 200
check "Access-Control-Allow-Origin: *" grep -qi '^access-control-allow-origin: \*' "$T/headers"
check "application/json" grep -qi '^content-type: application/json' "$T/headers"
check "v15: api_compatibility holds 15, space, logo, url strings, contact an object" \
	test "$(field "'15' in v['api_compatibility'] and all(isinstance(v[k], str) for k in ('space', 'logo', 'url')) and isinstance(v['contact'], dict)")" = True
check "filled from [spaceapi]" test "$(field "(v['space'], v['url'], v['contact']['email'], v['contact']['matrix'], v['location']['lat'], v['location']['lon'], v['location']['address'], v['state']['icon']['closed'])")" = \
	"('Lab Test', 'https://lab.example/', 'door@lab.example', '#lab:matrix.example', 48.8566, 2.3522, '1 rue de la Porte, Paris', 'https://lab.example/closed.png')"
check "open, with one person present, as a count" test "$(field "(v['state']['open'], v['sensors']['people_now_present'])")" = "(True, [{'value': 1}])"
check "never a name, even a public one" sh -c "! grep -q Alice '$T/space.json'"
check "no other path opens without a session" test "$(curl -s -o /dev/null -w '%{http_code}' "$WEB_URL/api/v1/who")" = 401

stop_web
sed -i 's/^\[spaceapi\]$/[spaceapi]\nopen_from = office_hours\npeople = false/' "$T/seuild.conf"
start_web || { not_ok "seuil-web restarts"; exit 1; }
fetch >/dev/null
check "open_from = office_hours: closed while no door is in office hours" test "$(field "v['state']['open']")" = False
check "people = false: no count" test "$(field "'sensors' in v")" = False
stop_seuild
fetch >/dev/null
check "seuild stopped: state.open left out (not known), the document still valid" \
	test "$(field "('open' in v['state'], isinstance(v['contact'], dict))")" = "(False, True)"
