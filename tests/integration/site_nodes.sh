#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Three nodes of a site: a revocation on the primary is denied at every
# replica within 2 s; with the primary down every door still decides from
# its copy, says it is stale and refuses member changes naming the
# primary; a replica promoted by hand from the signing key and a backup is
# followed by the other, whose copy becomes the new primary's.
. "$(dirname "$0")/../lib.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
for n in main hall shop; do
	start_relay "$n" "$BROKER_PORT" || { not_ok "relay $n"; exit 1; }
done
site_node main primary "$(relay_port main)" </dev/null
site_node hall replica "$(relay_port hall)" </dev/null
site_node shop replica "$(relay_port shop)" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice >/dev/null && nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob >/dev/null && nctl main badge add bob 04B0B0B0 >/dev/null ||
	{ not_ok "primary setup"; exit 1; }
for n in hall shop; do
	(cd "$T" && nctl main site join "$n" >/dev/null) && nctl "$n" site install "$T/$n.bundle" >/dev/null ||
	    { not_ok "$n joins"; exit 1; }
done
for n in main hall shop; do start_node "$n" || { not_ok "$n starts"; exit 1; }; done
for n in hall shop; do
	check "$n's copy becomes the primary's" wait_until 10 same_digest main "$n"
	check "bob's badge opens at $n, before" node_decides "$n" 04B0B0B0 granted
done

# ---- a revocation reaches every door ----
bob=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM badges WHERE uid_hint = 'B0B0'")
t0=$(date +%s%N)
nctl main badge revoke "$bob" >/dev/null
for n in hall shop; do
	until node_decides "$n" 04B0B0B0 denied; do
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || break
	done
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "revoked on the primary, denied at both replicas after $ms ms"
check "a revocation denies at every replica within 2 s" test "$ms" -lt 2000
for n in hall shop; do check "$n's copy is the primary's again" wait_until 5 same_digest main "$n"; done
nctl main backup "$T/main.backup" >/dev/null || not_ok "a backup of the primary"
# After the backup: taps at both replicas that the primary takes and
# acknowledges, so that the backup holds less of each node than the nodes
# were told.
for n in hall shop; do node_decides "$n" 04A1B2C3 granted || not_ok "a tap at $n after the backup"; done
# NODE's event log, and what PRIMARY's site view holds of it, as seq lists.
own_seqs() { sqlite3 "$T/$1/seuil.db" "SELECT ifnull(group_concat(seq), '') FROM (SELECT seq FROM events ORDER BY seq)"; }
site_seqs() { sqlite3 "$T/$1/seuil.db" "SELECT ifnull(group_concat(node_seq), '') FROM (SELECT node_seq FROM site_events WHERE node = '$2' ORDER BY site_seq)"; }
journal_whole() { [ -n "$(own_seqs "$2")" ] && [ "$(own_seqs "$2")" = "$(site_seqs "$1" "$2")" ]; }	# PRIMARY NODE
for n in hall shop; do check "main holds every event of $n" wait_until 10 journal_whole main "$n"; done

# ---- the primary down: every door decides on ----
stop_node main
state_is() { [ "$(nctl "$1" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["state"])')" = "$2" ]; }
for n in hall shop; do
	check "primary down: alice still opens at $n" node_decides "$n" 04A1B2C3 granted
	check "primary down: bob's revoked badge is still denied at $n" node_decides "$n" 04B0B0B0 denied
	check "primary down: $n turns stale" wait_until 8 state_is "$n" stale
	check "primary down: $n refuses a member change, naming the primary (77)" sh -c \
	    "'$SEUILCTL' -f '$T/$n/seuild.conf' member add carol 2>'$T/$n.err'; [ \$? = 77 ] && grep -q \"'main'\" '$T/$n.err'"
done

# ---- failover by hand: hall becomes the primary ----
stop_node hall
sed -i 's/^role = replica$/role = primary/' "$T/hall/seuild.conf"
check "site promote with the key and the backup" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' site promote --key '$T/main/site.key' --backup '$T/main.backup' >/dev/null"
start_node hall || { not_ok "the new primary starts"; exit 1; }
epoch() { nctl "$1" --json site show | python3 -c 'import json,sys; print(json.load(sys.stdin)["epoch"])'; }
check "the epoch rose" test "$(epoch hall)" -ge 2
check "the promoted node kept its own events, taps during the outage included" \
    test "$(node_events hall access_granted)" -ge 3
check "the new primary holds every event of its own, as its own" wait_until 10 journal_whole hall hall
check "none of main's events taken for hall's" test "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM site_events WHERE node = 'hall' AND type = 'admin_change'")" = 0
check "and every event of shop, though its acknowledgement was ahead of the backup" \
    wait_until 15 journal_whole hall shop
check "the new primary takes member changes" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' member add dave >/dev/null && '$SEUILCTL' -f '$T/hall/seuild.conf' badge add dave 04DA0001 >/dev/null"
check "shop follows the new epoch" wait_until 15 sh -c "[ \"\$('$SEUILCTL' -f '$T/shop/seuild.conf' --json site show | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"epoch\"])')\" = '$(epoch hall)' ]"
check "shop's copy becomes the new primary's" wait_until 10 same_digest hall shop
check "shop names hall its primary" sh -c "'$SEUILCTL' -f '$T/shop/seuild.conf' --json site show | grep -q '\"primary\":[ ]*\"hall\"'"
check "dave, added on the new primary, opens at shop" node_decides shop 04DA0001 granted
check "bob's revocation survived the failover" node_decides shop 04B0B0B0 denied
check "shop is current again" wait_until 8 state_is shop current
