#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two nodes of a site and one broker: the primary's members reach the
# replica (a snapshot, then deltas), signed; the replica's doors decide from
# its copy, which equals the primary's; a revocation on the primary denies
# at the replica within 2 s; the replica refuses what is not the primary's
# latest, signed for its topic and its site.
. "$(dirname "$0")/../lib.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" </dev/null
site_node hall replica "$(relay_port hall)" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice --display Alice --public >/dev/null &&
	nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob --email bob@example.org >/dev/null &&
	nctl main badge add bob 04B0B0B0 >/dev/null || { not_ok "primary setup"; exit 1; }
check "site join writes a 0600 bundle" sh -c "cd '$T' && '$SEUILCTL' -f '$T/main/seuild.conf' site join hall >/dev/null && test \"\$(stat -c %a hall.bundle)\" = 600"
check "site install installs it and removes it" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' site install '$T/hall.bundle' >/dev/null && test ! -e '$T/hall.bundle'"
check "the replica's UID key is the primary's" cmp -s "$T/main/uid.key" "$T/hall/uid.key"
check "and its DESFire keys, the same bytes" cmp -s "$T/main/credentials.key" "$T/hall/credentials.key"
check "mode 0600" test "$(stat -c %a "$T/hall/credentials.key")" = 600
start_node main || { not_ok "primary starts"; exit 1; }
start_node hall || { not_ok "replica starts"; exit 1; }
check "the replica's copy becomes the primary's" wait_until 10 same_digest main hall
check "acl_applied recorded" test "$(node_events hall acl_applied)" -ge 1
check "no e-mail in the replica's store" test "$(sqlite3 "$T/hall/seuil.db" "SELECT count(*) FROM members WHERE email IS NOT NULL OR name = 'bob'")" = 0
check "alice's badge opens the replica's door" node_decides hall 04A1B2C3 granted
check "an unknown badge does not" node_decides hall 04DEAD00 denied

bob=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM badges WHERE uid_hint = 'B0B0'")
check "bob's badge opens, before" node_decides hall 04B0B0B0 granted
t0=$(date +%s%N)
nctl main badge revoke "$bob" >/dev/null
until node_decides hall 04B0B0B0 denied; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || break
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "revoked on the primary, denied at the replica after $ms ms"
check "a revocation denies at the replica within 2 s" test "$ms" -lt 2000
check "and the copies agree" wait_until 5 same_digest main hall
check "status says the replica's copy is current" sh -c "'$SEUILCTL' -f '$T/hall/seuild.conf' status | grep -q 'site: node hall, replica of main, copy 1\.[0-9]*, current'"

# ---- a hostile channel: every message below is refused, counted, and
# changes nothing; each was published as if the broker let anyone write ----
B=seuil/test
pubf() { mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$1" -f "$2"; }
rejected() { nctl hall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["rejected"])'; }
sign() { python3 "$TOP/tests/tools/sitesign.py" "$1" "$2"; }
rejected_gt() { [ "$(rejected)" -gt "$1" ]; }
# The retained snapshot as it is now (for the replay below), then a change.
mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/acl/snapshot" -C 1 -W 5 >"$T/old.snapshot" 2>/dev/null
head -c -1 "$T/old.snapshot" >"$T/old.snap" 2>/dev/null
nctl main member add carol >/dev/null && nctl main badge add carol 04CA0001 >/dev/null
check "carol reaches the replica" wait_until 5 same_digest main hall
before=$(site_digest hall)
python3 "$TOP/tests/tools/sitesign.py" --new "$T/other.key"
body_for() {	# body_for SITE TYPE: a body granting a stranger's badge to alice
	printf '{"type":"%s","site":"%s","node":"main","format":1,"epoch":1,"base":%s,"rev":%s,"issued_ms":1,"upsert":{"badges":[{"id":999,"member":1,"mac":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"active"}]},"delete":{},"members":[],"badges":[{"id":999,"member":1,"mac":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","status":"active"}],"groups":[]}' \
	    "$2" "$1" "$(nctl hall --json site show | python3 -c 'import json,sys; print(json.load(sys.stdin)["rev"])')" \
	    "$(( $(nctl hall --json site show | python3 -c 'import json,sys; print(json.load(sys.stdin)["rev"])') + 1 ))"
}
body_for test delta >"$T/body"
printf '%s' "$(cat "$T/body")" >"$T/unsigned"
sign "$T/other.key" "$B/acl/delta" <"$T/body" >"$T/wrongkey"
body_for other delta | sign "$T/main/site.key" "$B/acl/delta" >"$T/othersite"
sign "$T/main/site.key" "$B/acl/snapshot" <"$T/body" >"$T/othertopic"
head -c 150 "$T/old.snap" >"$T/truncated"
{ head -c 118 "$T/old.snap"; head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' '; } >"$T/oversized"
for case in "unsigned:$B/acl/delta" "wrongkey:$B/acl/delta" "othersite:$B/acl/delta" \
    "othertopic:$B/acl/delta" "old.snap:$B/acl/snapshot" "truncated:$B/acl/snapshot" \
    "oversized:$B/acl/snapshot"; do
	f=${case%%:*} topic=${case#*:}
	n=$(rejected)
	pubf "$topic" "$T/$f"
	check "$f: refused and counted" wait_until 5 rejected_gt "$n"
	check "$f: nothing applied" test "$(site_digest hall)" = "$before"
done
check "a stranger's badge still does not open" node_decides hall 04DEAD00 denied
check "carol's does" node_decides hall 04CA0001 granted
check "the refusals are acl_rejected events" test "$(node_events hall acl_rejected)" -ge 1
check "and the replica's copy is still the primary's" same_digest main hall
