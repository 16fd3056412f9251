# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Helpers for the tests of several emulated PN532s (tests/tools/pn532emu.c)
# that share one store of cards ($T/cards), so that a card written at one
# reader is the same card at another; sourced after tests/lib.sh.  The
# real libnfc talks to each over a pseudo-terminal, $T/NAME.pty.
EMU=$BUILD/tests/pn532emu
export LIBNFC_AUTO_SCAN=false
mkdir -p "$T/cards"

start_emu() {	# start_emu NAME
	mkfifo "$T/$1.ctl"
	spawn "$EMU" --link "$T/$1.pty" --control "$T/$1.ctl" --cards "$T/cards" \
	    >"$T/$1.out" 2>>"$T/$1.log"
	wait_until 10 test -s "$T/$1.out"
}
emu() { local e=$1; shift; echo "$*" >"$T/$e.ctl"; }	# emu NAME COMMAND...
# present EMU UID [TYPE]: the card alone in that field
present() { emu "$1" remove; emu "$1" "card $2 ${3:-desfire}"; }
