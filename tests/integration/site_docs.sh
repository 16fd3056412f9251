#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/site.md, as written: the three-node site of its "From one Pi to
# three" is set up with the commands of its "# on main" and "# on hall"
# blocks (read from the page, run with the site's paths under $T) and the
# example broker files (config/mosquitto-site.acl.example): each node logs
# in with its own login; the copies become the primary's, a revocation
# reaches both replicas and hall's events reach the site's view.  The ACL
# holds: a replica's login cannot publish the member data nor another
# node's journal or enrolment request nor an enrolment answer, its own
# enrolment request reaches the primary, and the lobby's cannot read a
# journal or an enrolment.
. "$(dirname "$0")/../lib.sh"

B=seuil/test
DOC=$TOP/docs/site.md
# block NODE: the lines of the page's shell block that starts "# on NODE".
block() {
	awk -v want="# on $1" '
		/^```sh$/ { inside = 1; first = 1; next }
		/^```$/ { inside = 0; next }
		inside && first { first = 0; keep = $0 == want; next }
		inside && keep { print }' "$DOC"
}
# run_on NODE: the block of NODE (hall's for shop too) in $T/NODE, with the
# site's paths under $T.
run_on() {
	local n=$1 from=$1 script
	[ "$n" = shop ] && from=hall
	script=$(block "$from" | sed -e "s|/etc/mosquitto/|$T/broker/|g" -e "s|/etc/seuil/|$T/$n/|g" \
	    -e "s|\\b$from\\b|$n|g")
	[ -n "$script" ] || { diag "docs/site.md has no '# on $from' block"; return 1; }
	(cd "$T/$n" && SEUILCTL=$SEUILCTL CONF=$T/$n/seuild.conf bash -euc \
	    "seuilctl() { \"\$SEUILCTL\" -f \"\$CONF\" \"\$@\"; }; $script")
}

mkdir -p "$T/broker"
for n in main hall shop; do
	start_relay "$n" "${BROKER_PORT:=$(free_port)}" || { not_ok "relay $n"; exit 1; }
done
site_node main primary "$(relay_port main)" <<CONF
username = main
password_file = $T/main/mqtt.pw
CONF
for n in hall shop; do
	site_node "$n" replica "$(relay_port "$n")" <<CONF
username = $n
password_file = $T/$n/mqtt.pw
CONF
done
# [mqtt] keys appended after [replica] belong to [mqtt]: move them there.
for n in main hall shop; do
	python3 - "$T/$n/seuild.conf" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
head, tail = s.rsplit("stale_after = 3s\n", 1)
s = head.replace("homeassistant = false\n", "homeassistant = false\n" + tail) + "stale_after = 3s\n"
open(p, "w").write(s)
PY
done
nctl main init >/dev/null && nctl main group add keys >/dev/null &&
	nctl main member add alice --group keys >/dev/null && nctl main badge add alice 04A1B2C3 >/dev/null &&
	nctl main member add bob >/dev/null && nctl main badge add bob 04B0B0B0 >/dev/null ||
	{ not_ok "setup"; exit 1; }

check "docs/site.md: the primary's commands run" run_on main
check "they made a login for each node" test "$(cut -d: -f1 "$T/broker/seuil.passwd" | sort | tr '\n' ' ')" = "hall main shop "
check "the primary's password is in place, 0600" test "$(stat -c %a "$T/main/mqtt.pw")" = 600
check "no password left lying about" sh -c "! ls '$T'/main/*.pw 2>/dev/null | grep -v mqtt.pw"
for n in hall shop; do
	cp "$T/main/$n.bundle" "$T/$n/" && rm "$T/main/$n.bundle"	# carried over SSH
	check "docs/site.md: $n's commands run" run_on "$n"
	check "$n's bundle is gone" test ! -e "$T/$n/$n.bundle"
	check "$n's broker password came with it" test -s "$T/$n/mqtt.pw"
done

sed -e "s|seuil/lab|$B|g" -e "s|seuil_lab|seuil_test|g" -e "s|/door/front/|/door/main/|g" \
    -e "s|/door/workshop/|/door/shop/|g" "$TOP/config/mosquitto-site.acl.example" >"$T/broker/acl"
for u in monitor lobby; do mosquitto_passwd -b "$T/broker/seuil.passwd" "$u" "$u-pw" 2>/dev/null; done
start_broker <<CONF || { not_ok "the broker starts with the example ACL"; sed 's/^/# /' "$T/mosquitto.log"; exit 1; }
$( [ "$(id -u)" = 0 ] && echo "user root" )
password_file $T/broker/seuil.passwd
acl_file $T/broker/acl
CONF
# as LOGIN COMMAND...: a mosquitto client logged in as LOGIN (a node's
# password is the one its bundle brought).
as() {
	local u=$1 pw=$1-pw; shift
	[ ! -f "$T/$u/mqtt.pw" ] || pw=$(head -n 1 "$T/$u/mqtt.pw")
	"$@" -h 127.0.0.1 -p "$BROKER_PORT" -u "$u" -P "$pw"
}
spawn as monitor mosquitto_sub -q 1 -t "$B/#" -v >"$T/monitor.txt" 2>&1
spawn as lobby mosquitto_sub -q 1 -t "$B/#" -v >"$T/lobby.txt" 2>&1
for n in main hall shop; do start_node "$n" || { not_ok "$n starts"; exit 1; }; done

for n in hall shop; do
	check "$n's copy becomes the primary's, through its own login" wait_until 15 same_digest main "$n"
	check "alice opens at $n" node_decides "$n" 04A1B2C3 granted
done
bob=$(sqlite3 "$T/main/seuil.db" "SELECT id FROM badges WHERE uid_hint = 'B0B0'")
nctl main badge revoke "$bob" >/dev/null
for n in hall shop; do
	check "the revocation reaches $n" wait_until 5 same_digest main "$n"
	check "bob is denied at $n" node_decides "$n" 04B0B0B0 denied
done
hall_in_site() { [ "$(sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM site_events WHERE node = 'hall' AND type = 'access_granted'")" -ge 1 ]; }
check "hall's events reach the primary's view" wait_until 10 hall_in_site
check "B/events carries them with their node" wait_until 10 grep -q "^$B/events .*\"node\":\"hall\"" "$T/monitor.txt"

# ---- the ACL, from the other side ----
mark() { as "$1" mosquitto_pub -q 1 -t "$B/node/$1/acl/state" -m "mark-$2"; }
before=$(nctl hall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["rejected"])')
check "hall's login publishes (and is refused nothing at connect)" as hall mosquitto_pub -q 1 -t "$B/acl/delta" -m 'forged-by-hall'
check "shop's login too" as shop mosquitto_pub -q 1 -t "$B/node/hall/journal" -m 'journal-by-shop'
as shop mosquitto_pub -q 1 -t "$B/node/hall/enrol" -m 'enrol-by-shop'
as hall mosquitto_pub -q 1 -t "$B/node/hall/enrol" -m 'enrol-by-hall'
as hall mosquitto_pub -q 1 -t "$B/to/shop/enrol" -m 'answer-by-hall'
mark shop 1
check "(the monitor sees what a node may publish)" wait_until 5 grep -q "mark-1" "$T/monitor.txt"
check "a replica's login cannot publish the member data" sh -c "! grep -q forged-by-hall '$T/monitor.txt'"
check "nor another node's journal" sh -c "! grep -q journal-by-shop '$T/monitor.txt'"
check "nor another node's enrolment request" sh -c "! grep -q enrol-by-shop '$T/monitor.txt'"
check "nor an enrolment answer" sh -c "! grep -q answer-by-hall '$T/monitor.txt'"
check "a node publishes its own enrolment request" grep -q "^$B/node/hall/enrol enrol-by-hall" "$T/monitor.txt"
check "which the primary reads, and refuses (not a request)" wait_until 5 grep -q "enrolment request on hall's topic refused" "$T/main/seuild.log"
check "so nothing reached a replica to refuse" test "$(nctl hall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["site"]["rejected"])')" = "$before"
check "the lobby reads the site's presence" grep -q "^$B/presence " "$T/lobby.txt"
check "but no journal, enrolment, member data or to/ topic" sh -c "! grep -Eq '^$B/(node/[^/]+/(journal|enrol)|acl/|to/)' '$T/lobby.txt'"
check "the monitor did see the journal and the member data" sh -c "grep -q '^$B/node/hall/journal ' '$T/monitor.txt' && grep -q '^$B/acl/snapshot ' '$T/monitor.txt'"
