#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Guests on a site: a member on the primary lends a loaner to a guest, and
# the guest's tap on it is granted at a replica within 2 s; the pass ended
# on the primary is denied there within 2 s; a replica cut off still
# denies a pass past its end (and ends the guest's visit itself); a
# replica refuses guest and pool changes naming the primary, through
# seuild and through its store; the primary's B/presence counts the guest
# who arrived at the replica as a single Pi counts a guest (never named);
# the guest's name and a member's e-mail never reach the replica nor the
# broker; the copies are equal after each step.
. "$(dirname "$0")/../lib.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" <<'CONF'

[guests]
sponsor_groups = members
CONF
site_node hall replica "$(relay_port hall)" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null && nctl main group add members >/dev/null &&
	nctl main member add alice --display Alice --public --group members --email alice@example.org >/dev/null &&
	nctl main badge add alice 04A1B2C3 >/dev/null &&
	echo 04C1C1C1 | nctl main guest pool add - --label L1 >/dev/null &&
	echo 04C2C2C2 | nctl main guest pool add - --label L2 >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
sub_start "$T/all.out" 'seuil/test/#' || { not_ok "subscriber"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
check "the replica's copy is the primary's, the pool with it" wait_until 10 same_digest main hall
check "the pool reached hall" test "$(sqlite3 "$T/hall/seuil.db" "SELECT group_concat(label) FROM (SELECT label FROM loaners ORDER BY label)")" = L1,L2
check "a loaner lent to no one is denied at hall (not_lent)" node_decides hall 04C1C1C1 denied
check "with its reason" test "$(sqlite3 "$T/hall/seuil.db" "SELECT reason FROM events WHERE type = 'access_denied' ORDER BY seq DESC LIMIT 1")" = not_lent

# ---- a guest lent a loaner on the primary, let in at the replica ----
alice=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM members WHERE name = 'alice'")
t0=$(date +%s%N)
nctl main guest add 'Zoe Quintessa' --sponsor alice --badge L1 >/dev/null || not_ok "guest add on the primary"
zoe=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM guests WHERE name = 'Zoe Quintessa'")
until node_decides hall 04C1C1C1 granted; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || break
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "lent on the primary, granted at hall after $ms ms"
check "the guest's tap on the loaner is granted at hall within 2 s" test "$ms" -lt 2000
check "hall's event names the pass and the sponsor, as a single Pi's" \
    test "$(sqlite3 "$T/hall/seuil.db" "SELECT guest_id || '|' || via || '|' || detail || '|' || ifnull(member_id, '') FROM events WHERE type = 'access_granted' ORDER BY seq DESC LIMIT 1")" = "$zoe|$alice|loaner L1|"
check "the copies are equal" wait_until 5 same_digest main hall
site_guest_arrived() { [ "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_events WHERE node = 'hall' AND type = 'arrival' AND guest_id = $zoe AND via = $alice")" -ge 1 ]; }
check "the guest's arrival at hall reaches the primary with the pass and the sponsor" wait_until 10 site_guest_arrived
# B/presence, retained: the site counts the guest, names no one but a
# public member (alice is not here), as a single Pi's presence does.
presence() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t seuil/test/presence -C 1 -W 3 2>/dev/null; }
presence_is() {
	presence | python3 -c '
import json, sys
p = json.load(sys.stdin)
sys.exit(0 if (p["count"], p["anonymous"], p["people"]) == (int(sys.argv[1]), int(sys.argv[1]), []) else 1)' "$1"
}
check "the primary's B/presence counts the guest at hall, unnamed" wait_until 10 presence_is 1
check "B/presence/count says 1" wait_until 5 sh -c "[ \"\$(mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t seuil/test/presence/count -C 1 -W 3)\" = 1 ]"

# ---- the pass ended on the primary: denied at the replica ----
t0=$(date +%s%N)
nctl main guest end "$zoe" >/dev/null || not_ok "guest end on the primary"
until node_decides hall 04C1C1C1 denied; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || break
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "ended on the primary, denied at hall after $ms ms"
check "a pass ended on the primary is denied at hall within 2 s" test "$ms" -lt 2000
check "the guest leaves the site's presence: hall ends the visit" wait_until 10 presence_is 0
check "the copies are equal" wait_until 5 same_digest main hall

# ---- a guest erased on the primary while at hall: gone there too ----
nctl main guest add 'Xia Quintessa' --sponsor alice --badge L1 >/dev/null || not_ok "a third pass"
xia=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM guests WHERE name = 'Xia Quintessa'")
check "the third guest is let in at hall" wait_until 5 node_decides hall 04C1C1C1 granted
check "and counted on site" wait_until 10 presence_is 1
nctl main guest erase "$xia" --yes >/dev/null || not_ok "guest erase on the primary"
check "erased on the primary: the guest leaves the site's presence" wait_until 10 presence_is 0
check "hall holds no pass of the erased guest" wait_until 5 output_is 0 sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM guests WHERE id = $xia"
check "nor an event or a visit that names them" test "$(sqlite3 "$T/hall/seuil.db" "SELECT (SELECT count(*) FROM events WHERE guest_id = $xia) + (SELECT count(*) FROM visits WHERE guest_id = $xia AND left_ts IS NOT NULL)")" = 0
check "the erased guest's loaner is denied at hall" node_decides hall 04C1C1C1 denied
check "the copies are equal" wait_until 5 same_digest main hall

# ---- a replica refuses guest changes, naming the primary ----
refused() {	# refused NAME ARGS...: exit 77, the primary named
	local n=$1; shift
	"$SEUILCTL" -f "$T/hall/seuild.conf" "$@" </dev/null >/dev/null 2>"$T/refused.err"
	local rc=$?
	if [ "$rc" = 77 ] && grep -q "'main'" "$T/refused.err"; then ok "$n"; else
		not_ok "$n"; diag "exit $rc: $(cat "$T/refused.err")"; fi
}
refused "seuild on hall refuses guest add (77, naming main)" guest add Mallory --sponsor alice
refused "seuild on hall refuses guest lend (77)" guest lend "$zoe" L2
refused "seuild on hall refuses guest end (77)" guest end "$zoe"
refused "seuild on hall refuses a loaner into the pool (77)" guest pool add 04C9C9C9 --label L9

# ---- a pass past its end, on a replica cut off ----
until=$(TZ=Europe/Paris date -d "@$(( $(date +%s) + 12 ))" +%Y-%m-%dT%H:%M:%S)
nctl main guest add 'Yan Quintessa' --sponsor alice --badge L2 --until "$until" >/dev/null || not_ok "a short pass"
yan=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM guests WHERE name = 'Yan Quintessa'")
check "the short pass opens at hall" wait_until 5 node_decides hall 04C2C2C2 granted
cut_relay hall
state_is() { [ "$(nctl "$1" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["state"])')" = "$2" ]; }
check "cut off, hall turns stale" wait_until 8 state_is hall stale
check "stale, hall still lets the guest in before the end" node_decides hall 04C2C2C2 granted
past_end() { [ "$(date +%s)" -gt "$(TZ=Europe/Paris date -d "$until" +%s)" ]; }
wait_until 20 past_end
check "cut off, hall denies the pass past its end" node_decides hall 04C2C2C2 denied
check "with the reason expired" test "$(sqlite3 "$T/hall/seuil.db" "SELECT reason FROM events WHERE type = 'access_denied' ORDER BY seq DESC LIMIT 1")" = expired
hall_left() { [ "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM events WHERE type = 'departure' AND guest_id = $yan")" -ge 1 ]; }
check "cut off, hall ends the guest's visit at the pass's end" wait_until 10 hall_left
check "and closes no pass itself (the primary does)" test "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM guests WHERE id = $yan AND ended IS NULL")" = 1
start_relay hall "$BROKER_PORT" || not_ok "relay again"
check "healed, the copies are equal" wait_until 15 same_digest main hall
check "and the primary's close of the pass reached hall" test "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM guests WHERE id = $yan AND ended IS NOT NULL")" = 1
check "the site's presence is empty again" wait_until 10 presence_is 0

# ---- nothing that must not travel did ----
check "hall's store holds no guest's name" test "$(sqlite3 "$T/hall/seuil.db" .dump | grep -c Quintessa)" = 0
check "nor a member's e-mail" test "$(sqlite3 "$T/hall/seuil.db" .dump | grep -c example.org)" = 0
check "hall's guests are named by their id" test "$(sqlite3 "$T/hall/seuil.db" "SELECT name FROM guests WHERE id = $zoe")" = "guest-$zoe"
check "the broker carried no guest's name" test "$(grep -c Quintessa "$T/all.out")" = 0
check "nor an e-mail" test "$(grep -c example.org "$T/all.out")" = 0
check "the broker carried the guests' passes (the snapshot or a delta)" grep -q '"guests":\[' "$T/all.out"

# ---- the replica's store refuses too, whatever the program ----
stop_node hall
refused "hall's store refuses guest add without seuild (77, naming main)" guest add Mallory --sponsor alice
refused "hall's store refuses a loaner into the pool without seuild (77)" guest pool add 04C9C9C9 --label L9
check "and any other program's write to the guests" sh -c \
    "! sqlite3 '$T/hall/seuil.db' \"UPDATE guests SET ends = 0\" 2>'$T/sql.err' && grep -q replica '$T/sql.err'"
check "hall's copy is still the primary's" same_digest main hall
