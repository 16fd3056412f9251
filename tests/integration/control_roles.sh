#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The control socket's roles: read_group may only ask status, operate_group
# may also unlock (by primary or supplementary group), anyone else cannot
# even connect; a refusal is a control_refused event naming the actor; a
# reload keeps reader lockouts; the daemon is not dumpable.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then echo "skip control_roles needs root (setpriv)"; exit 0; fi
write_config <<'CONF'
[security]
unsynced_clock = ignore
lockout_failures = 2
lockout_time = 15m
CONF
sed -i 's/^socket = .*/&\nread_group = nogroup\noperate_group = users/' "$T/seuild.conf"
ctl init >/dev/null || { not_ok "setup"; exit 1; }
chmod 755 "$T"
start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"

check "the socket belongs to read_group, mode 0660" \
	test "$(stat -c '%G %a' "$T/control.sock")" = "nogroup 660"

# req USER-SPEC JSON: send one request as another user, print the reply or
# the connect error.
req() {
	local spec=$1 body=$2
	# $spec: setpriv's options, split into words on purpose.
	# shellcheck disable=SC2086
	setpriv $spec /usr/bin/python3 - "$T/control.sock" "$body" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e.strerror); sys.exit(0)
s.send(sys.argv[2].encode()); print(s.recv(4096).decode())
PY
}
READER="--reuid=65534 --regid=65534 --clear-groups"
OPERATOR="--reuid=12345 --regid=12345 --groups=65534,100"
STRANGER="--reuid=12346 --regid=12346 --clear-groups"

req "$READER" '{"cmd":"status"}' >"$T/r1"
check "read_group may ask status" grep -q '"ok":true' "$T/r1"
req "$READER" '{"cmd":"door_unlock","seconds":1}' >"$T/r2"
check "read_group may not unlock" grep -q 'permission denied' "$T/r2"
check "and the reply names operate_group" grep -q "'users'" "$T/r2"
check "the relay did not move" sh -c "! grep -q ' 1$' '$T/door/relay.log'"
for c in reload enroll checkout; do
	req "$READER" "{\"cmd\":\"$c\",\"member\":1}" >"$T/r3"
	check "read_group may not $c" grep -q 'permission denied' "$T/r3"
done
req "$READER" '{"cmd":"badge_wipe"}' >"$T/r3"
check "read_group may not wipe a card" grep -q "permission denied: 'badge_wipe' needs" "$T/r3"
check "each refusal is a control_refused event" wait_until 5 count_is control_refused -ge 5
check "which names the actor and the request, not on its type" sh -c "sqlite3 '$T/seuil.db' \"select actor, detail from events where type='control_refused' order by seq limit 1\" | grep -qx 'uid:65534(nobody)|door_unlock needs operate_group'"

req "$OPERATOR" '{"cmd":"door_unlock","seconds":1}' >"$T/r4"
check "operate_group (a supplementary group) may unlock" grep -q '"ok":true' "$T/r4"
check "the relay moved" wait_until 5 relay_is 1
wait_until 5 relay_is 0
# operate_group may ask for a wipe: refused here for what the site lacks
# (no desk reader that talks to cards), not for the role.
req "$OPERATOR" '{"cmd":"badge_wipe","timeout":1}' >"$T/r4"
check "operate_group may ask badge_wipe" sh -c "grep -q '\"code\":\"invalid\"' '$T/r4' && ! grep -q 'permission' '$T/r4'"

req "$STRANGER" '{"cmd":"status"}' >"$T/r5"
check "a user in neither group cannot connect" grep -q 'connect: Permission denied' "$T/r5"

# A reload does not clear a lockout.
tap front-in 04DEAD01
tap front-in 04DEAD02
check "two unknown taps lock the reader out" wait_until 5 has_event lockout
ctl reload >/dev/null 2>&1 || kill -HUP "$SEUILD_PID"
wait_until 10 grep -q "configuration reloaded" "$T/seuild.log"
ctl member add zoe >/dev/null && printf '04AA00AA\n' | ctl badge add zoe 04AA00AA >/dev/null 2>&1
tap front-in 04AA00AA
check "after a reload the reader is still locked out" wait_until 5 has_reason access_denied locked_out
check "and the relay did not move again" test "$(grep -c ' 1$' "$T/door/relay.log")" -eq 1
stop_seuild

# Not dumpable: /proc/PID of a non-dumpable process belongs to root even when
# it runs as another user, and that user cannot ptrace it or read its memory.
chown -R 65534:65534 "$T"
spawn setpriv --reuid=65534 --regid=65534 --clear-groups "$SEUILD" -d -f "$T/seuild.conf" >>"$T/nobody.log" 2>&1
NPID=$SPAWN_PID
check "seuild runs as nobody" wait_until 10 test -S "$T/control.sock"
check "seuild is not dumpable (its /proc entries stay root's)" test "$(stat -c %u /proc/$NPID/mem)" = 0
check "its own user cannot read its memory" sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups head -c1 /proc/$NPID/environ >/dev/null 2>&1"
kill "$NPID"; wait "$NPID" 2>/dev/null
