#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's secure enrolment (POST /api/v1/enrol with "secure": true)
# through the real seuil-web and seuild, real libnfc and two emulated
# PN532s (tests/tools/pn532emu.c) sharing their cards, reader_sandbox =
# required: an admin makes a blank DESFire card alice's badge at the desk
# (201, the badge listed with kind desfire) and it opens the door; a desk
# account cannot give that card to another member (403, seuild's
# permission), and a desk account's secure enrolment of a member's first
# badge goes through.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

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
write_web_config </dev/null
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
s = re.sub(r"\[reader\.desk\].*?\n\n", f"""[reader.desk]
driver = libnfc
connstring = pn532_uart:{t}/desk.pty
enrol = true

""", s, flags=re.S)
s = s.replace("[security]\n", "[security]\nreader_sandbox = required\n", 1)
open(p, "w").write(s)
PY
ctl init >/dev/null && ctl member add alice >/dev/null && ctl member add bob >/dev/null &&
    ctl member add carol >/dev/null || { not_ok "setup"; exit 1; }
add_web_user camille 'correct horse' admin
add_web_user desk1 'desk password' desk
start_seuild || { not_ok "seuild starts"; exit 1; }
online() { [ "$(sqlite3 "$T/seuil.db" "select count(distinct reader) from events where type='reader_online'")" -ge 2 ]; }
check "both libnfc readers online, contained" wait_until 20 online
start_web || { not_ok "seuil-web starts"; exit 1; }
web_login camille 'correct horse' || { not_ok "login"; exit 1; }

N_WAIT=0
waits() { [ "$(grep -c "waiting .* for a DESFire card" "$T/seuild.log")" -ge "$1" ]; }
# enrol_web MEMBER CARD: the console's secure enrolment at the desk, the
# card presented once seuild waits; the HTTP status in $T/code, the body in
# $T/body.
enrol_web() {
	N_WAIT=$((N_WAIT + 1))
	emu desk remove
	spawn api POST /enrol "{\"member\":\"$1\",\"reader\":\"desk\",\"secure\":true,\"timeout\":20}" >"$T/code"
	local p=$SPAWN_PID
	wait_until 10 waits "$N_WAIT"
	emu desk "card $2 desfire"
	wait "$p"
	emu desk remove
}

CARD=04A1B2C3D4E5F6
enrol_web alice $CARD
check "console: secure enrolment of a blank card, 201 (got $(cat "$T/code"))" test "$(cat "$T/code")" = 201
check "console: the reply names the desk and the card's hint" json_true "v['reader'] == 'desk' and v['hint'] == 'E5F6'"
check "console: GET /badges" test "$(api GET /badges)" = 200
check "console: alice's badge is a DESFire one" json_true "[b['kind'] for b in v if b['hint'] == 'E5F6'] == ['desfire']"
check "the enrolment is audited as camille's" sh -c \
    "sqlite3 '$T/seuil.db' \"select actor from events where type = 'badge_enrolled'\" | grep -q 'web:camille'"
emu door remove; emu door "card $CARD desfire"
check "the card opens the door" wait_until 10 count_is access_granted -ge 1
emu door remove

web_login desk1 'desk password' || not_ok "desk1 logs in"
enrol_web bob $CARD
check "a desk account cannot give alice's card to bob: 403 (got $(cat "$T/code"))" test "$(cat "$T/code")" = 403
check "it says why" json_true "'another member' in v['error']"
check "and alice keeps it" test "$(sqlite3 "$T/seuil.db" "select count(*) from badges where member_id = (select id from members where name = 'alice') and kind = 'desfire' and status = 'active'")" = 1
enrol_web carol 04C0C0C0C0C0C0
check "a desk account enrols a member's first DESFire badge: 201 (got $(cat "$T/code"))" test "$(cat "$T/code")" = 201
check "seuild and seuil-web are still up" sh -c "kill -0 $SEUILD_PID && kill -0 $WEB_PID"
stop_web
stop_seuild
