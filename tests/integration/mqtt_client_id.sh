#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Client ids bound to logins: a real mosquitto started with the example
# configuration (config/mosquitto.conf.example and its ACL, moved to a free
# loopback port and this test's files).  Every other login connects with
# seuild's client id, old and new, again and again: seuild keeps its one
# connection and its events keep coming.  seuild's client_id is its login.
# Two clients sharing one login close each other's connection (hence one
# login per service).
. "$(dirname "$0")/../lib.sh"

B=seuil/test
sed -e "s|seuil/lab|$B|g" -e "s|seuil_lab|seuil_test|g" \
	"$TOP/config/mosquitto.acl.example" >"$T/acl"
: >"$T/passwd"
for u in seuild lobby homeassistant doorbot monitor; do
	mosquitto_passwd -b "$T/passwd" "$u" "$u-pw" 2>/dev/null
done
printf '%s\n' seuild-pw >"$T/seuild.pw"
mkdir -p "$T/mq"
BROKER_PORT=$(free_port)
sed -e "s|^listener 1883 localhost\$|listener $BROKER_PORT 127.0.0.1|" \
	-e "s|/etc/mosquitto/seuil.passwd|$T/passwd|" -e "s|/etc/mosquitto/seuil.acl|$T/acl|" \
	-e "s|^persistence_location .*|persistence_location $T/mq/|" \
	-e "s|^log_dest syslog\$|log_dest stderr|" \
	"$TOP/config/mosquitto.conf.example" >"$T/mosquitto.conf"
[ "$(id -u)" != 0 ] || echo "user root" >>"$T/mosquitto.conf"	# else it becomes mosquitto and cannot read $T
# What is tested is the example itself: the lines this test moved must be
# there, and the listener must bind ids to logins.
check "the example's plain listener, moved to a test port" \
	grep -qx "listener $BROKER_PORT 127.0.0.1" "$T/mosquitto.conf"
check "the example binds ids to logins there" \
	sh -c "sed -n '/^listener $BROKER_PORT /,/^\$/p' '$T/mosquitto.conf' | grep -qx 'use_username_as_clientid true'"
mosquitto -c "$T/mosquitto.conf" >>"$T/mosquitto.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
# monitor may write nothing: the broker drops the message, but answers.
if ! wait_until 10 mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -u monitor -P monitor-pw \
	-t seuil-test/ping -m x; then
	not_ok "mosquitto starts with the example configuration"; sed 's/^/# /' "$T/mosquitto.log"; exit 1
fi

write_config </dev/null
python3 - "$T/seuild.conf" "$BROKER_PORT" "$T/seuild.pw" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", """[mqtt]
host = 127.0.0.1
port = %s
keepalive = 5s
username = seuild
password_file = %s
spaceapi_file =
""" % (sys.argv[2], sys.argv[3]))
open(p, "w").write(s)
PY
ctl init >/dev/null
ctl member add alice --public >/dev/null
ctl badge add alice 04A1B2C3 >/dev/null
connected_as() { grep -c "New client connected from .* as $1 (.*u'$2')" "$T/mosquitto.log"; }

start_seuild || { not_ok "seuild starts"; exit 1; }
check "seuild connects, its client id its login" wait_until 10 sh -c "[ \$(grep -c \"as seuild (.*u'seuild')\" '$T/mosquitto.log') = 1 ]"

# Every other login, with the id seuild asks for now (its login) and the
# one it used to (seuild-<site>), three times over, each staying long
# enough to get the retained status.
for _ in 1 2 3; do
	for u in lobby homeassistant doorbot monitor; do
		for id in seuild seuild-test; do
			mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u "$u" -P "$u-pw" -i "$id" \
				-t "$B/status" -C 1 -W 1 >/dev/null 2>&1
		done
	done
done
sleep 1
check "no other login took seuild's id" sh -c "! grep -q 'Client seuild\(-test\)\? already connected' '$T/mosquitto.log'"
check "seuild never lost its connection" sh -c "! grep -q 'mqtt: connection to .* lost' '$T/seuild.log'"
check "seuild connected once" test "$(connected_as seuild seuild)" = 1
check "each login got its own name as id" test "$(connected_as lobby lobby)" -ge 3

# And seuild still publishes.
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u monitor -P monitor-pw -q 1 -t "$B/#" \
	>"$T/events.txt" 2>/dev/null &
PIDS+=($!)
wait_until 10 grep -qx online "$T/events.txt"	# the retained status: subscribed
tap front-in 04A1B2C3
check "a tap's event still reaches the broker" wait_until 10 grep -q '"type":"access_granted"' "$T/events.txt"

# The price: one login, one connection.  A second Home Assistant with the
# first one's login closes its connection.
n=$(connected_as homeassistant homeassistant)
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u homeassistant -P homeassistant-pw -t "$B/status" >/dev/null 2>&1 &
PIDS+=($!)
wait_until 10 sh -c "[ \$(grep -c \"as homeassistant (.*u'homeassistant')\" '$T/mosquitto.log') -gt $n ]"
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -u homeassistant -P homeassistant-pw -i other-ha \
	-t "$B/status" -C 1 -W 2 >/dev/null 2>&1
check "two clients sharing a login close each other's connection" \
	grep -q 'Client homeassistant already connected, closing old connection' "$T/mosquitto.log"
stop_seuild
