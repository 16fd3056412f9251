#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A replica's door reads the site's secure (DESFire) badges: the bundle
# `seuilctl site join` writes carries the DESFire keys, so a card made a
# badge at the primary's desk (real libnfc, emulated PN532s sharing their
# cards, tests/tools/pn532emu.c) opens the replica's credential = desfire
# door once the delta arrives, and its UID on a clone is denied there
# (credential_required).  A card made at the replica's desk
# (`badge enrol --secure` on hall) is written there with those keys and
# recorded by the primary (its badge_enrolled naming hall): it opens
# hall's and main's desfire doors, its clone does not, the request sent
# again makes no second badge, another member's card asked by the operate
# role is refused and left as it is, and with the primary cut off the wait
# ends in a timeout (exit 75) with nothing on the primary, the card left
# holding a credential no badge has (credential_invalid at the door) until
# the same enrolment at hall's desk finishes it once the primary is back.
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
present() { emu "$1" remove; emu "$1" "card $2 ${3:-desfire}"; }
for e in desk door hdesk mdoor; do start_emu $e || { not_ok "emulator $e starts"; exit 1; }; done

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" <<CONF

[reader.desk]
driver = libnfc
connstring = pn532_uart:$T/desk.pty
enrol = true

[reader.main-card]
driver = libnfc
connstring = pn532_uart:$T/mdoor.pty
door = main
direction = in
credential = desfire
CONF
site_node hall replica "$(relay_port hall)" <<CONF

[reader.desk]
driver = libnfc
connstring = pn532_uart:$T/hdesk.pty
enrol = true

[reader.hall-card]
driver = libnfc
connstring = pn532_uart:$T/door.pty
door = hall
direction = in
credential = desfire
CONF
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice >/dev/null && nctl main member add bob >/dev/null &&
	nctl main member add carol >/dev/null && nctl main member add dave >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) || { not_ok "setup"; exit 1; }
check "the bundle carries the DESFire keys" grep -q '"credentials_key"' "$T/hall.bundle"
check "site install installs them" nctl hall site install "$T/hall.bundle"
check "the same bytes as the primary's" cmp -s "$T/main/credentials.key" "$T/hall/credentials.key"
check "0600" test "$(stat -c %a "$T/hall/credentials.key")" = 600
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
online() { [ "$(sqlite3 "$T/$1/seuil.db" "SELECT count(*) FROM events WHERE type = 'reader_online' AND reader = '$2'")" -ge 1 ]; }
check "main's desk reader is online" wait_until 20 online main desk
check "hall's DESFire door reader is online" wait_until 20 online hall hall-card
check "hall's desk reader is online" wait_until 20 online hall desk
check "main's DESFire door reader is online" wait_until 20 online main main-card
check "hall read the DESFire keys (no warning)" sh -c "! grep -q 'no credentials key file' '$T/hall/seuild.log'"

# ---- a card made a badge at the primary's desk ----
CARD=04A1B2C3D4E5F6
emu desk remove
spawn nctl main badge enrol alice --secure --timeout 20 >"$T/e.out" 2>&1
p=$SPAWN_PID
wait_until 10 grep -q "waiting .* for a DESFire card" "$T/main/seuild.log"
emu desk "card $CARD desfire"
wait "$p"
check "secure enrolment at the primary exits 0 (exit $?)" grep -q "DESFire) enrolled for alice" "$T/e.out"
emu desk remove
check "the badge reaches hall" wait_until 10 same_digest main hall
check "as a DESFire badge" test "$(sqlite3 "$T/hall/seuil.db" "SELECT kind FROM badges")" = desfire

grants() { sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM events WHERE type = 'access_granted' AND reader = 'hall-card'"; }
denied_with() { [ "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM events WHERE type = 'access_denied' AND reason = '$1'")" -ge "$2" ]; }
present door $CARD
check "the card opens hall's desfire door" wait_until 10 sh -c "[ \"\$(sqlite3 '$T/hall/seuil.db' \"SELECT count(*) FROM events WHERE type = 'access_granted' AND reader = 'hall-card'\")\" -ge 1 ]"
emu door remove
present door $CARD clone
check "its UID on a clone is denied there: credential_required" wait_until 10 denied_with credential_required 1
check "no grant for the clone" test "$(grants)" = 1
emu door remove

# ---- a card made at hall's desk, recorded by the primary ----
B=seuil/test
N_WAIT=0
hall_waits() { [ "$(grep -c 'enrolment: waiting .* for a DESFire card' "$T/hall/seuild.log")" -ge "$1" ]; }
# secure_at CARD ARGS...: `seuilctl badge enrol ARGS --secure` on hall, CARD
# presented at hall's desk once seuild waits; exit status in $RC, words in
# $T/e.out.
secure_at() {
	local card=$1 p; shift
	N_WAIT=$((N_WAIT + 1))
	emu hdesk remove
	spawn nctl hall badge enrol "$@" --secure --timeout 20 >"$T/e.out" 2>&1
	p=$SPAWN_PID
	wait_until 10 hall_waits "$N_WAIT"
	emu hdesk "card $card desfire"
	wait "$p"
	RC=$?
	emu hdesk remove
}
# answer_to FILE: publish the request in FILE as hall would, until the
# primary's answer to it comes (in $T/answer), at most 5 s.
answer_to() {
	local i
	: >"$T/answer"
	spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/to/hall/enrol" -C 1 -W 8 -N >"$T/answer"
	for ((i = 0; i < 10; i++)); do
		sleep 0.3
		mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/node/hall/enrol" -f "$1"
		sleep 0.2
		[ ! -s "$T/answer" ] || break
	done
}
badges_of() { sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM badges b JOIN members m ON m.id = b.member_id WHERE m.name = '$1' AND b.kind = '${2:-desfire}'"; }
main_grants() { [ "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM events WHERE type = 'access_granted' AND reader = 'main-card'")" -ge "$1" ]; }
hall_grants() { [ "$(grants)" -ge "$1" ]; }

CARD2=04A1B2C3D4E5F7
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/node/hall/enrol" -C 1 -W 60 -N >"$T/request"
sleep 0.5
secure_at $CARD2 alice
check "badge enrol alice --secure at hall's desk exits 0 (exit $RC)" test "$RC" -eq 0
check "it says the primary recorded a DESFire badge" grep -q "DESFire) enrolled for alice (member 1) at reader desk by the primary main" "$T/e.out"
check "the request is of kind desfire, with the credential's MAC" grep -q '"kind":"desfire",.*"credential":"' "$T/request"
check "the request carries no UID" sh -c "! grep -qi '$CARD2' '$T/request'"
answer_to "$T/request"
check "the request sent again is answered created, the same badge" grep -q '"result":"created","badge_id":2,' "$T/answer"
check "alice has two DESFire badges on the primary, no more" test "$(badges_of alice)" = 2
check "its badge_enrolled names hall, who asked there and the request" sh -c "sqlite3 '$T/main/seuil.db' \"SELECT reader, actor, detail FROM events WHERE type = 'badge_enrolled' AND badge_id = 2\" | grep -Eq '^desk\|node:hall uid:[0-9]+\([^|]*\|node hall request [0-9a-f]{32}, desfire$'"
check "one badge_enrolled for it" test "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM events WHERE type = 'badge_enrolled' AND badge_id = 2")" = 1
check "the replica's store records none" test "$(node_events hall badge_enrolled)" = 0
check "the badge reaches hall" wait_until 10 same_digest main hall
present door $CARD2
check "the card made at hall opens hall's desfire door" wait_until 10 hall_grants 2
emu door remove
present mdoor $CARD2
check "and main's" wait_until 10 main_grants 1
emu mdoor remove
present door $CARD2 clone
check "its UID on a clone is denied at hall: credential_required" wait_until 10 denied_with credential_required 2
check "no grant for the clone" test "$(grants)" = 2
emu door remove

# ---- the operate role (a console desk account): alice's card for bob ----
# req JSON: one request on hall's control socket, its reply printed.
req() {
	python3 - "$T/hall/control.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.send(sys.argv[2].encode()); print(s.recv(4096).decode())
PY
}
N_WAIT=$((N_WAIT + 1))
spawn req '{"cmd":"enrol","member":"bob","secure":true,"desk":true,"timeout":20}' >"$T/q.out"
p=$SPAWN_PID
wait_until 10 hall_waits "$N_WAIT"
emu hdesk "card $CARD2 desfire"
wait "$p"
emu hdesk remove
check "alice's card for bob, as a desk account: refused, permission" \
    sh -c "grep -q '\"code\":\"permission\"' '$T/q.out' && grep -q 'the primary main: this card is badge 2 of member 1: giving it to another member needs the admin role (the card is unchanged)' '$T/q.out'"
check "bob has no badge" test "$(badges_of bob)" = 0
present door $CARD2
check "and alice's card still opens hall's door" wait_until 10 hall_grants 3
emu door remove

# ---- the operate role upgrades the member's own UID badge on that card ----
CARD5=04A1B2C3D4E5FA
nctl main badge add dave $CARD5 >/dev/null || not_ok "dave has a UID badge on that card"
N_WAIT=$((N_WAIT + 1))
spawn req '{"cmd":"enrol","member":"dave","secure":true,"desk":true,"timeout":20}' >"$T/q.out"
p=$SPAWN_PID
wait_until 10 hall_waits "$N_WAIT"
emu hdesk "card $CARD5 desfire"
wait "$p"
emu hdesk remove
check "dave's own UID badge made secure by a desk account at hall: ok" grep -q '"ok":true,.*"kind":"desfire"' "$T/q.out"
check "dave's DESFire badge on the primary" test "$(badges_of dave)" = 1
check "his UID badge revoked" test "$(sqlite3 "$T/main/seuil.db" "SELECT b.status FROM badges b JOIN members m ON m.id = b.member_id WHERE m.name = 'dave' AND b.kind = 'uid'")" = revoked
check "the event says it upgrades it" sh -c "sqlite3 '$T/main/seuil.db' \"SELECT detail FROM events WHERE type = 'badge_enrolled' AND member_id = 4\" | grep -Eq '^node hall request [0-9a-f]{32}, desfire, upgrades badge [0-9]+$'"

# ---- a member the primary does not know: the card is left written ----
CARD4=04A1B2C3D4E5F9
secure_at $CARD4 nobody
check "an unknown member: not found, exit 66 (exit $RC)" test "$RC" -eq 66
check "it says what the card holds" grep -q "the card now holds this site's application and a credential no badge has" "$T/e.out"
present door $CARD4
check "that card at hall's door: credential_invalid" wait_until 10 denied_with credential_invalid 1
emu door remove
nctl hall badge wipe --timeout 5 >"$T/w.out" 2>&1
RC=$?
check "badge wipe at a replica: refused before any tap, exit 77 (exit $RC)" test "$RC" -eq 77
emu desk remove
spawn nctl main badge wipe --timeout 20 >"$T/w.out" 2>&1
p=$SPAWN_PID
wait_until 10 grep -q "badge wipe: waiting" "$T/main/seuild.log"
emu desk "card $CARD4 desfire"
wait "$p"
RC=$?
emu desk remove
check "badge wipe at the primary's desk clears it (exit $RC)" test "$RC" -eq 0
check "it says no badge held its credential" grep -q "wiped at reader desk; no badge held its credential" "$T/w.out"

# ---- the primary cut off: a timeout, nothing made; after the heal, once ----
CARD3=04A1B2C3D4E5F8
cut_relay main
secure_at $CARD3 carol
check "no answer: exit 75 (exit $RC)" test "$RC" -eq 75
check "it says nothing was enrolled and what the card holds" sh -c "grep -q 'the primary main did not answer within 10 s: the badge was not enrolled' '$T/e.out' && grep -q 'a credential no badge has' '$T/e.out'"
start_relay main "$BROKER_PORT" || not_ok "the relay again"
primary_back() { [ "$(grep -c 'mqtt: connected' "$T/main/seuild.log")" -ge 2 ]; }
wait_until 15 primary_back
sleep 2
check "nothing was made on the primary, even after the heal" test "$(badges_of carol)" = 0
present door $CARD3
check "the card at hall's door meanwhile: credential_invalid" wait_until 10 denied_with credential_invalid 2
emu door remove
secure_at $CARD3 carol
check "the same enrolment again after the heal: enrolled (exit $RC)" test "$RC" -eq 0
check "once" test "$(badges_of carol)" = 1
check "the badge reaches hall" wait_until 10 same_digest main hall
present door $CARD3
check "carol's card opens hall's door" wait_until 10 hall_grants 4
emu door remove
