#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An enrolment waiting for a tap at reader "back-in" still means that reader
# after a reload that reorders the doors and readers: a tap at another reader
# that allows enrolment is not linked.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/back"
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
enrol = true
CONF
sed -i '/^\[reader.front-in\]/a enrol = true' "$T/seuild.conf"
ctl init >/dev/null && ctl member add bob >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }
wait_until 5 count_is reader_online -ge 3

spawn ctl badge enrol bob --reader back-in --timeout 30 >"$T/enrol.out" 2>&1
ENROL=$SPAWN_PID
wait_until 5 grep -q "enrolment: waiting" "$T/seuild.log"

# Reorder: door "back" first, so the door indices swap.
python3 - "$T/seuild.conf" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
parts = re.split(r"(?m)^(?=\[)", s)
move = ("[door.back]", "[reader.back-in]")
back = [x for x in parts if x.startswith(move)]
rest = [x for x in parts if not x.startswith(move)]
i = next(k for k, x in enumerate(rest) if x.startswith("[door.front]"))
open(p, "w").write("".join(rest[:i] + back + ["\n"] + rest[i:]))
PY
kill -HUP "$SEUILD_PID"
check "reload accepted" wait_until 10 grep -q "configuration reloaded" "$T/seuild.log"
wait_until 5 count_is reader_online -ge 6
tap front-in 04CAFE00
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='access_denied'\") -ge 1 ]"
sleep 0.3
check "a tap at the other enrolling reader is not enrolled" test "$(sqlite3 "$T/seuil.db" 'select count(*) from badges')" = 0
tap back-in 04BEEF00
check "a tap at the enrolment's reader is" wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' 'select count(*) from badges') = 1 ]"
wait "$ENROL" 2>/dev/null
stop_seuild
