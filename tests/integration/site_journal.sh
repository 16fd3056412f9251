#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One view of a site: a replica's events reach the primary's site_events
# once each, in its order, with no gap; the primary publishes the site's
# events on B/events (seq the site's, with node and node_seq) and who is on
# site on B/presence.  A replica cut off keeps its events and delivers them
# when healed; a broker killed with rows it had acknowledged (PUBACK) loses
# none, because a node resends from the primary's acknowledgement.
. "$(dirname "$0")/../lib.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" </dev/null
site_node hall replica "$(relay_port hall)" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice --display Alice --public >/dev/null &&
	nctl main badge add alice 04A1B2C3 >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
sub_start "$T/events.out" seuil/test/events || { not_ok "subscriber"; exit 1; }
sub_start "$T/door_events.out" "seuil/test/door/+/event" || { not_ok "door event subscriber"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
check "the replica's copy is the primary's" wait_until 10 same_digest main hall

# hall's own log, and what the primary holds of it, as seq lists.
hall_seqs() { sqlite3 "$T/hall/seuil.db" "SELECT ifnull(group_concat(seq), '') FROM (SELECT seq FROM events ORDER BY seq)"; }
site_seqs() { sqlite3 "$T/main/seuil.db" "SELECT ifnull(group_concat(node_seq), '') FROM (SELECT node_seq FROM site_events WHERE node = 'hall' ORDER BY site_seq)"; }
journal_whole() { [ -n "$(hall_seqs)" ] && [ "$(hall_seqs)" = "$(site_seqs)" ]; }
dups() { sqlite3 "$T/main/seuil.db" "SELECT count(*) - count(DISTINCT node || ':' || node_seq) FROM site_events"; }

check "alice is let in at hall" node_decides hall 04A1B2C3 granted
check "a stranger is not" node_decides hall 04DEAD00 denied
check "every hall event reaches the primary, in order, no gap" wait_until 10 journal_whole
check "the primary's own events are the site's too" wait_until 10 output_ge 1 sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_events WHERE node = 'main'"
check "the site's copy of hall's denial has its reason" test "$(sqlite3 "$T/main/seuil.db" "SELECT reason FROM site_events WHERE node = 'hall' AND type = 'access_denied'")" = unknown_badge
check "seuilctl log --site shows hall's events as hall:SEQ" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' log --site | grep -q ' hall:[0-9]* *access_granted'"
check "seuilctl log without --site is the primary's own" sh -c "! '$SEUILCTL' -f '$T/main/seuild.conf' log | grep -q hall:"
check "B/events carries hall's grant with node and node_seq" wait_until 10 grep -q '"type":"access_granted".*"node":"hall","node_seq":[0-9]' "$T/events.out"
# Home Assistant's event entity: hall announces its door and publishes its
# taps; the primary, whose B/events carries them too, must not again.
sleep 1
check "B/door/hall/event: hall's grant once, not again from the primary" test "$(grep -c '"event_type":"access_granted"' "$T/door_events.out")" = 1
# The site's sequence on B/events: 1, 2, 3... with no gap.
events_gap_free() {
	grep '^{' "$T/events.out" | python3 -c '
import json, sys
seqs = [json.loads(l)["seq"] for l in sys.stdin]
sys.exit(0 if seqs and seqs == list(range(1, len(seqs) + 1)) else 1)'
}
check "B/events: the site's seq, gap-free from 1" events_gap_free
# A replica's acl_applied, as the site publishes it: seq, ts and type only
# (and where it happened), never its revision or detail.
terse_acl() {
	grep '"type":"acl_applied"' "$T/events.out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
sys.exit(0 if rows and all(set(r) == {"seq", "ts", "type", "node", "node_seq"} for r in rows) else 1)'
}
check "B/events: hall's acl_applied carries seq, ts, type, node and node_seq only" terse_acl
presence_has_alice() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t seuil/test/presence -C 1 -W 3 2>/dev/null | grep -q Alice; }
check "B/presence: alice, arrived at hall, is on site" wait_until 10 presence_has_alice
hall_presence_has_alice() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t seuil/test/node/hall/presence -C 1 -W 3 2>/dev/null | grep -q Alice; }
check "B/node/hall/presence: hall's own, for a building's lobby" wait_until 10 hall_presence_has_alice
lag() { nctl main --json status | python3 -c '
import json, sys
n = [x for x in json.load(sys.stdin)["site"]["nodes"] if x["node"] == "hall"]
print(n[0]["journal_lag"] if n else -1)'; }
check "the primary's status lists hall, its journal caught up" wait_until 10 output_is 0 lag
check "and says so in words" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' status | grep -q '^  node hall: online, copy 1\.[0-9]*, current, journal at #[0-9]*, lag 0'"

# ---- a hard cut: hall keeps its events and sends them when healed ----
cut_relay hall
for _ in 1 2 3; do node_decides hall 04A1B2C3 granted || not_ok "a tap during the cut"; done
not_whole() { ! journal_whole; }
check "cut off: the primary does not have them" not_whole
start_relay hall "$BROKER_PORT" || not_ok "relay again"
check "healed: the cut's events arrive, in order, no gap" wait_until 15 journal_whole

# ---- a broker killed with rows it acknowledged ----
# The primary's relay is paused: the broker takes hall's rows (PUBACK) and
# cannot hand them on; then it dies, and with it what it held.
kill -STOP "$(relay_pid main)"
for _ in 1 2 3; do node_decides hall 04A1B2C3 granted || not_ok "a tap with the primary paused"; done
sleep 1
kill -9 "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
kill -CONT "$(relay_pid main)"
start_broker </dev/null || not_ok "broker again"
check "a broker lost what it held: hall resends from the acknowledgement, nothing lost" wait_until 20 journal_whole
check "each (node, seq) stored once" test "$(dups)" = 0
check "main is still a single site sequence (no gap in site_seq)" test "$(sqlite3 "$T/main/seuil.db" "SELECT max(site_seq) - count(*) FROM site_events")" = 0
