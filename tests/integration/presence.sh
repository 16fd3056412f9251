#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Presence: in/out/toggle readers, expiry, restart with overdue expiries,
# manual checkout through the control socket.
. "$(dirname "$0")/../lib.sh"

write_config <<'CONF'

[reader.side]
driver = sim
sim_fifo = TDIR/side.fifo
door = front
direction = toggle

[presence]
expire_after = 5s
toggle_guard = 2s
CONF
sed -i "s|TDIR|$T|" "$T/seuild.conf"
ctl init >/dev/null
for m in alice bob carol; do ctl member add $m >/dev/null; done
ctl badge add alice 04A1A1A1 >/dev/null
ctl badge add bob 04B1B1B1 >/dev/null
ctl badge add carol 04C1C1C1 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

visits() { sqlite3 "$T/seuil.db" "select m.name||':'||ifnull(v.left_reason,'present') from visits v join members m on m.id=v.member_id order by v.id"; }

tap front-in 04A1A1A1
check "in reader: arrival" wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx alice:present"
tap front-out 04A1A1A1
check "out reader: departure badge_out" wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx alice:badge_out"

tap side 04B1B1B1
check "toggle: arrival" wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx bob:present"
sleep 0.3
tap side 04B1B1B1
sleep 0.5
check "toggle guard ignores a second tap" sh -c "$(declare -f visits); T=$T visits | grep -qx bob:present"
sleep 2
tap side 04B1B1B1
check "toggle after the guard: departure toggle" wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx bob:toggle"

tap front-in 04C1C1C1
wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx carol:present"
check "expiry after expire_after: timeout" wait_until 10 sh -c "$(declare -f visits); T=$T visits | grep -qx carol:timeout"
check "timeout visit left at its last badge" test "$(sqlite3 "$T/seuil.db" "select left_ts = last_seen_ts from visits v join members m on m.id=v.member_id where m.name='carol'")" = 1

tap front-in 04A1A1A1
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from visits where left_ts is null\") = 1 ]"
check "manual checkout" ctl checkout alice
check "checkout is a departure 'manual'" wait_until 5 sh -c "$(declare -f visits); T=$T visits | grep -qx alice:manual"

# Presence survives a restart, and an expiry that fell due while the daemon
# was down is applied at start.
tap front-in 04A1A1A1
wait_until 5 sh -c "[ \$(sqlite3 '$T/seuil.db' \"select count(*) from visits where left_ts is null\") = 1 ]"
stop_seuild
check "visit still open after stop" test "$(sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts is null")" = 1
start_seuild
check "presence rebuilt at start" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -q alice"
stop_seuild
sleep 5.5
start_seuild
check "overdue expiry applied at start" wait_until 5 open_visits_is 0
stop_seuild
