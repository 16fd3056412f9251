#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# DESFire badges through the real seuild, real libnfc and three emulated
# PN532s (tests/tools/pn532emu.c) that share their cards, as one card
# goes from the desk to the doors: a desk reader (enrol = true, no door),
# front-in (credential = both) and front-out (credential = desfire, and
# enrol = true so that seuild itself refuses a secure enrolment there), all
# with reader_sandbox = required.  A blank card is made a badge at the
# desk and opens the door; its UID on a clone is denied; a card with our
# application and other keys, and one whose credential no badge holds, are
# denied credential_invalid; a UID badge is decided as before at a both
# reader and denied credential_required at a desfire one; a torn
# provisioning is refused and finished the next time; an upgrade revokes
# the member's UID badge; another member's card needs the admin role;
# badge wipe removes the application and revokes the badge; the operate
# role (and a console desk account) cannot take another member's card;
# explain knows the kinds of badges and readers; a card too slow to answer
# is denied in bounded time; after a restart with [credentials]
# picc_key_file, a card with that AES master key is provisioned and one
# with another is refused.
. "$(dirname "$0")/../lib.sh"

EMU=$BUILD/tests/pn532emu
export LIBNFC_AUTO_SCAN=false
mkdir -p "$T/cards"

start_emu() {	# start_emu NAME
	mkfifo "$T/$1.ctl"
	spawn "$EMU" --link "$T/$1.pty" --control "$T/$1.ctl" --cards "$T/cards" \
	    >"$T/$1.out" 2>>"$T/$1.log"
	wait_until 10 test -s "$T/$1.out"
}
emu() { local e=$1; shift; echo "$*" >"$T/$e.ctl"; }
# present EMU UID [TYPE]: the card alone in that field
present() { emu "$1" remove; emu "$1" "card $2 ${3:-desfire}"; }

for e in desk door out; do start_emu $e || { not_ok "emulator $e starts"; exit 1; }; done
write_config </dev/null
python3 - "$T/seuild.conf" "$T" <<'PY'
import re, sys
p, t = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r"\[reader\.front-in\].*?\n\n", f"""[reader.front-in]
driver = libnfc
connstring = pn532_uart:{t}/door.pty
door = front
direction = in

""", s, flags=re.S)
s = re.sub(r"\[reader\.front-out\].*?\n\n", f"""[reader.front-out]
driver = libnfc
connstring = pn532_uart:{t}/out.pty
door = front
direction = in
credential = desfire
enrol = true

[reader.desk]
driver = libnfc
connstring = pn532_uart:{t}/desk.pty
enrol = true

""", s, flags=re.S)
s += "\n[security]\nreader_sandbox = required\nunsynced_clock = ignore\nlockout_failures = 32\n"
s = s.replace("[control]\n", "[control]\noperate_group = users\n")
open(p, "w").write(s)
PY
ctl init >/dev/null || { not_ok "init"; exit 1; }
for m in alice bob carol dave eve; do ctl member add $m >/dev/null; done
ctl badge add carol 04C0C0C0 >/dev/null		# a UID badge (MIFARE Classic)
start_seuild || { not_ok "seuild starts"; exit 1; }
online() { [ "$(sqlite3 "$T/seuil.db" "select count(distinct reader) from events where type='reader_online'")" -ge 3 ]; }
check "three libnfc readers online, contained" wait_until 20 online
check "no reader runs uncontained" sh -c "! grep -q 'without its sandbox' '$T/seuild.log'"

grants() { count_event access_granted; }
denied_with() { [ "$(sqlite3 "$T/seuil.db" "select count(*) from events where type='access_denied' and reason='$1'")" -ge "$2" ]; }
badge_of() {	# badge_of MEMBER KIND STATUS: how many
	sqlite3 "$T/seuil.db" "select count(*) from badges b join members m on m.id = b.member_id where m.name = '$1' and b.kind = '$2' and b.status = '$3'"
}
enrol_waits() { [ "$(grep -c "$1" "$T/seuild.log")" -ge "$2" ]; }

# enrol_at CARD ARGS...: run seuilctl ARGS and present CARD at the desk once
# seuild waits (torn away at its $TEAR-th APDU if set); its exit status in
# $RC, its words in $T/e.out.
N_WAIT=0
enrol_at() {
	local card=$1; shift
	N_WAIT=$((N_WAIT + 1))
	emu desk remove
	spawn ctl "$@" --timeout 20 >"$T/e.out" 2>&1
	local p=$SPAWN_PID
	wait_until 10 enrol_waits "waiting .* for a DESFire card\|badge wipe: waiting" "$N_WAIT"
	[ -z "${TEAR:-}" ] || emu desk "tear $TEAR"
	emu desk "card $card desfire"
	wait "$p"
	RC=$?
	emu desk remove
}

# ---- a blank card, made a badge at the desk, opens the door ----
CARD=04A1B2C3D4E5F6
enrol_at $CARD badge enrol alice --secure
check "secure enrolment exits 0 (exit $RC)" test "$RC" -eq 0
check "it names the badge as DESFire" grep -q "badge 2 (hint E5F6, DESFire) enrolled for alice at reader desk" "$T/e.out"
check "alice has one active DESFire badge" test "$(badge_of alice desfire active)" = 1
check "badge_enrolled at the desk, detail desfire" sh -c "sqlite3 '$T/seuil.db' \"select reader, detail from events where type='badge_enrolled'\" | grep -qx 'desk|desfire'"
check "its UID is no badge (explain by UID)" sh -c "'$SEUILCTL' -f '$T/seuild.conf' explain $CARD | grep -q 'no badge with this UID'"
check "the UID is stored nowhere in clear" sh -c "! grep -qi a1b2c3d4e5f6 '$T/seuil.db' '$T/seuil.db-wal' '$T/seuild.log'"

present door $CARD
check "the card opens the door (credential = both)" wait_until 10 count_is access_granted -ge 1
check "and the relay moves" wait_until 5 relay_is 1
check "the grant is alice's DESFire badge" sh -c "sqlite3 '$T/seuil.db' \"select b.kind from events e join badges b on b.id = e.badge_id where e.type='access_granted'\" | grep -qx desfire"
present out $CARD
check "it opens at a desfire reader too" wait_until 10 count_is access_granted -ge 2
emu door remove; emu out remove

# ---- its UID on a clone card ----
present door $CARD clone
check "its UID on a clone is denied (unknown_badge)" wait_until 10 denied_with unknown_badge 1
present out $CARD clone
check "and at a desfire reader: credential_required" wait_until 10 denied_with credential_required 1
check "no grant for a clone" test "$(grants)" = 2
emu door remove; emu out remove

# ---- a card with our application and other keys: no fallback to its UID ----
OTHER=04112233445566
ctl badge add dave $OTHER >/dev/null		# its UID is even a badge
emu door "desfire $OTHER app F5EE11 000102030405060708090A0B0C0D0E0F 0F0E0D0C0B0A09080706050403020100 A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5"
present door $OTHER
check "our application with other keys: credential_invalid" wait_until 10 denied_with credential_invalid 1
check "never decided by its enrolled UID" test "$(grants)" = 2
check "the event says where the exchange stopped" sh -c "sqlite3 '$T/seuil.db' \"select detail from events where reason='credential_invalid'\" | grep -q 'authenticate key 1'"
emu door remove

# ---- a UID badge: as before at a both reader, refused at a desfire one ----
present door 04C0C0C0 classic
check "a UID badge at a both reader: granted as before" wait_until 10 count_is access_granted -ge 3
present out 04C0C0C0 classic
check "a UID badge at a desfire reader: credential_required" wait_until 10 denied_with credential_required 2
emu door remove; emu out remove
BLANK=04BB0000000001
ctl badge add bob $BLANK >/dev/null		# a blank DESFire card, by its UID
present door $BLANK
check "a DESFire card enrolled by UID at a both reader: granted" wait_until 10 count_is access_granted -ge 4
emu door remove
# explain says what each reader makes of each kind of badge
ctl explain alice >"$T/x-alice.out" 2>&1; ctl explain carol >"$T/x-carol.out" 2>&1
check "explain alice: her badge is a DESFire credential" grep -q 'badge 2 (a DESFire credential) is active' "$T/x-alice.out"
check "explain alice: granted at the both and the desfire reader" sh -c \
    "grep -q 'reader front-in: GRANTED' '$T/x-alice.out' && grep -q 'reader front-out: GRANTED' '$T/x-alice.out'"
check "explain carol (a UID badge): granted at front-in, credential_required at front-out" sh -c \
    "grep -q 'badge 1 (a UID) is active' '$T/x-carol.out' && grep -q 'reader front-in: GRANTED' '$T/x-carol.out' &&
    grep -q 'reader front-out: DENIED (credential_required)' '$T/x-carol.out'"

# ---- refused at a door reader, even one with enrol = true ----
ctl badge enrol bob --secure --reader front-out --timeout 5 >"$T/r.out" 2>&1
rc=$?
check "secure enrolment at a door reader: refused by seuild, 65 (exit $rc)" \
    sh -c "[ $rc -eq 65 ] && grep -q 'opens a door' '$T/r.out'"
ctl badge enrol bob --secure --reader front-in --timeout 5 >"$T/r.out" 2>&1
rc=$?
check "and at a reader without enrol: 78 (exit $rc)" \
    sh -c "[ $rc -eq 78 ] && grep -q 'does not allow enrolment' '$T/r.out'"

# ---- the upgrade of bob's own UID badge ----
enrol_at $BLANK badge enrol bob --secure
check "bob's UID badge upgraded (exit $RC)" test "$RC" -eq 0
check "his UID badge is revoked" test "$(badge_of bob uid revoked)" = 1
check "and his DESFire badge active" test "$(badge_of bob desfire active)" = 1
present door $BLANK
check "the upgraded card opens" wait_until 10 count_is access_granted -ge 5
emu door remove

# ---- a torn provisioning, then finished ----
TORN=04DD0000000002
# the card leaves at the change of key 1 (its read is one APDU, a blank
# card's provisioning changes key 1 at its 8th)
TEAR=9 enrol_at $TORN badge enrol eve --secure
check "a card pulled mid-way is refused, 75 (exit $RC)" test "$RC" -eq 75
check "and says to present it again" grep -q "present it again" "$T/e.out"
check "nothing enrolled for eve" test "$(badge_of eve desfire active)" = 0
enrol_at $TORN badge enrol eve --secure
check "presented again, it is finished (exit $RC)" test "$RC" -eq 0
present door $TORN
check "and opens" wait_until 10 count_is access_granted -ge 6
emu door remove

# ---- another member's card: the admin role only (root is), audited ----
enrol_at $TORN badge enrol carol --secure
check "another member's card, by the admin role (exit $RC)" test "$RC" -eq 0
check "eve's badge is revoked" test "$(badge_of eve desfire revoked)" = 1
check "the move is audited" sh -c "sqlite3 '$T/seuil.db' \"select detail from events where type='admin_change'\" | grep -q 'its card enrolled as DESFire badge'"
enrol_at $TORN badge enrol carol --secure
check "enrolling it again for carol: exists, 65 (exit $RC)" test "$RC" -eq 65

# ---- another member's card, asked by the operate role: refused ----
# req SPEC JSON: one request as another user (setpriv), its reply printed.
req() {
	# $1: setpriv's options, split into words on purpose.
	# shellcheck disable=SC2086
	setpriv $1 /usr/bin/python3 - "$T/control.sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.send(sys.argv[2].encode()); print(s.recv(4096).decode())
PY
}
# (setpriv needs root: elsewhere this part is skipped, said so.)
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	OPERATOR="--reuid=12345 --regid=12345 --groups=100"
	for who in operator desk; do
		N_WAIT=$((N_WAIT + 1))
		emu desk remove
		if [ $who = operator ]; then
			spawn req "$OPERATOR" '{"cmd":"enrol","member":"dave","secure":true,"timeout":20}' >"$T/q.out"
		else	# root, for a console desk account
			spawn req "" '{"cmd":"enrol","member":"dave","secure":true,"desk":true,"timeout":20}' >"$T/q.out"
		fi
		p=$SPAWN_PID
		wait_until 10 enrol_waits "waiting .* for a DESFire card" "$N_WAIT"
		emu desk "card $BLANK desfire"
		wait "$p"
		check "bob's card for dave, asked as $who: refused, permission" \
		    sh -c "grep -q '\"code\":\"permission\"' '$T/q.out' && grep -q 'giving it to another member' '$T/q.out'"
		check "and bob keeps it ($who)" test "$(badge_of bob desfire active)" = 1
		emu desk remove
	done
else
	echo "skip the operate role's refusal: needs root (setpriv)"
fi

# ---- a credential that no badge holds ----
ctl member erase carol --yes >/dev/null
present door $TORN
check "a credential no badge holds: credential_invalid" wait_until 10 denied_with credential_invalid 2
emu door remove

# ---- badge wipe ----
enrol_at $CARD badge wipe
check "badge wipe exits 0 (exit $RC)" test "$RC" -eq 0
check "it names the revoked badge" grep -q "badge 2 of member 1 revoked" "$T/e.out"
check "alice's badge is revoked" test "$(badge_of alice desfire revoked)" = 1
check "the wipe is audited" sh -c "sqlite3 '$T/seuil.db' \"select detail from events where type='admin_change'\" | grep -q 'badge wipe at reader desk'"
present door $CARD
check "the wiped card is only a UID now: unknown_badge" wait_until 10 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='access_denied' and reason='unknown_badge'\") -ge 2 ]"
emu door remove
enrol_at $CARD badge wipe
check "wiping it again: no application, 66 (exit $RC)" test "$RC" -eq 66

N_WAIT=$((N_WAIT + 1))
spawn ctl badge enrol dave --secure --timeout 20 >"$T/e.out" 2>&1
p=$SPAWN_PID
# N_WAIT counts the wipes' waits too.
wait_until 10 enrol_waits "waiting .* for a DESFire card\|badge wipe: waiting" "$N_WAIT"
emu desk "card $CARD clone"
wait "$p"
rc=$?
check "a UID-only card is refused for a secure enrolment, 65 (exit $rc)" \
    sh -c "[ $rc -eq 65 ] && grep -q 'cannot hold a credential' '$T/e.out'"
check "seuild never logged a card's byte" sh -c "! grep -qi 'a5a5a5a5\|00112233\|0f0e0d0c' '$T/seuild.log'"
check "seuild is still up" kill -0 "$SEUILD_PID"

# ---- a card too slow to answer: the exchange is bounded ----
# Each answer 700 ms late, over the child's 500 ms for one APDU: the tap
# ends denied credential_invalid (never its UID), well within the door's
# bound, and the reader then serves the next card.
n=$(grants)
ni=$(count_event access_denied)
emu door "delay 700"
t0=$(date +%s)
present door $BLANK
if wait_until 20 denied_with credential_invalid 3; then
	ok "a card that answers too late: denied credential_invalid, in $(($(date +%s) - t0)) s"
else
	not_ok "a card that answers too late: denied credential_invalid"
fi
check "and no grant, late or by its UID" test "$(grants)" = "$n"
check "one denial for the slow tap" test "$(count_event access_denied)" -ge $((ni + 1))
emu door remove; emu door "delay 0"
present door $BLANK
check "the reader then serves the card again" wait_until 20 count_is access_granted -gt "$n"
emu door remove

# The keys and the application change only at a restart: a reload that
# would change them is refused and the running configuration kept.
sed -i 's/^key_file = .*credentials.key$/&\naid = 5EAB01/' "$T/seuild.conf"
kill -HUP "$SEUILD_PID"
check "a reload that changes [credentials] is refused" \
    wait_until 10 grep -q "\[credentials\] change only at a restart" "$T/seuild.log"
n=$(grants)
present door $BLANK
check "and bob's card still opens under the running keys" wait_until 10 count_is access_granted -gt "$n"
emu door remove
stop_seuild

# ---- cards whose master key is not the factory one: [credentials] picc_key_file ----
PICC=00112233445566778899AABBCCDDEEFF
printf '%s\n' "$PICC" >"$T/picc.key"
chmod 600 "$T/picc.key"
sed -i -e '/^aid = 5EAB01$/d' -e "s|^key_file = .*credentials.key\$|&\npicc_key_file = $T/picc.key|" "$T/seuild.conf"
start_seuild || { not_ok "seuild starts again with picc_key_file"; exit 1; }
restarted() { ctl status --json | python3 -c '
import json, sys
sys.exit(not all(r["online"] for r in json.load(sys.stdin)["readers"]))'; }
check "the readers are back after the restart" wait_until 20 restarted
AESPICC=04EE0000000003
emu desk "desfire $AESPICC picc-aes $PICC"
enrol_at $AESPICC badge enrol dave --secure
check "a card with the site's AES master key (picc_key_file) is provisioned (exit $RC)" test "$RC" -eq 0
check "dave has an active DESFire badge" test "$(badge_of dave desfire active)" = 1
n=$(grants)
present door $AESPICC
check "and it opens" wait_until 10 count_is access_granted -gt "$n"
emu door remove
FOREIGN=04EF0000000004
emu desk "desfire $FOREIGN picc-aes 0F0E0D0C0B0A09080706050403020100"
enrol_at $FOREIGN badge enrol bob --secure
check "a card with another master key is refused, 65 (exit $RC)" test "$RC" -eq 65
check "nothing more enrolled for bob" test "$(badge_of bob desfire active)" = 1
stop_seuild
