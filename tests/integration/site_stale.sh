#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A replica cut off from its broker keeps deciding from its last verified
# copy, says it is stale after stale_after and applies when_expired after
# max_age (only offline_ok groups); healed, it takes the primary's latest
# copy at once.  A silent cut (the relay stopped, not killed) is found the
# same way.
. "$(dirname "$0")/../lib.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" </dev/null
site_node hall replica "$(relay_port hall)" <<'CONF'
max_age = 8s
CONF
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main group add keys >/dev/null && nctl main group edit keys --offline-ok yes >/dev/null &&
	nctl main member add alice --group keys >/dev/null && nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob >/dev/null && nctl main badge add bob 04B0B0B0 >/dev/null &&
	nctl main member add carol >/dev/null && nctl main badge add carol 04CA0001 >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
check "the replica's copy is the primary's" wait_until 10 same_digest main hall
state() { nctl hall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["state"])'; }
state_is() { [ "$(state)" = "$1" ]; }
check "current" state_is current
check "group edit shows offline_ok" sh -c "'$SEUILCTL' -f '$T/main/seuild.conf' group list | grep -q 'keys.*(offline_ok)'"
check "a replica refuses group edit (77)" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' group edit keys --offline-ok no >/dev/null 2>&1; [ \$? = 77 ]"

# ---- a hard cut ----
cut_relay hall
carol=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM badges WHERE uid_hint = '0001'")
nctl main badge revoke "$carol" >/dev/null
check "cut off, the replica still decides: carol's badge (revoked since) opens" node_decides hall 04CA0001 granted
check "and bob's" node_decides hall 04B0B0B0 granted
check "stale after stale_after (3 s)" wait_until 8 state_is stale
check "an acl_stale event" test "$(node_events hall acl_stale)" = 1
check "status says so" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' status | grep -q 'site: .*stale'"
check "still deciding while stale" node_decides hall 04B0B0B0 granted
check "expired after max_age (8 s)" wait_until 10 state_is expired
check "an acl_expired event" test "$(node_events hall acl_expired)" = 1
check "expired: alice (group keys, offline_ok) is let in" node_decides hall 04A1B2C3 granted
check "bob (no offline_ok group) is not" node_decides hall 04B0B0B0 denied
check "his denial says acl_expired" test "$(sqlite3 "$T/hall/seuil.db" "SELECT reason FROM events WHERE type = 'access_denied' ORDER BY seq DESC LIMIT 1")" = acl_expired
check "seuilctl explain says so too" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' --json explain 04B0B0B0 | grep -q acl_expired"

# ---- healed ----
start_relay hall "$BROKER_PORT" || not_ok "relay again"
check "healed: current again" wait_until 30 state_is current
check "with the primary's latest copy" wait_until 5 same_digest main hall
check "carol's revoked badge is denied" node_decides hall 04CA0001 denied
check "bob is let in again" node_decides hall 04B0B0B0 granted

# ---- a silent cut: the relay stopped, the connection still open ----
kill -STOP "$(relay_pid hall)"
check "silent cut: stale after stale_after" wait_until 8 state_is stale
kill -CONT "$(relay_pid hall)"
check "the heads come through again: current" wait_until 30 state_is current
check "copies agree" same_digest main hall
