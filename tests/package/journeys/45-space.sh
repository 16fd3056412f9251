# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/lobby.md and docs/web.md as installed: the space's own look on the
# lobby screens ([lobby] in the installed configuration, published by
# seuild, retained, on B/lobby, read by the lobby login through the
# example ACL); the console's problems view saying what is wrong now and
# dropping it once fixed; a console backup as installed (seuild writes the
# snapshot in /var/backups/seuil, 0640 group seuil; seuil-web, as its
# unit runs it, lists and downloads it and never the key).

LOBBY_TITLE='La Ruche'
LOBBY_MESSAGE='Café au 2e étage'

# A 1x1 PNG: what seuild checks a logo is (its signature and header).
write_logo() {
	printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\010\006\0\0\0\037\025\304\211' >"$1"
}

# lobby_retained PYEXPR: the retained B/lobby, as the lobby login reads it.
lobby_retained() {
	local f=$R/run/seuil-test/b-lobby.json
	inroot_mqtt_sub -u lobby -P "$MQTT_PW_LOBBY" -W 5 -C 1 -t seuil/lab/lobby >"$f" && json "$f" "$1"
}

# [lobby] set as docs/lobby.md shows, seuild reloaded; the headless lobby
# (the installed page's own scripts, the lobby login, in French) shows
# the space's title, message, logo and colours, with alice by name.
journey_lobby_space() {
	local out=$R/run/seuil-test/lobby-fr.jsonl pid reloads
	write_logo "$R/etc/seuil/logo.png"
	inroot chown root:seuil /etc/seuil/logo.png
	inroot chmod 0640 /etc/seuil/logo.png
	conf_set lobby title "$LOBBY_TITLE"
	conf_set lobby message "$LOBBY_MESSAGE"
	conf_set lobby logo /etc/seuil/logo.png
	conf_set lobby colour_background '#102030'
	conf_set lobby colour_text '#f2f4f7'
	check_out "seuild -n with [lobby]" "$R/run/seuil-test/seuild-n-lobby.log" \
	    sh -c "chroot '$R' seuild -n | grep -qx 'configuration OK'"
	reloads=$(count_lines 'configuration reloaded' "$R/var/log/seuil-test/seuild.service.log")
	check_out "systemctl reload seuild ([lobby])" "$R/run/seuil-test/reload-lobby.log" unit reload seuild.service
	check "seuild read [lobby]" wait_until 10 sh -c \
	    "[ \"\$(grep -c 'configuration reloaded' '$R/var/log/seuil-test/seuild.service.log')\" -gt $reloads ]"
	check "seuild used the logo (nothing about it in its log)" sh -c \
	    "! grep -q 'logo' '$R/var/log/seuil-test/seuild.service.log'"
	check "the lobby login reads B/lobby, retained: the title, the logo as a data URL, the clock's sync" \
	    wait_until 10 lobby_retained "v['title'] == '$LOBBY_TITLE' and v['logo'].startswith('data:image/png;base64,') and v['colour_background'] == '#102030' and v['clock_synced'] in (True, False)"
	check "the doorbot login may not read B/lobby (example ACL)" sh -c \
	    "! chroot '$R' mosquitto_sub -h localhost -u doorbot -P '$MQTT_PW_DOORBOT' -W 3 -C 1 -t seuil/lab/lobby 2>/dev/null | grep -q ."
	# The lobby's password travels in a kiosk URL: it must not be a way to
	# change what the screens show.
	inroot mosquitto_pub -h localhost -u lobby -P "$MQTT_PW_LOBBY" -r -q 1 -t seuil/lab/lobby \
	    -m '{"title":"Hacked"}' >/dev/null 2>&1
	check "the lobby login may not write B/lobby (example ACL)" lobby_retained "v['title'] == '$LOBBY_TITLE'"

	node "$PKGDIR/lobby.mjs" "$LOBBY_URL" "?base=seuil/lab&user=lobby&password=$MQTT_PW_LOBBY&lang=fr" \
	    >"$out" 2>"$out.err" &
	pid=$!
	if wait_until 20 lobby_view "$out" "v['state'] == 'live' and v['lang'] == 'fr' and v['title'] == '$LOBBY_TITLE' and v['message'] == '$LOBBY_MESSAGE' and (v['logo'] or '').startswith('data:image/png;base64,iVBORw0KGgo') and v['colours'] == {'background': '#102030', 'text': '#f2f4f7'} and 'Alice' in [p['name'] for p in v['people']] and v['people'][0]['since'].startswith('depuis ')"; then
		ok "the lobby screen in French: the space's title, message, logo and colours, Alice here"
	else
		not_ok "the lobby screen in French: the space's title, message, logo and colours, Alice here"
		diag "last view: $(tail -n 1 "$out")"; sed 's/^/#   /' "$out.err" | head -5
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	# The root's clock is this machine's kernel's, synced or not: the
	# screen says it is not set exactly when seuild says so on B/lobby.
	if lobby_retained "v['clock_synced'] is False"; then
		check "the clock not set: said on the screen, in French" lobby_view "$out" "'horloge' in v['clock']"
	else
		check "the clock set: nothing said of it on the screen" lobby_view "$out" "v['clock'] == ''"
	fi
}

# problems_has CODE / problems_lacks CODE: GET /problems (as the console
# user) names CODE, or does not.
problems_has() { [ "$(api GET /problems)" = 200 ] && body "'$1' in [p['code'] for p in v['problems']]"; }
problems_lacks() { [ "$(api GET /problems)" = 200 ] && body "'$1' not in [p['code'] for p in v['problems']]"; }
# The root's clock is this machine's kernel's: synced or not, the console
# says what seuild's status says.
clock_agrees() {
	local synced
	synced=$(chroot "$R" seuilctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clock_synced"])')
	diag "the clock as seuild sees it: clock_synced $synced"
	case $synced in
	True) problems_lacks clock_unsynced ;;
	False) problems_has clock_unsynced ;;
	*) return 1 ;;
	esac
}
mqtt_connected() {
	chroot "$R" seuilctl status --json | python3 -c 'import json,sys; sys.exit(not json.load(sys.stdin)["mqtt"]["connected"])'
}

# The problems view as installed: the clock as seuild sees it; the broker
# stopped, said, and gone from the list once it is back.
journey_console_problems() {
	console_step "console: problems (GET /problems)" 200 GET /problems &&
	    check "console: problems are codes with a level and their facts" \
	    body "all(set(p) >= {'code', 'level', 'args'} for p in v['problems'])"
	check "console: the clock said unsynced exactly when seuild says so (status)" clock_agrees
	check "console: the broker is reachable, nothing said of it" problems_lacks broker_unreachable
	check_out "systemctl stop mosquitto" "$R/run/seuil-test/mosquitto-stop.log" unit stop mosquitto
	check "console: the broker stopped, said (broker_unreachable)" wait_until 30 problems_has broker_unreachable
	check_out "systemctl start mosquitto" "$R/run/seuil-test/mosquitto-start.log" unit start mosquitto
	check "seuild logs in to the broker again" wait_until 60 mqtt_connected
	check "console: the broker back, no longer said" wait_until 10 problems_lacks broker_unreachable
}

no_backup_problem() {
	[ "$(api GET /problems)" = 200 ] && body "not [p for p in v['problems'] if p['code'].startswith('backup')]"
}
# download PATH FILE HEADERS: a GET of the API into FILE, its headers in
# HEADERS; prints the status.
download() {
	curl -s -o "$2" -D "$3" -w '%{http_code}' -b "$WEB_JAR" --cacert "$R/etc/seuil/web.crt" \
	    --resolve "$WEB_HOST:8443:127.0.0.1" "$WEB_URL/api/v1$1"
}
web_user_reads() { as_user seuil-web cat "$1" >/dev/null; }

# A backup from the console, as installed: seuild takes it into [backup]
# dir (its unit may write /var/backups/seuil), seuil-web lists and serves
# it and never the keys.
journey_console_backup() {
	local name dl=$R/run/seuil-test/console-backup.db
	# seuil-web reads [backup] dir at start: restarted after 50-backup set it.
	check_out "systemctl restart seuil-web (it reads [backup] dir)" "$R/run/seuil-test/web-restart.log" \
	    unit restart seuil-web
	if ! wait_until 10 curl -sf -o /dev/null --cacert "$R/etc/seuil/web.crt" \
	    --resolve "$WEB_HOST:8443:127.0.0.1" "$WEB_URL/"; then
		not_ok "the console answers again"
		return 1
	fi
	console_login || return 1
	console_step "console: backups (GET /backups)" 200 GET /backups &&
	    check "console: the nightly snapshot listed, the last backup ok, the key not listed" body \
	    "v['dir'] == '/var/backups/seuil' and len(v['snapshots']) >= 1 and v['last']['result'] == 'ok' and not [s for s in v['snapshots'] if 'key' in s['name']]"
	console_step "console: a backup now (POST /backups)" 201 POST /backups '{}' || return 1
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$WEB_OUT")
	check "console: named as a snapshot" sh -c "echo '$name' | grep -Eqx 'seuil-[0-9]{8}-[0-9]{6}\.db'"
	check "console: seuild wrote it in /var/backups/seuil, 0640 seuil:seuil" \
	    test "$(mode_owner "/var/backups/seuil/$name")" = "640 seuil:seuil"
	check "the keys beside it stay 0600 seuil:seuil" sh -c \
	    "[ \"\$(chroot '$R' stat -c '%a %U:%G' /var/backups/seuil/uid.key /var/backups/seuil/credentials.key | sort -u)\" = '600 seuil:seuil' ]"
	check "console: the snapshot is sound and holds alice" snapshot_ok "/var/backups/seuil/$name"
	console_step "console: the backups again" 200 GET /backups &&
	    check "console: the new snapshot listed by name" body "'$name' in [s['name'] for s in v['snapshots']]"
	if [ "$(download "/backups/$name" "$dl" "$WEB_OUT.h")" = 200 ] &&
	    cmp -s "$dl" "$R/var/backups/seuil/$name"; then
		ok "console: downloaded by seuil-web, the snapshot's bytes"
	else
		not_ok "console: downloaded by seuil-web, the snapshot's bytes"; diag "$(head -c 300 "$dl")"
	fi
	check "console: the download is an attachment named as the snapshot" \
	    grep -qi "^content-disposition: attachment; filename=\"$name\"" "$WEB_OUT.h"
	check "console: the UID key is not served (404)" test "$(api GET /backups/uid.key)" = 404
	check "console: the credentials key is not served (404)" test "$(api GET /backups/credentials.key)" = 404
	check "seuil-web's user may read the snapshot (group seuil)" web_user_reads "/var/backups/seuil/$name"
	check "seuil-web's user cannot read the UID key beside it" not_readable_by_web /var/backups/seuil/uid.key
	check "seuil-web's user cannot read the credentials key beside it" not_readable_by_web /var/backups/seuil/credentials.key
	check "console: the backup is audited (admin_change by the console user)" wait_until 5 audited admin_change \
	    "detail like 'backup %$name: ok%'"
	check "seuilctl status: the last backup ok" sh -c \
	    "[ \"\$(chroot '$R' seuilctl status --json | python3 -c 'import json,sys; v = json.load(sys.stdin); b = v.get(\"last_backup\") or v.get(\"store\", {}).get(\"last_backup\"); print(b[\"result\"])')\" = ok ]"
	check "console: a fresh backup, no backup problem left" no_backup_problem
}
