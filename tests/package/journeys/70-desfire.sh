# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/hardware-reader.md: a DESFire badge with the installed programs.
# Two PN532 readers on libnfc, here the test's PN532 emulator
# (tests/tools/pn532emu.c) on a pty, run as seuil so that seuild may open
# it: a desk reader that enrols and a reader at the front door that takes
# DESFire credentials only.  A blank card made alice's badge at the desk
# with `seuilctl badge enroll --secure` (the keys are the credentials key
# file `seuilctl init` made) opens the door under seuild's unit; its UID
# on a clone card does not; `seuilctl badge wipe` takes the card back.

NFC=/run/seuil-test/nfc
DF_CARD=04A1B2C3D4E5F6

# emu NAME LINE: one command to an emulator's control FIFO.
emu() { timeout 5 sh -c "printf '%s\n' '$2' >'$R$NFC/$1.ctl'"; }
emu_start() {	# emu_start NAME
	as_user seuil mkfifo -m 0600 "$NFC/$1.ctl" || return 1
	as_user seuil /seuil-test/pn532emu --link "$NFC/$1.pty" --control "$NFC/$1.ctl" \
	    --cards "$NFC/cards" >"$R/run/seuil-test/emu-$1.out" 2>"$R/run/seuil-test/emu-$1.log" &
	wait_until 10 test -s "$R/run/seuil-test/emu-$1.out"
}
readers_online() {	# readers_online NAME...
	chroot "$R" seuilctl status --json | python3 -c '
import json, sys
r = {x["name"]: x for x in json.load(sys.stdin)["readers"]}
sys.exit(not all(n in r and r[n]["online"] for n in sys.argv[1:]))' "$@"
}
df_badges() {	# df_badges STATUS: alice's DESFire badges in that status
	rsql "select count(*) from badges b join members m on m.id = b.member_id where m.name = 'alice' and b.kind = 'desfire' and b.status = '$1'"
}
last_grant_is() {	# last_grant_is KIND: the badge kind of the last grant
	[ "$(rsql "select b.kind from events e join badges b on b.id = e.badge_id where e.type = 'access_granted' order by e.seq desc limit 1")" = "$1" ]
}
wiped_ok() { [ "$(df_badges revoked)" = 1 ] && [ "$(df_badges active)" = 0 ]; }
denied_ge() { events_ge "type = 'access_denied' and reason = '$1'" "$2"; }

# enrol_df ARGS...: seuilctl ARGS at the desk (as root), the card presented
# once seuild waits; its exit status.
enrol_df() {
	local w e
	w=$(enrol_waits)
	emu nfc-desk remove
	inroot seuilctl "$@" --reader nfc-desk --timeout 20 >"$R/run/seuil-test/df-enrol.log" 2>&1 &
	e=$!
	wait_until 15 df_waits_gt "$w" || diag "seuild did not log its wait at the desk"
	emu nfc-desk "card $DF_CARD desfire"
	wait "$e"
}
df_waits() { count_lines "enrolment: waiting\|badge wipe: waiting" "$R/var/log/seuil-test/seuild.service.log"; }
df_waits_gt() { [ "$(df_waits)" -gt "$1" ]; }

journey_desfire() {
	local n rc
	if [ ! -x "$PKGTOP/build/tests/pn532emu" ]; then
		not_ok "the PN532 emulator is built ($PKGTOP/build/tests/pn532emu: make check-package builds it)"
		return 1
	fi
	install -m 0755 "$PKGTOP/build/tests/pn532emu" "$R/seuil-test/pn532emu"
	install -d -o "$(uid_of seuil)" -g "$(gid_of seuil)" -m 0750 "$R$NFC" "$R$NFC/cards"
	check "emulator nfc-desk starts (as seuil)" emu_start nfc-desk || return 1
	check "emulator nfc-door starts (as seuil)" emu_start nfc-door || return 1
	conf_set reader.nfc-desk driver libnfc
	conf_set reader.nfc-desk connstring "pn532_uart:$NFC/nfc-desk.pty"
	conf_set reader.nfc-desk enrol true
	conf_set reader.nfc-door driver libnfc
	conf_set reader.nfc-door connstring "pn532_uart:$NFC/nfc-door.pty"
	conf_set reader.nfc-door door front
	conf_set reader.nfc-door direction in
	conf_set reader.nfc-door credential desfire
	check_out "seuild -n with two libnfc readers" "$R/run/seuil-test/df-n.log" \
	    sh -c "chroot '$R' seuild -n | grep -qx 'configuration OK'"
	check_out "systemctl restart seuild (new readers)" "$R/run/seuil-test/df-restart.log" unit restart seuild
	if ! check "both libnfc readers online, contained, under the unit" wait_until 30 readers_online nfc-desk nfc-door; then
		tail -n 20 "$R/var/log/seuil-test/seuild.service.log" | sed 's/^/#   /'
		return 1
	fi
	check "seuild read the credentials key file (no warning)" sh -c \
	    "! grep -q 'no credentials key file' '$R/var/log/seuil-test/seuild.service.log'"

	enrol_df badge enroll alice --secure; rc=$?
	if [ "$rc" = 0 ]; then ok "seuilctl badge enroll alice --secure: a blank DESFire card at the desk"; else
		not_ok "seuilctl badge enroll alice --secure: a blank DESFire card at the desk (exit $rc)"
		sed 's/^/#   /' "$R/run/seuil-test/df-enrol.log"
	fi
	emu nfc-desk remove
	check "alice has an active DESFire badge" test "$(df_badges active)" = 1
	check "the card's UID is stored nowhere in clear" sh -c \
	    "! grep -rqi '$DF_CARD' '$R/var/lib/seuil' '$R/var/log/seuil-test'"

	n=$(relay_lines)
	emu nfc-door "card $DF_CARD desfire"
	check "the DESFire badge opens the door (the relay moves)" wait_until 10 relay_lines_gt "$n"
	check "the grant is the DESFire badge's" wait_until 5 last_grant_is desfire
	emu nfc-door remove
	emu nfc-door "card $DF_CARD clone"
	check "its UID on a clone card: denied credential_required" wait_until 10 denied_ge credential_required 1
	emu nfc-door remove

	enrol_df badge wipe; rc=$?
	if [ "$rc" = 0 ]; then ok "seuilctl badge wipe at the desk"; else
		not_ok "seuilctl badge wipe at the desk (exit $rc)"; sed 's/^/#   /' "$R/run/seuil-test/df-enrol.log"; fi
	emu nfc-desk remove
	check "the wiped card's badge is revoked" wiped_ok
	emu nfc-door "card $DF_CARD desfire"
	check "the wiped card is denied at the door" wait_until 10 denied_ge credential_required 2
	emu nfc-door remove
	emu nfc-desk quit; emu nfc-door quit
	return 0
}
