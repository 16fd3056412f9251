# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §8 and §9: the broker from the package's example (every
# client logs in, an ACL per user), seuild's login, the lobby page served
# by the broker over websockets, and a remote unlock by the door-bot login.

MQTT_PW_SEUILD=seuild-secret-1
MQTT_PW_LOBBY=lobby-secret-2
MQTT_PW_HA=homeassistant-secret-3
MQTT_PW_DOORBOT=doorbot-secret-4
LOBBY_URL=http://127.0.0.1:9001/

setup_broker() {
	local ex=/usr/share/doc/seuil/examples
	inroot cp "$ex/mosquitto.conf.example" /etc/mosquitto/conf.d/seuil.conf
	inroot cp "$ex/mosquitto.acl.example" /etc/mosquitto/seuil.acl
	# The lobby's listener: the commented block at the end of the example,
	# as docs/install.md says to uncomment it.
	sed -i '/^#   listener 9001$/,$ s/^#   //' "$R/etc/mosquitto/conf.d/seuil.conf"
	check "the example serves the installed lobby page (http_dir /usr/share/seuil/lobby)" \
	    grep -qx 'http_dir /usr/share/seuil/lobby' "$R/etc/mosquitto/conf.d/seuil.conf"
	check "the lobby's listener has its own logins and ACL (per_listener_settings)" \
	    sh -c "tail -n 4 '$R/etc/mosquitto/conf.d/seuil.conf' | grep -c -x -e 'password_file /etc/mosquitto/seuil.passwd' -e 'acl_file /etc/mosquitto/seuil.acl' | grep -qx 2"
	inroot mosquitto_passwd -c -b /etc/mosquitto/seuil.passwd seuild "$MQTT_PW_SEUILD"
	inroot mosquitto_passwd -b /etc/mosquitto/seuil.passwd lobby "$MQTT_PW_LOBBY"
	inroot mosquitto_passwd -b /etc/mosquitto/seuil.passwd homeassistant "$MQTT_PW_HA"
	inroot mosquitto_passwd -b /etc/mosquitto/seuil.passwd doorbot "$MQTT_PW_DOORBOT"
	inroot chown root:mosquitto /etc/mosquitto/seuil.passwd /etc/mosquitto/seuil.acl
	inroot chmod 0640 /etc/mosquitto/seuil.passwd /etc/mosquitto/seuil.acl
	check "the broker's password file holds no password in clear" sh -c \
	    "! grep -q -e '$MQTT_PW_SEUILD' -e '$MQTT_PW_LOBBY' '$R/etc/mosquitto/seuil.passwd'"
	# seuild's own login, as the example's comment says.
	inroot install -m 0600 -o seuil -g seuil /dev/null /etc/seuil/mqtt.pw
	printf '%s\n' "$MQTT_PW_SEUILD" >"$R/etc/seuil/mqtt.pw"
	conf_set mqtt enabled true
	conf_set mqtt username seuild
	conf_set mqtt password_file /etc/seuil/mqtt.pw
	conf_set mqtt remote_unlock true
	check_out "seuild -n with the broker login" "$R/run/seuil-test/seuild-n2.log" \
	    sh -c "chroot '$R' seuild -n | grep -qx 'configuration OK'"
	check_out "systemctl restart mosquitto (the example configuration)" "$R/run/seuil-test/mosquitto.log" \
	    unit restart mosquitto || { tail -n 5 "$R/var/log/seuil-test/mosquitto.service.log" | sed 's/^/#   /'; return 1; }
	check "mosquitto runs as the user mosquitto" sh -c \
	    "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/\$(cat '$R/run/seuil-test/units/mosquitto.service.pid')/status)\" = \"\$(chroot '$R' id -u mosquitto)\" ]"
	check "an anonymous client is refused" anonymous_refused
	check_out "systemctl restart seuild" "$R/run/seuil-test/restart-seuild.log" unit restart seuild
	check "seuild logs in to the broker (status: mqtt connected)" wait_until 15 sh -c \
	    "chroot '$R' seuilctl status --json | python3 -c 'import json,sys; sys.exit(not json.load(sys.stdin)[\"mqtt\"][\"connected\"])'"
	check "the retained status is online for homeassistant" status_online_for_ha
	return 0
}

# mosquitto_sub of the installed clients.
inroot_mqtt_sub() { inroot mosquitto_sub -h localhost "$@" 2>/dev/null; }
anonymous_refused() {
	inroot mosquitto_sub -h localhost -W 3 -C 1 -t 'seuil/#' 2>&1 | grep -qi 'not authori[sz]ed'
}
status_online_for_ha() {
	inroot_mqtt_sub -u homeassistant -P "$MQTT_PW_HA" -W 5 -C 1 -t seuil/lab/status | grep -qx online
}
# The retained door state reaches homeassistant, not the lobby login.
lobby_reads_no_door_state() {
	inroot_mqtt_sub -u homeassistant -P "$MQTT_PW_HA" -W 5 -C 1 -t seuil/lab/door/front/state | grep -q . &&
	    ! inroot_mqtt_sub -u lobby -P "$MQTT_PW_LOBBY" -W 3 -C 1 -t seuil/lab/door/front/state | grep -q .
}
unlock_event_seen() { [ "$(count_events "type = 'unlock_remote'")" -ge 1 ]; }

# lobby_view FILE PYEXPR: the last view the headless lobby printed in FILE.
lobby_view() {
	python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
v = json.loads(lines[-1]) if lines else None
sys.exit(not (v is not None and eval(sys.argv[2])))
PY
}

# The lobby page as the broker serves it, its scripts under node with the
# lobby login: alice (public) is here, by name.
journey_lobby() {
	local out=$R/run/seuil-test/lobby.jsonl pid f
	for f in index.html mqtt.min.js presence.js live.js lobby.js lobby.css; do
		check "the broker serves the lobby's $f" sh -c \
		    "curl -sf '$LOBBY_URL$f' -o '$R/run/seuil-test/lobby.$f' && cmp -s '$R/run/seuil-test/lobby.$f' '$R/usr/share/seuil/lobby/$f'"
	done
	node "$PKGDIR/lobby.mjs" "$LOBBY_URL" "?base=seuil/lab&user=lobby&password=$MQTT_PW_LOBBY" \
	    >"$out" 2>"$out.err" &
	pid=$!
	if wait_until 20 lobby_view "$out" "v['state'] == 'live' and v['count'] >= 1 and 'Alice' in [p['name'] for p in v['people']]"; then
		ok "the lobby screen (lobby login, websockets) shows Alice here"
	else
		not_ok "the lobby screen (lobby login, websockets) shows Alice here"
		diag "last view: $(tail -n 1 "$out")"; sed 's/^/#   /' "$out.err" | head -5
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	check "the lobby login cannot read the door states (ACL)" lobby_reads_no_door_state
}

# A remote unlock by the door-bot login (remote_unlock = true): the door
# opens, the event names the command; seuild's own login may not send one.
journey_remote_unlock() {
	local n exp
	exp=$(date -u -d '+30 seconds' +%FT%TZ)
	n=$(relay_lines)
	check "seuild's login may not publish an unlock (ACL)" sh -c "
	    chroot '$R' mosquitto_pub -h localhost -u seuild -P '$MQTT_PW_SEUILD' -q 1 -t seuil/lab/door/front/unlock \
		-m '{\"seconds\":1,\"id\":\"pkg-test-denied\",\"expires\":\"$exp\"}' && sleep 2 &&
	    [ \"\$(wc -l <'$R$SIM/front/relay.log')\" -eq $n ]"
	check_out "mosquitto_pub as doorbot: door/front/unlock" "$R/run/seuil-test/pub.log" \
	    inroot mosquitto_pub -h localhost -u doorbot -P "$MQTT_PW_DOORBOT" -q 1 -t seuil/lab/door/front/unlock \
	    -m "{\"seconds\":1,\"id\":\"pkg-test-1\",\"expires\":\"$exp\"}"
	check "the remote unlock moves the relay" wait_until 10 relay_lines_gt "$n"
	check "unlock_remote is in the event log" wait_until 5 unlock_event_seen
	rsql "select detail from events where type = 'unlock_remote'" | grep -q pkg-test-1 ||
	    diag "unlock_remote detail: $(rsql "select detail from events where type = 'unlock_remote'")"
}
