#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A replica's door reads the site's secure (DESFire) badges: the bundle
# `seuilctl site join` writes carries the DESFire keys, so a card made a
# badge at the primary's desk (real libnfc, emulated PN532s sharing their
# cards, tests/tools/pn532emu.c) opens the replica's credential = desfire
# door once the delta arrives, and its UID on a clone is denied there
# (credential_required).
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
for e in desk door; do start_emu $e || { not_ok "emulator $e starts"; exit 1; }; done

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" <<CONF

[reader.desk]
driver = libnfc
connstring = pn532_uart:$T/desk.pty
enrol = true
CONF
site_node hall replica "$(relay_port hall)" <<CONF

[reader.hall-card]
driver = libnfc
connstring = pn532_uart:$T/door.pty
door = hall
direction = in
credential = desfire
CONF
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) || { not_ok "setup"; exit 1; }
check "the bundle carries the DESFire keys" grep -q '"credentials_key"' "$T/hall.bundle"
check "site install installs them" nctl hall site install "$T/hall.bundle"
check "the same bytes as the primary's" cmp -s "$T/main/credentials.key" "$T/hall/credentials.key"
check "0600" test "$(stat -c %a "$T/hall/credentials.key")" = 600
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
online() { [ "$(sqlite3 "$T/$1/seuil.db" "SELECT count(*) FROM events WHERE type = 'reader_online' AND reader = '$2'")" -ge 1 ]; }
check "main's desk reader is online" wait_until 20 online main desk
check "hall's DESFire door reader is online" wait_until 20 online hall hall-card
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
