#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A site over a bridged pair of brokers, as config/mosquitto-site.conf.example
# says: broker A in main's building (the example's own settings, TLS for the
# other buildings, the example ACL), broker B in hall's, bridged to A over
# TLS by the example's snippet (read from the file, its address, paths and
# password those of the test), through a relay that cuts the bridge.  The
# primary main is on A, the replica hall on B.  A revocation crosses the
# bridge; cut, hall keeps deciding from its copy, its building's lobby
# (B/node/hall/presence on B) still updates and it turns stale; healed, it
# is current, denies a badge revoked during the cut, and its events reach
# the primary in order with no gap.  What crosses: the member data and
# hall's own to/ topics in, hall's journal out; never another node's
# journal or to/ topics, nor member data published on B.
. "$(dirname "$0")/../lib.sh"

B=seuil/test
EX=$TOP/config/mosquitto-site.conf.example
mkdir -p "$T/A" "$T/B" "$T/tls"
as_root() { [ "$(id -u)" != 0 ] || echo "user root"; }	# else mosquitto cannot reach $T

# ---- TLS: a CA and broker A's certificate, for 127.0.0.1 ----
(cd "$T/tls" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	    -subj /CN=seuil-test-ca -keyout ca.key -out ca.crt &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
	    -keyout server.key -out server.csr &&
	printf 'subjectAltName = IP:127.0.0.1\n' >ext &&
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	    -extfile ext -out server.crt) >/dev/null 2>&1 || { not_ok "certificates"; exit 1; }

# ---- broker A: the example file's settings, ports and paths the test's ----
PA=$(free_port) PT=$(free_port)
grep -v '^#' "$EX" | sed -e "s|^listener 1883 localhost|listener $PA 127.0.0.1|" \
    -e "s|^listener 8883\$|listener $PT 127.0.0.1|" -e "s|^log_dest syslog|log_dest stderr|" \
    -e "s|/etc/mosquitto/ca_certificates/|$T/tls/|" -e "s|/etc/mosquitto/certs/|$T/tls/|" \
    -e "s|/etc/mosquitto/|$T/A/|" >"$T/A/mosquitto.conf"
as_root >>"$T/A/mosquitto.conf"
sed -e "s|seuil/lab|$B|g" -e "s|seuil_lab|seuil_test|g" -e "s|/door/front/|/door/main/|g" \
    -e "s|/door/workshop/|/door/shop/|g" "$TOP/config/mosquitto-site.acl.example" >"$T/A/seuil.acl"
for u in main shop monitor hall-bridge; do
	mosquitto_passwd -b -c "$T/A/pw.$u" "$u" "$u-pw" 2>/dev/null && cat "$T/A/pw.$u" >>"$T/A/seuil.passwd"
done
chmod 0600 "$T/A/seuil.passwd"
spawn mosquitto -c "$T/A/mosquitto.conf" >>"$T/A/mosquitto.log" 2>&1
a_up() { mosquitto_pub -h 127.0.0.1 -p "$PA" -u monitor -P monitor-pw -t seuil-test/ping -m x; }
if ! wait_until 10 a_up; then
	not_ok "broker A starts with the example's settings and ACL"; sed 's/^/# /' "$T/A/mosquitto.log"; exit 1
fi
check "A refuses a wrong password" sh -c "! mosquitto_pub -h 127.0.0.1 -p $PA -u monitor -P wrong -t seuil-test/ping -m x 2>/dev/null"

# ---- broker B: hall's building, the example's bridge through a relay ----
start_relay bridge "$PT" || { not_ok "relay"; exit 1; }
PB=$(free_port)
snippet() {	# the bridge lines of the example, as written there
	awk '/^#   connection / { on = 1 } on && /^#   / { sub(/^#   /, ""); print; next } on { exit }' "$EX"
}
{
	echo "listener $PB 127.0.0.1"
	echo "allow_anonymous true"
	echo "persistence false"
	as_root
	snippet | sed -e "s|^address .*|address 127.0.0.1:$(relay_port bridge)|" \
	    -e "s|/etc/mosquitto/ca_certificates/|$T/tls/|" -e "s|^remote_password .*|remote_password hall-bridge-pw|" \
	    -e "s|seuil/lab/|$B/|g" -e "s|^restart_timeout .*|restart_timeout 1 2|"
} >"$T/B/mosquitto.conf"
check "the example has a bridge with topics" test "$(grep -c '^topic ' "$T/B/mosquitto.conf")" -ge 4
spawn mosquitto -c "$T/B/mosquitto.conf" >>"$T/B/mosquitto.log" 2>&1
wait_until 10 mosquitto_pub -h 127.0.0.1 -p "$PB" -t seuil-test/ping -m x || { not_ok "broker B"; exit 1; }

# Watchers: everything of the site on each broker, with its topic.
spawn mosquitto_sub -h 127.0.0.1 -p "$PA" -u monitor -P monitor-pw -q 1 -t "$B/#" -v >"$T/A.txt" 2>&1
spawn mosquitto_sub -h 127.0.0.1 -p "$PB" -q 1 -t "$B/#" -v >"$T/B.txt" 2>&1

site_node main primary "$PA" </dev/null
sed -i "/^homeassistant = false\$/a username = main\\npassword_file = $T/main/mqtt.pw" "$T/main/seuild.conf"
printf 'main-pw\n' >"$T/main/mqtt.pw" && chmod 0600 "$T/main/mqtt.pw"
site_node hall replica "$PB" </dev/null
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice --display Alice --public >/dev/null && nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob >/dev/null && nctl main badge add bob 04B0B0B0 >/dev/null &&
	nctl main member add carol >/dev/null && nctl main badge add carol 04CA0001 >/dev/null &&
	nctl main member add dave --display Dave --public >/dev/null && nctl main badge add dave 04DA7E01 >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) && nctl hall site install "$T/hall.bundle" >/dev/null ||
	{ not_ok "setup"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }

state() { nctl hall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["state"])'; }
state_is() { [ "$(state)" = "$1" ]; }
badge_id() { sqlite3 "$T/main/seuil.db" "SELECT id FROM badges WHERE uid_hint = '$1'"; }
hall_seqs() { sqlite3 "$T/hall/seuil.db" "SELECT ifnull(group_concat(seq), '') FROM (SELECT seq FROM events ORDER BY seq)"; }
site_seqs() { sqlite3 "$T/main/seuil.db" "SELECT ifnull(group_concat(node_seq), '') FROM (SELECT node_seq FROM site_events WHERE node = 'hall' ORDER BY site_seq)"; }
journal_whole() { [ -n "$(hall_seqs)" ] && [ "$(hall_seqs)" = "$(site_seqs)" ]; }
not_whole() { ! journal_whole; }
# on_b TOPIC: the retained message of TOPIC on broker B (hall's building).
on_b() { mosquitto_sub -h 127.0.0.1 -p "$PB" -t "$1" -C 1 -W 3 2>/dev/null; }
lobby_b_has() { on_b "$B/node/hall/presence" | grep -q "$1"; }

check "hall's copy becomes the primary's, through the bridge" wait_until 20 same_digest main hall
check "current" wait_until 10 state_is current
check "alice opens at hall" node_decides hall 04A1B2C3 granted
nctl main badge revoke "$(badge_id B0B0)" >/dev/null
check "a revocation on the primary reaches hall through the bridge" wait_until 5 same_digest main hall
check "bob is denied at hall" node_decides hall 04B0B0B0 denied
check "hall's events reach the primary, in order, no gap" wait_until 15 journal_whole
check "the site's presence reaches hall's building" wait_until 10 sh -c "mosquitto_sub -h 127.0.0.1 -p $PB -t $B/presence -C 1 -W 3 2>/dev/null | grep -q Alice"

# ---- the bridge cut ----
cut_relay bridge
nctl main badge revoke "$(badge_id 0001)" >/dev/null	# carol's, during the cut
check "cut: hall still decides from its copy (carol, revoked since, opens)" node_decides hall 04CA0001 granted
check "and dave arrives at hall" node_decides hall 04DA7E01 granted
check "hall's building lobby counts him (B/node/hall/presence on B)" wait_until 10 lobby_b_has Dave
check "hall turns stale" wait_until 10 state_is stale
check "still deciding while stale" node_decides hall 04A1B2C3 granted
check "the primary has not got the cut's events" not_whole
check "nor does A's lobby see dave at hall" sh -c "! grep -q '^$B/node/hall/presence .*Dave' '$T/A.txt'"

# ---- healed ----
start_relay bridge "$PT" || not_ok "relay again"
check "healed: hall is current" wait_until 30 state_is current
check "with the primary's copy" wait_until 10 same_digest main hall
check "carol's badge, revoked during the cut, is denied" node_decides hall 04CA0001 denied
check "the cut's events arrive at the primary, in order, no gap" wait_until 20 journal_whole
check "each (node, seq) stored once" test "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) - count(DISTINCT node || ':' || node_seq) FROM site_events")" = 0
check "A's lobby topic shows dave at hall now" wait_until 10 grep -q "^$B/node/hall/presence .*Dave" "$T/A.txt"

# ---- what crosses the bridge, and what does not ----
check "hall's journal crosses to A (the primary's broker)" grep -q "^$B/node/hall/journal " "$T/A.txt"
check "the primary's acknowledgement to hall crosses to B" grep -q "^$B/to/hall/journal/ack " "$T/B.txt"
check "the member data crosses to B" grep -q "^$B/acl/snapshot " "$T/B.txt"
# Markers: another node's journal and to/ topics on A, member data and a
# journal of another node published on B.
mosquitto_pub -h 127.0.0.1 -p "$PA" -u main -P main-pw -q 1 -t "$B/to/shop/journal/ack" -m mark-to-shop
mosquitto_pub -h 127.0.0.1 -p "$PA" -u shop -P shop-pw -q 1 -t "$B/node/shop/journal" -m mark-shop-journal
mosquitto_pub -h 127.0.0.1 -p "$PB" -q 1 -t "$B/acl/delta" -m mark-forged-on-b
mosquitto_pub -h 127.0.0.1 -p "$PB" -q 1 -t "$B/to/main/x" -m mark-to-on-b
mosquitto_pub -h 127.0.0.1 -p "$PB" -q 1 -t "$B/node/shop/journal" -m mark-other-journal-on-b
mosquitto_pub -h 127.0.0.1 -p "$PB" -q 1 -t "$B/node/hall/bridge-probe" -m mark-out
check "(a marker of hall's own crosses: the bridge carries)" wait_until 10 grep -q "mark-out" "$T/A.txt"
check "(A's markers were published)" sh -c "grep -q mark-to-shop '$T/A.txt' && grep -q mark-shop-journal '$T/A.txt'"
check "another node's to/ topic does not reach B" sh -c "! grep -q mark-to-shop '$T/B.txt'"
check "nor another node's journal" sh -c "! grep -q mark-shop-journal '$T/B.txt'"
check "member data published on B does not reach A" sh -c "! grep -q mark-forged-on-b '$T/A.txt'"
check "nor a to/ topic published on B" sh -c "! grep -q mark-to-on-b '$T/A.txt'"
check "nor another node's journal published on B" sh -c "! grep -q mark-other-journal-on-b '$T/A.txt'"
check "only hall's own journal ever crossed to A" sh -c "! grep -E '^$B/node/[^/]+/journal ' '$T/A.txt' | grep -v -e '^$B/node/hall/' -e mark-shop-journal | grep -q ."
# The example's journal, to/ and member data topics: journals (node/...)
# out only, to/ and acl/ in only, each node's named (no wildcard that would take another node's).
example_topics_ok() {
	awk '/^#   topic / { print $3, $4 }' "$EX" | while read -r pat dir; do
		case $pat in
		'#' | +* | node/+* | node/'#' | to/+* | to/'#') return 1 ;;
		node/*) [ "$dir" = out ] || return 1 ;;
		to/* | acl/*) [ "$dir" = in ] || return 1 ;;
		esac
	done
}
check "the example bridges journals out, to/ and acl/ in, each node's by name" example_topics_ok
check "one bridge, to one broker" test "$(grep -c '^#   connection ' "$EX")-$(grep -c '^#   address ' "$EX")" = 1-1
# A tap at hall: its door event crosses once (door/hall/# both: no loop).
n0=$(grep -c "^$B/door/hall/event " "$T/B.txt")
node_decides hall 04A1B2C3 granted || not_ok "a tap"
sleep 2
check "hall's door event once on B (no loop back over the bridge)" test "$(grep -c "^$B/door/hall/event " "$T/B.txt")" = $((n0 + 1))
check "and once on A" test "$(grep -c "^$B/door/hall/event " "$T/A.txt")" -ge 1
check "after the scenario the copies agree" same_digest main hall
# A primary with nothing to do idles: its journal's copy of its own events
# used to start the next copy for ever (about a third of a core).
cpu() { awk '{ print $14 + $15 }' "/proc/$(node_pid main)/stat"; }
c0=$(cpu); sleep 5; c1=$(cpu)
check "the primary idles (under 0.5 s of CPU in 5 s: $((c1 - c0)) ticks)" test $(((c1 - c0) * 100 / $(getconf CLK_TCK))) -lt 50
