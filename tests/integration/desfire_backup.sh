#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A site with a DESFire badge is backed up with `seuilctl backup --with-key`
# (the database, the UID key and the credentials key file), lost (a new SD
# card), and restored by copying the keys back and `seuilctl restore`: the
# card still opens the door.  Restored with a credentials key file made
# afresh instead, the card opens nothing (credential_invalid), which is
# why docs/install.md says to keep the keys.  Real libnfc, two emulated
# PN532s sharing their cards, reader_sandbox = required.
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

for e in desk door; do start_emu $e || { not_ok "emulator $e starts"; exit 1; }; done
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
s = re.sub(r"\[reader\.front-out\].*?\n\n", f"""[reader.desk]
driver = libnfc
connstring = pn532_uart:{t}/desk.pty
enrol = true

""", s, flags=re.S)
s += "\n[security]\nreader_sandbox = required\nunsynced_clock = ignore\nlockout_failures = 32\n"
open(p, "w").write(s)
PY
ctl init >/dev/null && ctl member add alice >/dev/null || { not_ok "setup"; exit 1; }
online() { [ "$(count_event reader_online)" -ge "$1" ]; }
start_seuild || { not_ok "seuild starts"; exit 1; }
check "both readers online" wait_until 20 online 2

CARD=04F1F2F3F4F5F6
spawn ctl badge enrol alice --secure --timeout 20 >"$T/e.out" 2>&1
p=$SPAWN_PID
wait_until 10 grep -q "waiting .* for a DESFire card" "$T/seuild.log"
emu desk "card $CARD desfire"
wait "$p"
check "the card is made a badge at the desk" test $? -eq 0
emu desk remove
emu door "card $CARD desfire"
check "it opens the door" wait_until 10 count_is access_granted -ge 1
emu door remove

ctl backup --with-key "$T/backup" >"$T/b.out" 2>&1
check "backup --with-key" test $? -eq 0
check "it copies the credentials key file, 0600" test "$(stat -c %a "$T/backup/credentials.key")" = 600
check "beside the UID key" test "$(stat -c %a "$T/backup/uid.key")" = 600
check "and says so" grep -q "wrote $T/backup/credentials.key" "$T/b.out"
check "the copy is the key file" cmp -s "$T/credentials.key" "$T/backup/credentials.key"
stop_seuild

# A new SD card: nothing of the site left; set up as docs/install.md says
# (`seuilctl init`, which makes new keys), then the keys copied back.
rm -f "$T"/seuil.db* "$T/uid.key" "$T/credentials.key"
ctl init >/dev/null
check "a new card's credentials key differs" sh -c "! cmp -s '$T/credentials.key' '$T/backup/credentials.key'"
install -m 0600 "$T/backup/uid.key" "$T/uid.key"
install -m 0600 "$T/backup/credentials.key" "$T/credentials.key"
ctl restore "$T"/backup/seuil-*.db >/dev/null 2>&1
check "restored from the backup" test $? -eq 0
start_seuild || { not_ok "seuild starts again"; exit 1; }
check "the readers are back" wait_until 20 online 4
emu door "card $CARD desfire"
check "the restored site's card still opens" wait_until 10 count_is access_granted -ge 2
emu door remove
stop_seuild

# The same database with credentials keys made afresh: the card is no
# longer this site's.
rm -f "$T/credentials.key"
ctl init >/dev/null
check "init makes a new credentials key file" test -s "$T/credentials.key"
start_seuild || { not_ok "seuild starts a third time"; exit 1; }
wait_until 20 online 6
emu door "card $CARD desfire"
check "without the site's keys the card opens nothing: credential_invalid" \
    wait_until 10 has_reason access_denied credential_invalid
check "and no grant" test "$(count_event access_granted)" = 2
emu door remove
stop_seuild

# No credentials key file at all (a site that never ran `seuilctl init`
# since): seuild starts, says so, and a card with the application is still
# never decided by its UID, even an enrolled one.
rm -f "$T/credentials.key"
ctl badge add alice $CARD >/dev/null
start_seuild || { not_ok "seuild starts without the key file"; exit 1; }
check "seuild starts without the key file, and says so" grep -q "no credentials key file" "$T/seuild.log"
wait_until 20 online 8
emu door "card $CARD desfire"
check "the card is probed and denied, its UID badge notwithstanding" \
    wait_until 10 sh -c "sqlite3 '$T/seuil.db' \"select detail from events where reason='credential_invalid'\" | grep -q 'no credentials key file'"
check "still no grant" test "$(count_event access_granted)" = 2
emu door remove
ctl badge enrol alice --secure --timeout 2 >"$T/r.out" 2>&1
check "no secure enrolment without the key file" grep -q "no credentials key file" "$T/r.out"
stop_seuild
