#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The control protocol through the real seuild (docs/design.md, "Control
# protocol"; docs/security.md): every command of core's table answered with
# the role of seuild's table; admin_group reaching the socket through its
# access list; the connection limits (per user, the slots kept for root and
# the admin role, the idle drop); an operate-only badge_add refused and
# logged; an admin's change and its admin_change event in one transaction,
# and no change when the event cannot be written; the old "enroll".
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then echo "skip control_protocol needs root (setpriv)"; exit 0; fi
write_config <<CONF
[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true

[security]
unsynced_clock = ignore
CONF
# read_group nogroup, operate_group users, admin_group adm: three groups
# that Debian always has.
sed -i 's/^socket = .*/&\nread_group = nogroup\noperate_group = users\nadmin_group = adm/' "$T/seuild.conf"
ctl init >/dev/null && ctl member add alice >/dev/null || { not_ok "setup"; exit 1; }
chmod 755 "$T"
start_seuild || { not_ok "seuild starts"; exit 1; }

READER="--reuid=65534 --regid=65534 --clear-groups"
OPERATOR="--reuid=12345 --regid=12345 --groups=100"
ADMIN="--reuid=12347 --regid=12347 --groups=4"

# req USER-SPEC JSON: one request as another user; the reply, or the error.
req() {
	# The spec is several setpriv options: split on purpose.
	# shellcheck disable=SC2086
	setpriv $1 /usr/bin/python3 - "$T/control.sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("error:", e.strerror); sys.exit(0)
try:
    s.send(sys.argv[2].encode())
except OSError:
    pass	# refused at accept: the refusal waits to be read
try:
    s.settimeout(15)
    print(s.recv(8192).decode())
except OSError as e:
    print("error:", e.strerror)
PY
}

# ---- every command of the table, with its role ----
# core/control.c names the commands, daemon/control_requests.c gives each
# its role: read both tables.
cmds=$(sed -n 's/^\t\[CONTROL_\([A-Z_]*\)\][[:space:]]*= { "\([a-z_]*\)".*/\1 \2/p' "$TOP/core/control.c")
roles=$(sed -n 's/^\t{ CONTROL_\([A-Z_]*\),[[:space:]]*ROLE_\([A-Z]*\),.*/\1 \2/p' "$TOP/daemon/control_requests.c")
check "both tables read ($(echo "$cmds" | wc -l) commands)" test "$(echo "$cmds" | wc -l)" -ge 20 -a \
	"$(echo "$cmds" | wc -l)" = "$(echo "$roles" | wc -l)"
walk_ok=true
while read -r id name; do
	role=$(echo "$roles" | awk -v id="$id" '$1 == id { print $2 }')
	[ -n "$role" ] || { diag "$name has no role"; walk_ok=false; continue; }
	r=$(req "$READER" "{\"cmd\":\"$name\"}")
	case $role in
	READ) want='"ok":true' ;;
	OPERATE) want="needs membership of group 'users'" ;;
	ADMIN) want="needs membership of group 'adm'" ;;
	*) want="?" ;;
	esac
	echo "$r" | grep -q "$want" || { diag "$name as read_group: $r (wanted $want)"; walk_ok=false; }
	if [ "$role" = ADMIN ]; then
		r=$(req "$OPERATOR" "{\"cmd\":\"$name\"}")
		echo "$r" | grep -q "needs membership of group 'adm'" ||
			{ diag "$name as operate_group: $r"; walk_ok=false; }
		r=$(req "$ADMIN" "{\"cmd\":\"$name\"}")
		if echo "$r" | grep -q '"code":"permission"'; then
			diag "$name as admin_group: $r"; walk_ok=false
		fi
	fi
done <<<"$cmds"
check "every command answers with its role: read_group, operate_group or admin_group" $walk_ok
check "the admin role reaches the socket through its access list, not its group" \
	sh -c "[ \"\$(stat -c %G '$T/control.sock')\" = nogroup ] && echo '$(req "$ADMIN" '{"cmd":"status"}')' | grep -q '\"ok\":true'"
check "\"enroll\", the old spelling, is the same command" sh -c \
	"echo '$(req "$OPERATOR" '{"cmd":"enroll","member":"alice","reader":"front-in","timeout":1}')' | grep -q 'that reader does not allow enrolment'"

# ---- an operate-only user adding a badge: refused and logged ----
refused0=$(count_event control_refused)
r=$(req "$OPERATOR" '{"cmd":"badge_add","member":"alice","uid":"04C0FFEE"}')
check "operate_group: badge_add refused" sh -c "echo '$r' | grep -q '\"code\":\"permission\"'"
check "no badge was added" test "$(sqlite3 "$T/seuil.db" 'select count(*) from badges')" = 0
check "a control_refused event names the user" sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='control_refused' and actor='uid:12345' and detail='badge_add needs admin_group'\") -ge 1 ]"
# The event is written by seuild's writer, after the reply.
check "refusals are counted" wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='control_refused'\") -gt $refused0 ]"

# ---- an admin's badge_add: the badge and its admin_change together ----
r=$(req "$ADMIN" '{"cmd":"badge_add","member":"alice","uid":"04C0FFEE","label":"fob"}')
check "admin_group: badge_add" sh -c "echo '$r' | grep -q '\"badge_id\":1'"
check "its admin_change names the admin and the badge" test \
	"$(sqlite3 "$T/seuil.db" "select actor || '|' || badge_id || '|' || member_id from events where type='admin_change' and detail like 'badge add%'")" = "uid:12347|1|1"
r=$(req "$OPERATOR" '{"cmd":"enrol","member":"alice","timeout":1}')
check "operate_group: no second badge by tap for a member who has one" sh -c \
	"echo '$r' | grep -q 'has an active badge already: another one needs admin_group'"
r=$(req "$ADMIN" '{"cmd":"enrol","member":"alice","timeout":1}')
check "admin_group: it may (the wait times out, nobody tapped)" sh -c "echo '$r' | grep -q '\"code\":\"timeout\"'"
check "the UID is nowhere in clear" sh -c "! grep -qi c0ffee '$T/seuil.db' '$T/seuil.db-wal' '$T/seuild.log'"

# No action without its record: an event that cannot be written (the
# events' sequence at its end) leaves no change either.
seq0=$(sqlite3 "$T/seuil.db" "select seq from sqlite_sequence where name = 'events'")
sqlite3 "$T/seuil.db" "UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'events'"
r=$(req "$ADMIN" '{"cmd":"member_add","name":"mallory"}')
check "a change whose audit fails: refused, code database" sh -c "echo '$r' | grep -q '\"code\":\"database\"'"
check "and not made" test "$(sqlite3 "$T/seuil.db" "select count(*) from members where name = 'mallory'")" = 0
r=$(req "$ADMIN" '{"cmd":"badge_revoke","badge":1}')
check "a revocation whose audit fails: not made either" sh -c "echo '$r' | grep -q '\"ok\":false' && [ \"\$(sqlite3 '$T/seuil.db' 'select status from badges where id = 1')\" = active ]"
sqlite3 "$T/seuil.db" "UPDATE sqlite_sequence SET seq = $seq0 WHERE name = 'events'"
r=$(req "$ADMIN" '{"cmd":"member_add","name":"mallory"}')
check "once the event can be written, the same change goes through" sh -c "echo '$r' | grep -q '\"ok\":true'"

# ---- the limits ----
# hold USER-SPEC N: N connections of one user, held open until the test
# ends the holder ($HOLDER); prints each one's fate ("ok" or the refusal).
holder() {
	# The spec is several setpriv options: split on purpose.
	# shellcheck disable=SC2086
	setpriv $1 /usr/bin/python3 -u - "$T/control.sock" "$2" <<'PY'
import socket, sys, time
held = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.setblocking(False)
    time.sleep(0.2)
    try:
        print("refused", s.recv(4096).decode())
    except BlockingIOError:
        print("ok")
    held.append(s)
sys.stdout.flush()
time.sleep(60)
PY
}
hold() {
	spawn holder "$1" "$2"
	HOLDER=$SPAWN_PID
}
hold "$READER" 5 >"$T/five.txt"
wait_until 10 output_is 5 sh -c "wc -l <'$T/five.txt'"
check "four connections of one user are taken" test "$(grep -c '^ok' "$T/five.txt")" = 4
check "a fifth is refused, saying why" grep -q 'too many control connections from this user' "$T/five.txt"
stop_spawned "$HOLDER"
# Fill every slot but those kept: 7 users of read_group, 4 each.
holders=()
for u in 20001 20002 20003 20004 20005 20006 20007; do
	hold "--reuid=$u --regid=$u --groups=65534" 4 >"$T/fill-$u.txt"
	holders+=("$HOLDER")
done
wait_until 20 sh -c "[ \$(cat '$T'/fill-*.txt | grep -c '^ok') -eq 28 ]"
check "28 connections held by 7 users" test "$(cat "$T"/fill-*.txt | grep -c '^ok')" = 28
# The refusal comes at once, before any request (which would race the
# server's close of the connection).
r=$(setpriv --reuid=20008 --regid=20008 --groups=65534 /usr/bin/python3 - "$T/control.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(10)
print(s.recv(4096).decode())
PY
)
check "then another user of read_group is refused: the rest is kept" sh -c "echo '$r' | grep -q 'kept for root and admin_group'"
check "root is still served" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status >/dev/null"
r=$(req "$ADMIN" '{"cmd":"status"}')
check "and the admin role" sh -c "echo '$r' | grep -q '\"ok\":true'"
stop_spawned "${holders[@]}"
wait_until 10 sh -c "echo '$(req "$READER" '{"cmd":"status"}')' | grep -q '\"ok\":true'"

# An idle connection is closed after 10 s.
python3 - "$T/control.sock" >"$T/idle.txt" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
t0 = time.monotonic()
s.settimeout(30)
data = s.recv(4096)
print("closed" if data == b"" else "data", round(time.monotonic() - t0))
PY
read -r fate after <"$T/idle.txt"
check "an idle connection is closed (after ${after:-?} s)" sh -c "[ '$fate' = closed ] && [ ${after:-0} -ge 9 ] && [ ${after:-99} -le 25 ]"

stop_seuild
