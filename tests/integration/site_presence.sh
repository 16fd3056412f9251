#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Who is on site, by a single Pi's rules, and the site's visits: alice
# arrives at hall (a replica), bob at main (the primary); main's
# B/presence/count is 2 and B/presence names alice (public) and not bob, as
# a single Pi would; SpaceAPI counts 2 and is open while hall's door holds
# office hours (open_from = office_hours: main's own door has none).  Main's
# wall clock is under libfaketime (a timestamp file holding an offset from
# now; CLOCK_MONOTONIC real): 2 h later, past main's [presence]
# expire_after of 1 h, hall's arrival drops out of the site (hall, whose
# expire_after is the default 8 h, keeps its own visit open), with its
# last seen as the time left.  seuilctl report on main shows hall's visit
# with its node; a checkout on main ends a visit at hall; a member's
# erasure takes their site visits; the retention
# (visit_retention 1 d, three days later) purges them.
. "$(dirname "$0")/../lib.sh"

LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || { echo "skip site_presence: libfaketime not installed (package faketime)"; exit 0; }

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" <<CONF

[presence]
expire_after = 1h

[spaceapi]
open_from = office_hours
CONF
sed -i "/^uid_key_file/a event_retention = 1d\\nvisit_retention = 1d" "$T/main/seuild.conf"
sed -i "/^homeassistant/a spaceapi_file = $T/main/space.json" "$T/main/seuild.conf"
site_node hall replica "$(relay_port hall)" </dev/null
sed -i "/^unlock_time/a continuous_duty = true\\nunlock_schedule = daily 00:00-23:59\\nfirst_in = staff" \
	"$T/hall/seuild.conf"
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main group add staff >/dev/null &&
	nctl main member add alice --display Alice --public --group staff >/dev/null &&
	nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob >/dev/null && nctl main badge add bob 04B0B0B0 >/dev/null &&
	nctl main member add carol >/dev/null && nctl main badge add carol 04C0C0C0 >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
alice=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM members WHERE name = 'alice'")

FT=$T/faketime
echo "+0" >"$FT"
FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	LD_PRELOAD=$LIBFT ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 start_node main ||
	{ not_ok "main starts under faketime"; exit 1; }
start_node hall || { not_ok "hall starts"; exit 1; }
check "hall's copy is main's" wait_until 10 same_digest main hall

retained() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "seuil/test/$1" -C 1 -W 3 2>/dev/null; }
count_is() { [ "$(retained presence/count)" = "$1" ]; }
# presence_is COUNT NAMES: B/presence counts COUNT people, named NAMES
# (comma-separated, "" for none), the others anonymous.
presence_is() {
	retained presence | python3 -c '
import json, sys
p = json.load(sys.stdin)
names = ",".join(x["name"] for x in p["people"] if x.get("name"))
sys.exit(0 if p["count"] == int(sys.argv[1]) and p["anonymous"] + len(p["people"]) == p["count"] and names == sys.argv[2] else 1)' "$1" "$2"
}
space() { python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/main/space.json" "$1" 2>/dev/null; }
open_visits() { sqlite3 "$T/main/seuil.db" "SELECT ifnull(group_concat(v, ' '), '') FROM (SELECT node || ':' || ifnull(member_id, 'none') AS v FROM site_visits WHERE left_ts IS NULL ORDER BY node)"; }

check "closed before anyone comes (no door in office hours)" wait_until 10 output_is False space "v['state']['open']"
check "alice is let in at hall" node_decides hall 04A1B2C3 granted
check "bob is let in at main" node_decides main 04B0B0B0 granted
check "B/presence/count on main: 2, the site" wait_until 10 count_is 2
check "B/presence: Alice named (public), bob counted, unnamed" wait_until 10 presence_is 2 Alice
check "main's site visits: alice at hall, bob at main" wait_until 10 output_is "hall:$alice main:$((alice + 1))" open_visits
check "SpaceAPI counts the site" wait_until 10 output_is 2 space "v['sensors']['people_now_present'][0]['value']"
check "SpaceAPI open: hall's door holds office hours" wait_until 10 output_is True space "v['state']['open']"
check "never a name in SpaceAPI" sh -c "! grep -q Alice '$T/main/space.json'"
check "seuilctl report on main: alice's visit at hall, with its node" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' report attendance --csv | grep -q '^[0-9-]*,alice,1,1,.*,hall\$'"
check "... bob's at main" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' report attendance --csv | grep -q '^[0-9-]*,bob,1,1,.*,main\$'"
check "report members on main: alice's visit at hall counts" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' --json report members | python3 -c 'import json, sys; sys.exit(0 if any(r[\"member\"] == \"alice\" and r[\"visits\"] == 1 for r in json.load(sys.stdin)[\"rows\"]) else 1)'"
check "... and a nodes column in the table" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' report attendance | head -1 | grep -q 'nodes\$'"
# A checkout on main ends a visit at hall: carol is on site at hall only.
check "carol is let in at hall" node_decides hall 04C0C0C0 granted
check "B/presence/count: 3" wait_until 10 count_is 3
check "seuilctl checkout carol on main: she was on site" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' checkout carol | grep -qx 'carol checked out'"
check "... her visit at hall ends (reason manual), B/presence/count 2" wait_until 10 count_is 2
check "... in main's site visits" test "$(sqlite3 "$T/main/seuil.db" "SELECT left_reason FROM site_visits WHERE node = 'hall' AND member_id = $((alice + 2))")" = manual
check "seuilctl checkout carol again: not on site" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' checkout carol | grep -qx 'carol was not present'"
check "hall's own report: its own visits, no nodes column" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' report attendance --csv | head -1 | grep -qv nodes"

# ---- 2 h later on main: past its expire_after ----
echo "+7200" >"$FT"
check "main ends alice's visit at hall by its own rule (timeout, left when last seen)" wait_until 15 sh -c "[ \"\$(sqlite3 '$T/main/seuil.db' \"SELECT left_reason FROM site_visits WHERE node = 'hall' AND member_id = $alice AND left_ts = last_seen_ts\")\" = timeout ] || [ \"\$(sqlite3 '$T/main/seuil.db' \"SELECT left_reason FROM site_visits WHERE node = 'hall' AND member_id = $alice\")\" = day_end ]"
check "hall keeps its own visit open (its expire_after is 8 h)" test "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM visits WHERE left_ts IS NULL AND member_id = $alice")" = 1
check "bob comes back to main" node_decides main 04B0B0B0 granted
check "B/presence/count: 1, hall's arrival dropped out" wait_until 10 count_is 1
check "B/presence: bob alone, unnamed" wait_until 10 presence_is 1 ""
check "SpaceAPI counts 1" wait_until 10 output_is 1 space "v['sensors']['people_now_present'][0]['value']"
# ---- erasure and retention ----
before=$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_visits WHERE member_id = $alice")
nctl main member erase alice --yes >/dev/null || not_ok "erase alice"
check "erasure: alice had site visits, none is hers now" test "$before" -ge 1 -a \
	"$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_visits WHERE member_id = $alice")" = 0
check "... they stay, anonymous (counts keep)" test "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_visits WHERE node = 'hall' AND member_id IS NULL")" -ge 1
echo "+259200" >"$FT"
# main's day end or timeout closes bob's visit; then the retention.
check "three days later every site visit has ended" wait_until 15 output_is "" open_visits
nctl main purge >"$T/purge.out" 2>&1 || not_ok "purge"
diag "purge: $(tr '\n' ' ' <"$T/purge.out"); visits: $(sqlite3 "$T/main/seuil.db" "SELECT group_concat(node || ':' || ifnull(member_id, '-') || ':' || arrived_ts || ':' || ifnull(left_ts, '') || ':' || ifnull(left_reason, ''), ' ') FROM site_visits") now $(date +%s)"
check "retention: the site's visits that ended over a day ago are purged" test "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_visits")" = 0
