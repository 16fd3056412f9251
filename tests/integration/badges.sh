#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl badges, who, checkout without a daemon, log, daemon commands with
# no daemon, and the privacy promise: the raw UID appears in no output and
# nowhere in the database files.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
rc() {
	local want=$1; shift
	"$@" >"$T/last" 2>&1
	local got=$?
	cat "$T/last" >>"$T/all.out"
	[ "$got" -eq "$want" ] || { diag "exit $got, wanted $want: $*"; sed 's/^/#   /' "$T/last"; return 1; }
}
# Every command's output, stdout and stderr, is kept for the privacy check.
run() { "$@" 2>&1 | tee -a "$T/all.out"; return "${PIPESTATUS[0]}"; }
UID_HEX=04C73E915A1280		# the badge under test: 7 bytes, hint 1280
UID_SEP=04:c7:3e:91:5a:12:80

run ctl init >/dev/null
run ctl member add alice >/dev/null
run ctl member add bob >/dev/null

run ctl badge add alice "$UID_SEP" --label "blue fob" >"$T/add"
check "badge add prints id and hint" grep -qx "badge 1 hint 1280 added to member 1 (alice)" "$T/add"
rc 65 ctl badge add bob "$UID_HEX"; check "same UID, other spelling: EX_DATAERR" test $? -eq 0
check "duplicate message names the badge" grep -q "already enrolled (badge 1" "$T/last"
rc 65 ctl badge add bob 04C73E915A12; check "6-byte UID refused" test $? -eq 0
rc 65 ctl badge add bob 04C73E915A12ZZ; check "non-hex UID refused" test $? -eq 0
check "UID error does not echo the input" sh -c "! grep -qi 5A12 '$T/last'"
rc 66 ctl badge add nobody 04A1B2C3; check "badge add to unknown member: EX_NOINPUT" test $? -eq 0
rc 64 ctl badge add bob; check "badge add without UID: EX_USAGE" test $? -eq 0
run ctl badge add bob 04B0B0B1 >/dev/null
run ctl badge add bob 0102030405060708090A --json >"$T/add.json"
check "badge add --json" python3 -c "import json; d=json.load(open('$T/add.json')); assert d['id']==3 and d['hint']=='090A' and d['member']=='bob' and d['status']=='active'"

run ctl badge list >"$T/list"
check "badge list shows all" test "$(grep -c ' active ' "$T/list")" = 3
check "badge list shows the label" grep -q "^1 .*alice .*1280 .*blue fob" "$T/list"
check "badge list M" test "$(run ctl badge list bob | grep -c active)" = 2

# Revoke by UID and by id; the daemon's lookup sees a revoked badge.
run ctl badge revoke "$UID_HEX" >"$T/rev"
check "revoke by UID" grep -q "badge 1 hint 1280 of member 1 (alice) revoked" "$T/rev"
check "revoked in the database" test "$(sqlite3 "$T/seuil.db" "SELECT status FROM badges WHERE id=1")" = revoked
run ctl badge revoke 2 >/dev/null
check "revoke by id" test "$(sqlite3 "$T/seuil.db" "SELECT status FROM badges WHERE id=2")" = revoked
rc 66 ctl badge revoke 99; check "revoke unknown id: EX_NOINPUT" test $? -eq 0
rc 66 ctl badge revoke 04DEAD01; check "revoke unknown UID: EX_NOINPUT" test $? -eq 0

# A key readable by others is refused, naming the path.
chmod 0644 "$T/uid.key"
rc 74 ctl badge add bob 04A1B2C3; check "group/other-readable key: EX_IOERR" test $? -eq 0
check "key error names the file" grep -q "$T/uid.key" "$T/last"
chmod 0600 "$T/uid.key"

# who / checkout without a daemon: visits are closed in the store.
now=$(($(date +%s) * 1000))
sqlite3 "$T/seuil.db" "INSERT INTO visits (member_id, door, arrived_ts, last_seen_ts) VALUES (1, 'front', $now - 3600000, $now)"
run ctl who >"$T/who"
check "who lists alice" grep -q "^alice .* front" "$T/who"
check "who counts" grep -qx "1 present" "$T/who"
check "who --json" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"count\"]==1 and d[\"people\"][0][\"name\"]==\"alice\" and d[\"people\"][0][\"door\"]==\"front\"'"
rc 0 ctl checkout alice; check "checkout without daemon succeeds" test $? -eq 0
check "checkout says so" grep -q "alice checked out" "$T/last"
check "visit closed with reason manual" test "$(sqlite3 "$T/seuil.db" "SELECT left_reason FROM visits WHERE member_id=1")" = manual
check "departure event with reason manual" test "$(sqlite3 "$T/seuil.db" "SELECT type||'|'||reason||'|'||door||'|'||member_id FROM events WHERE type != 'admin_change'")" = "departure|manual|front|1"
check "who is empty" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -qx '0 present'"
rc 0 ctl checkout alice; check "second checkout: not present" grep -q "was not present" "$T/last"
rc 66 ctl checkout nobody; check "checkout unknown member: EX_NOINPUT" test $? -eq 0

# log and its filters.
sqlite3 "$T/seuil.db" "INSERT INTO events (ts_ms, type, door, reader, member_id, reason) VALUES
	(1767268800000, 'access_denied', 'back', 'back-in', NULL, 'unknown_badge'),
	(1767272400000, 'access_granted', 'front', 'front-in', 2, NULL)"
check "log shows everything (and the audit trail)" test "$(run ctl log | grep -vc ' admin_change ')" = 3
check "log --type" test "$(run ctl log --type access_denied | grep -c unknown_badge)" = 1
check "log --door" test "$(run ctl log --door front | wc -l)" = 2
check "log --member" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --member bob | grep -q 'access_granted .*member=bob'"
# 2026-01-01T13:00:00Z is 14:00 in Paris: --since a local time between the two events.
check "log --since local" test "$(run ctl log --since 2026-01-01T13:30 --until 2026-01-02 | wc -l)" = 1
check "log --since with Z" test "$(run ctl log --since 2026-01-01T12:30:00Z --until 2026-01-01T13:30:00Z | grep -c access_granted)" = 1
check "log shows local time" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --type access_denied | grep -q '^2026-01-01 13:00:00 '"
rc 65 ctl log --since yesterday; check "log bad time: EX_DATAERR" test $? -eq 0
rc 66 ctl log --member nobody; check "log unknown member: EX_NOINPUT" test $? -eq 0
check "log --json" sh -c "'$SEUILCTL' -f '$T/seuild.conf' log --json --limit 1 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==1 and d[0][\"type\"]==\"access_granted\" and d[0][\"ts\"]==\"2026-01-01T13:00:00Z\" and d[0][\"member\"]==\"bob\"'" 

# Daemon commands with no daemon: EX_UNAVAILABLE, saying so.
rc 69 ctl status; check "status without daemon: EX_UNAVAILABLE" test $? -eq 0
check "status says seuild is not running" grep -q "seuild is not running" "$T/last"
rc 69 ctl door unlock; check "door unlock without daemon: EX_UNAVAILABLE" test $? -eq 0
rc 66 ctl door unlock back; check "door unlock unknown door: EX_NOINPUT" test $? -eq 0
rc 65 ctl door unlock front --seconds 0; check "door unlock --seconds 0: EX_DATAERR" test $? -eq 0
rc 65 ctl door unlock front --seconds 61; check "door unlock --seconds 61: EX_DATAERR" test $? -eq 0

# `badge add M -`: the UID from standard input, out of ps and history.
printf '04:AA:BB:CC:DD:EE:01\n' | run ctl badge add bob - --label stdin >"$T/add-stdin"
check "badge add - reads the UID from standard input" grep -qx "badge 4 hint EE01 added to member 2 (bob)" "$T/add-stdin"
check "badge add -: the badge works by that UID" sh -c "'$SEUILCTL' -f '$T/seuild.conf' explain 04AABBCCDDEE01 | grep -q 'badge 4'"
rc 65 ctl badge add bob - </dev/null; check "badge add - with nothing on standard input: EX_DATAERR" test $? -eq 0
check "badge add - says no UID was given" grep -q "no UID on standard input" "$T/last"
printf '04AABBCCDDEE01' | rc 65 ctl badge add alice -; check "badge add -: a UID enrolled already is refused (no newline needed)" test $? -eq 0
printf 'zz\n' | rc 65 ctl badge add alice -; check "badge add -: a bad UID is refused" test $? -eq 0
check "badge add --help shows the - form" sh -c "'$SEUILCTL' badge add --help | grep -q 'seuilctl badge add alice -'"

# The audit trail: who changed what, as `log` shows it.
me="uid:$(id -u)($(id -un))"
check "badge add is in the audit trail with its actor" test "$(sqlite3 "$T/seuil.db" "SELECT actor||'|'||detail FROM events WHERE type = 'admin_change' AND badge_id = 4")" = "$me|badge add 4 to member 2"
check "badge revoke is in the audit trail" test "$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM events WHERE type = 'admin_change' AND detail IN ('badge revoke 1', 'badge revoke 2')")" = 2

# The raw UID: in no output, and not in the database files, as bytes or text.
check "no output holds the UID" sh -c "! grep -qiE '04:?c7:?3e:?91:?5a:?12:?80' '$T/all.out'"
check "database holds neither UID bytes nor UID text" python3 - "$T" <<'PY'
import glob, sys
uid = bytes.fromhex("04C73E915A1280")
texts = [uid, uid.hex().encode(), uid.hex().upper().encode(),
         b"04:c7:3e:91:5a:12:80", b"04:C7:3E:91:5A:12:80"]
files = glob.glob(sys.argv[1] + "/seuil.db*")
assert files
for f in files:
    data = open(f, "rb").read()
    for t in texts:
        assert t not in data, (f, t)
PY
