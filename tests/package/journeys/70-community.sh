# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# The community at the door, as installed: [guests], [spaceapi] and Home
# Assistant set in /etc/seuil/seuild.conf, seuild reloaded by its unit and
# seuil-web restarted; a guest's pass and its loaner badge from the pool
# tapped at the door (logged with the sponsor, never named on the broker),
# ended at the console's desk route, the loaner back in the pool; a member
# invited by seuilctl who signs in to the console with the code, sets a
# password and opts out of the lobby, which an admin's import leaves; the
# member's 403 outside their own page; /spaceapi.json from seuil-web for
# the LAN; Home Assistant's discovery, its birth message and the door's
# event entity through the example broker's ACL, with its own login.
#
# Runs after journey_console (its account, certificate and api helper) and
# setup_broker (the logins and remote_unlock = true).

COMMUNITY_GUEST_UID=04C1C1C1
COMMUNITY_MEMBER_PW='a long passphrase'

# mapi METHOD PATH [BODY]: the console as the member alice (her own jar
# and CSRF token); the body in $WEB_OUT, the status printed.
MEMBER_JAR='' MEMBER_CSRF=''
mapi() {
	local m=$1 p=$2
	local -a a=(-s -o "$WEB_OUT" -w '%{http_code}' -b "$MEMBER_JAR" -c "$MEMBER_JAR" -X "$m"
	    --cacert "$R/etc/seuil/web.crt" --resolve "$WEB_HOST:8443:127.0.0.1"
	    -H "X-CSRF-Token: ${MEMBER_CSRF:-}")
	[ $# -lt 3 ] || a+=(--data-binary "$3" -H 'Content-Type: application/json')
	curl "${a[@]}" "$WEB_URL/api/v1$p"
}
# member_login JSON: POST /login as the member, keeping the CSRF token.
member_login() {
	local got
	got=$(curl -s -c "$MEMBER_JAR" -o "$WEB_OUT" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --cacert "$R/etc/seuil/web.crt" \
	    --resolve "$WEB_HOST:8443:127.0.0.1" --data "$1" "$WEB_URL/api/v1/login")
	[ "$got" = 200 ] || { diag "login: HTTP $got: $(head -c 200 "$WEB_OUT")"; return 1; }
	MEMBER_CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$WEB_OUT")
}

# ha_sub FILE TOPIC COUNT SECONDS: Home Assistant's login, in the
# background (its pid in HA_PID), -v lines in FILE.
HA_PID=
ha_sub() {
	inroot mosquitto_sub -h localhost -u homeassistant -P "$MQTT_PW_HA" -v \
	    -t "$2" -C "$3" -W "$4" >"$1" 2>"$1.err" &
	HA_PID=$!
}
# ha_configs_hold FILE: the discovery configs Home Assistant got (the
# last of each topic) hold the keys its documentation requires of their
# component, and there are a lock, the door, an event entity and triggers.
ha_configs_hold() {
	python3 - "$1" <<'PY'
import json, sys
need = {
    "lock": ["command_topic", "state_topic", "unique_id", "availability_topic", "device"],
    "binary_sensor": ["state_topic", "unique_id", "availability_topic", "device"],
    "sensor": ["state_topic", "unique_id", "availability_topic", "device"],
    "event": ["state_topic", "event_types", "unique_id", "availability_topic", "device"],
    "device_automation": ["automation_type", "topic", "type", "subtype", "device"],
}
last = {}
for line in open(sys.argv[1]):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if topic.endswith("/config"):
        last[topic] = payload
seen, bad = set(), []
for topic, payload in last.items():
    if not payload:
        continue
    comp = topic.split("/")[1]
    seen.add(comp)
    v = json.loads(payload)
    missing = [k for k in need.get(comp, ["?"]) if k not in v]
    if missing or not v["device"].get("identifiers"):
        bad.append("%s: %s" % (topic, missing))
for want in ("homeassistant/lock/seuil_lab/door_front/config",
             "homeassistant/binary_sensor/seuil_lab/door_front/config",
             "homeassistant/event/seuil_lab/door_front/config",
             "homeassistant/device_automation/seuil_lab/door_front_access_granted/config"):
    if not last.get(want):
        bad.append("no " + want)
ev = json.loads(last.get("homeassistant/event/seuil_lab/door_front/config", "{}"))
if "access_granted" not in ev.get("event_types", []):
    bad.append("event_types: %s" % ev.get("event_types"))
for b in bad:
    print("#   " + b)
sys.exit(bool(bad))
PY
}

reloads() { count_lines "configuration reloaded" "$R/var/log/seuil-test/seuild.service.log"; }
reloads_gt() { [ "$(reloads)" -gt "$1" ]; }

setup_community() {
	conf_set guests sponsor_groups staff
	conf_set spaceapi space 'Lab Test'
	conf_set spaceapi logo https://lab.example/logo.png
	conf_set spaceapi url https://lab.example/
	conf_set spaceapi contact_email door@lab.example
	conf_set spaceapi lat 48.8566
	conf_set spaceapi lon 2.3522
	conf_set spaceapi address '1 rue de la Porte, Paris'
	conf_set mqtt homeassistant true
	check_out "seuild -n with [guests] and [spaceapi]" "$R/run/seuil-test/seuild-n3.log" \
	    sh -c "chroot '$R' seuild -n | grep -qx 'configuration OK'"
	local n
	n=$(reloads)
	check_out "systemctl reload seuild" "$R/run/seuil-test/reload-community.log" unit reload seuild
	check "seuild takes the reload (its log says so)" wait_until 10 reloads_gt "$n"
	check_out "systemctl restart seuil-web" "$R/run/seuil-test/web-restart.log" unit restart seuil-web
	wait_until 10 curl -sf -o /dev/null --cacert "$R/etc/seuil/web.crt" \
	    --resolve "$WEB_HOST:8443:127.0.0.1" "$WEB_URL/" || diag "seuil-web did not answer after its restart"
	# The admin's session did not survive seuil-web's restart.
	curl -s -c "$WEB_JAR" -o "$WEB_OUT" -X POST -H 'Content-Type: application/json' \
	    --cacert "$R/etc/seuil/web.crt" --resolve "$WEB_HOST:8443:127.0.0.1" \
	    --data "{\"user\":\"$WEB_ADMIN\",\"password\":\"$WEB_PW\"}" "$WEB_URL/api/v1/login" >/dev/null
	WEB_CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$WEB_OUT" 2>/dev/null)
	[ -n "$WEB_CSRF" ] || diag "the admin's login again: $(head -c 200 "$WEB_OUT")"
	return 0
}

journey_guest() {
	local until n alice g ev=$R/run/seuil-test/ha-event.txt pres=$R/run/seuil-test/presence.txt
	check_out "seuilctl guest pool add - --label G1 (a UID on standard input)" "$R/run/seuil-test/pool.log" \
	    sh -c "printf '%s\n' $COMMUNITY_GUEST_UID | chroot '$R' seuilctl guest pool add - --label G1"
	until=$(chroot "$R" date -d '+2 hours' +%Y-%m-%dT%H:%M)
	check_out "seuilctl guest add Ada --sponsor alice --until $until --badge G1" "$R/run/seuil-test/guest.log" \
	    inroot seuilctl guest add Ada --sponsor alice --until "$until" --badge G1
	g=$(rsql "select id from guests where name = 'Ada'")
	alice=$(rsql "select id from members where name = 'alice'")
	check "the console's desk route lists the pass (GET /guests)" guests_list_has Ada

	# The root's clock is never synced by NTP, and the example's
	# unsynced_clock = members_only lets in only members without dates: a
	# pass has an end, so the guest is refused until the clock is trusted.
	tap front-in "$COMMUNITY_GUEST_UID"; tap front-in -
	check "unsynced_clock = members_only (the example's), the clock unsynced: the guest is refused" \
	    wait_until 10 events_ge "type = 'access_denied' and reason = 'clock_unsynced' and guest_id = $g" 1
	conf_set security unsynced_clock ignore
	n=$(reloads)
	unit reload seuild >/dev/null 2>&1
	wait_until 10 reloads_gt "$n" || diag "seuild did not reload with unsynced_clock = ignore"

	# Home Assistant's event entity and the lobby's presence, as the tap
	# happens.
	ha_sub "$ev" seuil/lab/door/front/event 2 15
	local evpid=$HA_PID
	# The door's event is not retained: the subscription must be in
	# place before the tap.
	sleep 1
	n=$(relay_lines)
	tap front-in "$COMMUNITY_GUEST_UID"; tap front-in -
	check "the guest's loaner badge opens the door" wait_until 10 relay_lines_gt "$n"
	check "access_granted logged with the guest and her sponsor (via)" wait_until 5 events_ge \
	    "type = 'access_granted' and guest_id = $g and via = $alice" 1
	check "seuilctl log shows the guest and via=alice" sh -c \
	    "chroot '$R' seuilctl log --type access_granted | grep -q 'guest=$g via=alice'"
	wait "$evpid"
	check "Home Assistant (its login, the ACL) gets the door's event: access_granted" \
	    grep -q '^seuil/lab/door/front/event .*"event_type":"access_granted"' "$ev"
	check "... naming nobody" sh -c "! grep -q -e Ada -e '\"name\"' '$ev'"
	inroot mosquitto_sub -h localhost -u lobby -P "$MQTT_PW_LOBBY" -C 1 -W 5 -t seuil/lab/presence >"$pres" 2>/dev/null
	check "the lobby's presence counts the guest, never names her" sh -c \
	    "grep -q '\"anonymous\":[1-9]' '$pres' && ! grep -q Ada '$pres'"

	check "the console ends the pass (POST /guests/$g/end)" test "$(api POST "/guests/$g/end" '{}')" = 200
	check "... the loaner is back in the pool" wait_until 5 sh -c \
	    "chroot '$R' seuilctl --json guest pool list | python3 -c 'import json,sys; sys.exit(not [l for l in json.load(sys.stdin) if l[\"label\"] == \"G1\" and l[\"lent_to\"] is None])'"
	n=$(relay_lines)
	tap front-in "$COMMUNITY_GUEST_UID"; tap front-in -
	check "the loaner in the pool opens nothing (not_lent)" wait_until 10 events_ge \
	    "type = 'access_denied' and reason = 'not_lent'" 1
	check "... the relay did not move" relay_lines_is "$n"
}
relay_lines_is() { [ "$(relay_lines)" = "$1" ]; }
logins_ok_ge() {
	[ "$(mapi GET /me/logins)" = 200 ] || return 1
	json "$WEB_OUT" "sum(1 for l in v if l['ok']) >= $1"
}
guests_list_has() {
	[ "$(api GET /guests)" = 200 ] || { diag "GET /guests: $(head -c 200 "$WEB_OUT")"; return 1; }
	json "$WEB_OUT" "any(x['name'] == '$1' for x in v)"
}

journey_member_console() {
	local code
	MEMBER_JAR=$R/run/seuil-test/member.jar
	code=$(chroot "$R" seuilctl --json member invite alice |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>/dev/null)
	check "seuilctl member invite alice: a code" test -n "$code"
	check "alice signs in to the console with the code" member_login "{\"user\":\"alice\",\"code\":\"$code\"}"
	check "... as a member who must set a password" json "$WEB_OUT" "v['role'] == 'member' and v['must_set_password'] is True"
	check "... and sets one at once" test "$(mapi POST /me/password "{\"password\":\"$COMMUNITY_MEMBER_PW\"}")" = 200
	check "the used code fails" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --cacert '$R/etc/seuil/web.crt' --resolve '$WEB_HOST:8443:127.0.0.1' --data '{\"user\":\"alice\",\"code\":\"$code\"}' '$WEB_URL/api/v1/login')\" = 401 ]"
	check "alice signs in with her password" member_login "{\"user\":\"alice\",\"password\":\"$COMMUNITY_MEMBER_PW\"}"
	check "her page" test "$(mapi GET /me/profile)" = 200
	check "her logins are listed (the code's and the password's)" wait_until 5 logins_ok_ge 2
	check "a member's 403 on the admin's routes (GET /members)" test "$(mapi GET /members)" = 403
	check "... and the desk's (GET /who)" test "$(mapi GET /who)" = 403
	check "she opts out of the lobby" test "$(mapi PUT /me/lobby '{"public":false}')" = 200
	check "... seuild wrote it, as member:$(rsql "select id from members where name = 'alice'")" wait_until 5 events_ge \
	    "type = 'admin_change' and actor like 'member:%' and member_id = (select id from members where name = 'alice')" 1
	check "... her choice in the store" test "$(rsql "select public || '|' || (lobby_chosen is not null) from members where name = 'alice'")" = "0|1"
	api POST '/import' $'name,display_name,public\nalice,Alice Back,yes\n' -H 'Content-Type: text/csv' >/dev/null
	check "an admin's import does not undo it" test "$(rsql "select public || '|' || display_name from members where name = 'alice'")" = "0|Alice"
}

journey_spaceapi() {
	local out=$R/run/seuil-test/spaceapi.json hdr=$R/run/seuil-test/spaceapi.hdr
	check "seuil-web serves /spaceapi.json without a session" sh -c \
	    "[ \"\$(curl -s -D '$hdr' -o '$out' -w '%{http_code}' --cacert '$R/etc/seuil/web.crt' --resolve '$WEB_HOST:8443:127.0.0.1' '$WEB_URL/spaceapi.json')\" = 200 ]"
	check "... with Access-Control-Allow-Origin: *" grep -qi '^access-control-allow-origin: \*' "$hdr"
	check "... v15's required fields, filled from [spaceapi]" json "$out" \
	    "'15' in v['api_compatibility'] and v['space'] == 'Lab Test' and v['logo'] == 'https://lab.example/logo.png' and v['url'] == 'https://lab.example/' and v['contact']['email'] == 'door@lab.example' and v['location']['lat'] == 48.8566"
	check "... people present as a count, no name" sh -c \
	    "python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(not isinstance(v[\"sensors\"][\"people_now_present\"][0][\"value\"], int))' '$out' && ! grep -q -e Alice -e Bob '$out'"
	check "the retained B/spaceapi is the same document's (Home Assistant's login reads it)" sh -c \
	    "chroot '$R' mosquitto_sub -h localhost -u homeassistant -P '$MQTT_PW_HA' -C 1 -W 5 -t seuil/lab/spaceapi | grep -q '\"space\":\"Lab Test\"'"
}

journey_homeassistant() {
	local all=$R/run/seuil-test/ha-discovery.txt again=$R/run/seuil-test/ha-again.txt
	# The retained configs, as Home Assistant subscribes at its start.
	inroot mosquitto_sub -h localhost -u homeassistant -P "$MQTT_PW_HA" -v -t 'homeassistant/#' -W 4 \
	    >"$all" 2>/dev/null
	check "Home Assistant (its login, the example's ACL) reads the discovery: lock, door, event, triggers, each with its component's keys" \
	    ha_configs_hold "$all"
	# Its birth message: seuild announces again.
	ha_sub "$again" homeassistant/lock/seuil_lab/door_front/config 2 15
	local pid=$HA_PID
	sleep 1
	inroot mosquitto_pub -h localhost -u homeassistant -P "$MQTT_PW_HA" -q 1 -t homeassistant/status -m online
	wait "$pid"
	check "homeassistant/status online (its own login may send it): the lock announced again" \
	    test "$(grep -c '^homeassistant/lock/seuil_lab/door_front/config {' "$again")" = 2
}

journey_community() {
	setup_community || return 1
	journey_guest
	journey_member_console
	journey_spaceapi
	journey_homeassistant
}
