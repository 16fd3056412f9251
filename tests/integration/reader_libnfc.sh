#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The real libnfc reader backend inside seuild's reader child, talking to a
# PN532 emulated on a pseudo-terminal (tests/tools/pn532emu.c).
. "$(dirname "$0")/../lib.sh"

EMU=$BUILD/tests/pn532emu
export LIBNFC_AUTO_SCAN=false

start_emu() {
	[ -p "$T/emu.ctl" ] || mkfifo "$T/emu.ctl"
	rm -f "$T/pn532"
	spawn "$EMU" --link "$T/pn532" --control "$T/emu.ctl" >"$T/emu.out" 2>>"$T/emu.log"
	EMU_PID=$SPAWN_PID
	wait_until 10 test -s "$T/emu.out"
}
emu() { echo "$*" >"$T/emu.ctl"; }

start_emu || { not_ok "emulator starts"; exit 1; }
write_config </dev/null
python3 - "$T/seuild.conf" "$T/pn532" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\[reader\.front-in\].*?\n\n", """[reader.front-in]
driver = libnfc
connstring = pn532_uart:%s
door = front
direction = in

""" % sys.argv[2], s, flags=re.S)
open(p, "w").write(s)
PY
ctl init >/dev/null
ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
ctl member add bob >/dev/null && ctl badge add bob 04112233445566 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
check "libnfc reader comes online" wait_until 10 sh -c "sqlite3 '$T/seuil.db' \"select 1 from events where type='reader_online' and reader='front-in'\" | grep -q 1"

emu card 04A1B2C3
check "a tap through libnfc is granted" wait_until 5 count_is access_granted = 1
check "and energises the relay" wait_until 5 relay_is 1
sleep 3
check "a card held 3 s is one tap" test "$(count_event access_granted)" = 1
emu remove
sleep 0.5
emu card 04A1B2C3
check "remove and re-tap gives a second tap" wait_until 5 count_is access_granted = 2
emu remove
sleep 0.5
emu card 04112233445566
check "a 7-byte UID works" wait_until 5 count_is access_granted = 3
emu remove
emu card 04DEAD01
check "an unknown card is denied" wait_until 5 has_reason access_denied unknown_badge
emu remove

# The emulator stops answering mid-command: the child misses heartbeats, is
# killed and respawned; once it answers again the reader is back.
offline_before=$(count_event reader_offline)
emu mute
check "a mute reader goes offline" wait_until 15 count_is reader_offline -gt "$offline_before"
check "seuild stays up" kill -0 "$SEUILD_PID"
emu unmute
check "and comes back online" wait_until 40 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='reader_online' and reader='front-in'\") -ge 2 ]"

# The reader disappears altogether.
online_before=$(sqlite3 "$T/seuil.db" "select count(*) from events where type='reader_online' and reader='front-in'")
offline_before=$(count_event reader_offline)
kill "$EMU_PID"; wait "$EMU_PID" 2>/dev/null
check "killed emulator: reader_offline within 10 s" wait_until 10 count_is reader_offline -gt "$offline_before"
check "door locked while the reader is away" test "$(relay_last)" = 0
start_emu
check "emulator back: reader_online" wait_until 40 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='reader_online' and reader='front-in'\") -gt $online_before ]"
n=$(count_event access_granted)
emu card 04A1B2C3
check "taps work again" wait_until 10 count_is access_granted -gt "$n"
stop_seuild
