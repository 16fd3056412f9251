#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A replica's desk enrols through the primary: `seuilctl badge enrol` on
# hall waits for the tap at hall's desk, the primary makes the badge (its
# badge_enrolled event naming hall and who asked there), and the signed
# delta brings it to every door; the console's enrolment on hall (a desk
# account, POST /enrol) goes the same way; the same card again is
# `exists`; the same request sent again makes no second badge; a request
# on another node's topic is refused; with the primary cut off, answers
# forged meanwhile are not taken, the wait ends in a clear timeout (exit
# 75), nothing is made, and after the heal the enrolment goes through
# once.  A secure (DESFire) enrolment needs a libnfc desk reader at the
# replica as on a single Pi (site_desfire.sh enrols one).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

start_broker </dev/null || { not_ok "broker"; exit 1; }
start_relay main "$BROKER_PORT" && start_relay hall "$BROKER_PORT" || { not_ok "relays"; exit 1; }
site_node main primary "$(relay_port main)" </dev/null
site_node hall replica "$(relay_port hall)" <<CONF

[reader.desk]
driver = sim
sim_fifo = $T/hall/desk.fifo
enrol = true

[web]
listen = 127.0.0.1:$WEB_PORT
CONF
nctl main init >/dev/null && nctl main site init >/dev/null &&
	nctl main member add alice >/dev/null && nctl main member add bob >/dev/null &&
	nctl main member add carol >/dev/null &&
	(cd "$T" && nctl main site join hall >/dev/null) &&
	nctl hall site install "$T/hall.bundle" >/dev/null || { not_ok "setup"; exit 1; }
start_node main && start_node hall || { not_ok "nodes start"; exit 1; }
check "the replica's copy is the primary's" wait_until 10 same_digest main hall

B=seuil/test
desk_waits() { [ "$(grep -c 'enrolment: waiting' "$T/hall/seuild.log")" -ge "$1" ]; }
N_WAIT=0
# enrol_at UID ARGS...: `seuilctl badge enrol ARGS` on hall, and UID
# tapped at hall's desk once seuild waits; exit status in $RC, words in
# $T/e.out.
enrol_at() {
	local uid=$1 p; shift
	N_WAIT=$((N_WAIT + 1))
	spawn nctl hall badge enrol "$@" --timeout 20 >"$T/e.out" 2>&1
	p=$SPAWN_PID
	wait_until 10 desk_waits "$N_WAIT"
	echo "$uid" >"$T/hall/desk.fifo"; echo - >"$T/hall/desk.fifo"
	[ -z "${AFTER_TAP:-}" ] || "$AFTER_TAP"
	wait "$p"
	RC=$?
}
badges_of() { sqlite3 "$T/main/seuil.db" "SELECT count(*) FROM badges b JOIN members m ON m.id = b.member_id WHERE m.name = '$1'"; }

# answer_to FILE: publish the request in FILE as hall would, until the
# primary's answer to it comes (in $T/answer), at most 5 s.
answer_to() {
	local i
	: >"$T/answer"
	spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/to/hall/enrol" -C 1 -W 8 -N >"$T/answer"
	for ((i = 0; i < 10; i++)); do
		sleep 0.3
		mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/node/hall/enrol" -f "$1"
		sleep 0.2
		[ ! -s "$T/answer" ] || break
	done
}

# ---- enrolled at hall's desk, made by the primary, opening every door ----
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/node/hall/enrol" -C 1 -W 30 -N >"$T/request"
sleep 0.5
t0=$(date +%s%N)
enrol_at 04A1E001 alice
check "badge enrol at the replica exits 0 (exit $RC)" test "$RC" -eq 0
check "it says the primary made the badge" grep -q "enrolled for alice (member 1) at reader desk by the primary main" "$T/e.out"
check "the badge is on the primary, alice's" test "$(badges_of alice)" = 1

# The same request again (within its 10 s): the same answer, no second
# badge; with another id, the card is taken: exists.
answer_to "$T/request"
check "the request sent again is answered created, the same badge" grep -q '"result":"created","badge_id":1,' "$T/answer"
check "and makes no second badge" test "$(badges_of alice)" = 1
sed 's/"id":"[0-9a-f]*"/"id":"00000000000000000000000000000001"/' "$T/request" >"$T/request2"
answer_to "$T/request2"
check "another request for the same card: exists" grep -q '"result":"exists","badge_id":1,' "$T/answer"
check "the answer is signed by the site's key" grep -q '^SEUIL-SIG/1 ed25519 ' "$T/answer"
check "still one badge" test "$(sqlite3 "$T/main/seuil.db" 'SELECT count(*) FROM badges')" = 1

check "its badge_enrolled names hall and who asked there" sh -c "sqlite3 '$T/main/seuil.db' \"SELECT reader, actor FROM events WHERE type = 'badge_enrolled'\" | grep -Eq '^desk\|node:hall uid:[0-9]+\('"
check "the replica's store records none" test "$(node_events hall badge_enrolled)" = 0
until node_decides hall 04A1E001 granted; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 10000 ] || break
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "from the start of the enrolment at hall to a grant at hall's door: $ms ms"
check "granted at hall's door within a few seconds" test "$ms" -lt 8000
check "and at main's" node_decides main 04A1E001 granted
check "the copies agree" wait_until 5 same_digest main hall

# ---- the same card again, for bob: exists, nothing changed ----
enrol_at 04A1E001 bob
check "the same card again: exists, exit 65 (exit $RC)" test "$RC" -eq 65
check "it says so" grep -q "already enrolled" "$T/e.out"
check "bob has no badge" test "$(badges_of bob)" = 0
enrol_at 04B0B001 nobody
check "an unknown member: not found, exit 66 (exit $RC)" test "$RC" -eq 66
check "the primary says so" grep -q "seuild: the primary main: .*nobody" "$T/e.out"

# ---- the console's enrolment on hall: the same request, through the primary ----
printf '%s\n' 'desk password' | nctl hall web user add desk1 --role desk >/dev/null
SEUIL_WEB_PAGE=$TOP/web/page spawn "$SEUILWEB" -d -v -f "$T/hall/seuild.conf" >>"$T/web.log" 2>&1
if wait_until 10 curl -skf -o /dev/null "$WEB_URL/" && web_login desk1 'desk password'; then
	N_WAIT=$((N_WAIT + 1))
	dave=$(nctl main member add dave | grep -o '[0-9]*' | head -n 1)
	wait_until 5 same_digest main hall
	spawn api POST /enrol "{\"member\":\"$dave\",\"reader\":\"desk\",\"timeout\":20}" >"$T/enrol.code"
	p=$SPAWN_PID
	wait_until 10 desk_waits "$N_WAIT"
	echo 04DA0001 >"$T/hall/desk.fifo"; echo - >"$T/hall/desk.fifo"
	wait "$p"
	check "the console's enrolment at hall: 201 (got $(cat "$T/enrol.code"))" test "$(cat "$T/enrol.code")" = 201
	check "the badge is on the primary, dave's" test "$(badges_of dave)" = 1
	check "its event names hall and the console's desk account" sh -c "sqlite3 '$T/main/seuil.db' \"SELECT actor FROM events WHERE type = 'badge_enrolled' AND member_id = $dave\" | grep -q '^node:hall web:desk1 via '"
else
	not_ok "seuil-web starts on hall, the desk account logs in"; sed 's/^/#   /' "$T/web.log"
fi

# ---- a secure enrolment at a desk reader that is simulated: refused before any tap ----
nctl hall badge enrol bob --secure --timeout 5 >"$T/e.out" 2>&1
RC=$?
check "badge enrol --secure at hall's simulated desk: refused, exit 65 (exit $RC)" test "$RC" -eq 65
check "saying a DESFire card is made only at a libnfc desk reader" grep -q "driver = libnfc" "$T/e.out"

# ---- a request on another node's topic: refused, nothing made ----
printf '{"type":"enrol","site":"test","node":"hall","id":"00000000000000000000000000000002","member":"carol","mac":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","hint":"0000","reader":"desk","actor":"uid:0(root)","role":"admin","expires_ms":%s}' \
    "$(( $(date +%s) * 1000 + 600000 ))" >"$T/crossed"
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/node/shop/enrol" -f "$T/crossed"
check "hall's request on shop's topic is refused" wait_until 5 grep -q "enrolment request on shop's topic refused" "$T/main/seuild.log"
check "carol got no badge from it" test "$(badges_of carol)" = 0

# ---- a request on hall's topic that expires 10 minutes ahead: refused ----
sed 's/"id":"0*2"/"id":"00000000000000000000000000000003"/' "$T/crossed" >"$T/ahead"
answer_to "$T/ahead"
check "a request expiring 10 min ahead is answered invalid" grep -q '"result":"invalid"' "$T/answer"
check "saying the clocks must agree" grep -q "clocks must agree" "$T/answer"
check "carol got no badge from it either" test "$(badges_of carol)" = 0

# ---- the primary cut off: a clear timeout, nothing made; answers forged
# meanwhile (unsigned, another key, the site's key for another node's
# topic) are not taken ----
python3 "$TOP/tests/tools/sitesign.py" --new "$T/other.key"
forge() {
	local id body
	wait_until 5 test -s "$T/request3" || return
	id=$(sed 's/.*"id":"\([0-9a-f]*\)".*/\1/' "$T/request3")
	body='{"type":"enrol_result","site":"test","node":"hall","id":"'$id'","result":"created","badge_id":99,"member":3,"message":""}'
	printf '%s' "$body" >"$T/forged-unsigned"
	printf '%s' "$body" | python3 "$TOP/tests/tools/sitesign.py" "$T/other.key" "$B/to/hall/enrol" >"$T/forged-otherkey"
	printf '%s' "$body" | python3 "$TOP/tests/tools/sitesign.py" "$T/main/site.key" "$B/to/shop/enrol" >"$T/forged-othertopic"
	for f in unsigned otherkey othertopic; do
		mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t "$B/to/hall/enrol" -f "$T/forged-$f"
	done
}
spawn mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$B/node/hall/enrol" -C 1 -W 30 -N >"$T/request3"
sleep 0.5
cut_relay main
AFTER_TAP=forge enrol_at 04CA0001 carol
check "no answer: exit 75 (exit $RC)" test "$RC" -eq 75
check "the forged answers were refused" grep -q "an enrolment answer refused" "$T/hall/seuild.log"
check "it says the primary did not answer and nothing was enrolled" grep -q "the primary main did not answer within 10 s: the badge was not enrolled and the member data is unchanged" "$T/e.out"
start_relay main "$BROKER_PORT" || not_ok "the relay again"
primary_back() { [ "$(grep -c 'mqtt: connected' "$T/main/seuild.log")" -ge 2 ]; }
wait_until 15 primary_back
sleep 2
check "nothing was made on the primary, even after the heal" test "$(badges_of carol)" = 0
enrol_at 04CA0001 carol
check "after the heal, enrolled (exit $RC)" test "$RC" -eq 0
check "once" test "$(badges_of carol)" = 1
check "granted at hall's door" wait_until 10 node_decides hall 04CA0001 granted
