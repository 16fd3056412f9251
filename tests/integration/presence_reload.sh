#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A reload that renames one door and removes another while members who came
# in through them are present: they stay present, and each departure names
# the door of arrival (the presence keeps its own copy of the name), as the
# visit does.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/back" "$T/side"
write_config <<CONF

[door.back]
gpio = sim
sim_dir = $T/back
unlock_time = 1s

[reader.back-in]
driver = sim
sim_fifo = $T/back-in.fifo
door = back
direction = in

[door.side]
gpio = sim
sim_dir = $T/side
unlock_time = 1s

[reader.side-in]
driver = sim
sim_fifo = $T/side-in.fifo
door = side
direction = in
CONF
ctl init >/dev/null
for m in alice bob carol; do ctl member add $m >/dev/null; done
ctl badge add alice 04A1A1A1 >/dev/null
ctl badge add bob 04B1B1B1 >/dev/null
ctl badge add carol 04C1C1C1 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
wait_until 5 count_is reader_online -ge 4

q() { sqlite3 "$T/seuil.db" "$1"; }
# visit NAME: door:reason of NAME's last visit ("present" while open)
visit() { q "select v.door||':'||ifnull(v.left_reason,'present') from visits v join members m on m.id=v.member_id where m.name='$1' order by v.id desc limit 1"; }
visit_is() { [ "$(visit "$1")" = "$2" ]; }
# departure NAME: the door of NAME's last departure event
departure() { q "select ifnull(e.door,'') from events e join members m on m.id=e.member_id where e.type='departure' and m.name='$1' order by e.seq desc limit 1"; }

tap back-in 04A1A1A1
tap side-in 04B1B1B1
check "alice arrives at back" wait_until 5 visit_is alice back:present
check "bob arrives at side" wait_until 5 visit_is bob side:present

# Door back becomes "rear" (its reader follows); door side and its reader go.
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
parts = re.split(r"(?m)^(?=\[)", s)
parts = [x for x in parts if not x.startswith(("[door.side]", "[reader.side-in]"))]
s = "".join(parts).replace("[door.back]", "[door.rear]").replace("door = back", "door = rear")
open(p, "w").write(s)
PY
kill -HUP "$SEUILD_PID"
check "reload accepted" wait_until 10 grep -q "configuration reloaded" "$T/seuild.log"
check "the doors are front and rear" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status --json | grep -q '\"rear\"'"
check "alice still present" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -q alice"
check "bob still present" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -q bob"

# A tap at the renamed door refreshes alice's visit: no second arrival.
wait_until 5 count_is reader_online -ge 5
tap back-in 04A1A1A1
check "alice's tap at rear is granted" wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='access_granted' and door='rear'\") = 1 ]"
check "no second arrival for alice" test "$(q "select count(*) from events e join members m on m.id=e.member_id where e.type='arrival' and m.name='alice'")" = 1

check "checkout alice" ctl checkout alice
check "alice's visit closed at back" wait_until 5 visit_is alice back:manual
check "alice's departure names back" test "$(departure alice)" = back
tap front-out 04B1B1B1
check "bob's visit closed at side" wait_until 5 visit_is bob side:badge_out
check "bob's departure names side" test "$(departure bob)" = side

# Someone new at the renamed door arrives at "rear".
tap back-in 04C1C1C1
check "carol arrives at rear" wait_until 5 visit_is carol rear:present
check "nobody but carol present" test "$(q "select count(*) from visits where left_ts is null")" = 1
stop_seuild
