#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bench's own programs (bench/gen_badges, bench/grant_txn): they build
# in every build and do what bench.py counts on.  Not a benchmark: no timing
# is asserted.
. "$(dirname "$0")/../lib.sh"

GEN=$BUILD/bench/gen_badges
TXN=$BUILD/bench/grant_txn
db=$T/seuil.db
count() { sqlite3 "$db" "select count(*) from events where type='$1'"; }

check "gen_badges fills a store" "$GEN" --db "$db" --key "$T/uid.key" --count 300 \
	--members 60 --events 500
check "its badges and members are there" test "$(sqlite3 "$db" "select count(*) from badges")/$(sqlite3 "$db" "select count(*) from members")" = 300/60
before=$(count access_granted)
"$TXN" --db "$db" --key "$T/uid.key" --count 300 --taps 50 --gap-ms 0 >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "grant_txn runs" test "$rc" = 0
check "grant_txn prints one time a tap but for the 20 that warm up" test "$(wc -l <"$T/out.txt")" = 30
check "each a positive number of microseconds" sh -c "! grep -qvx '[1-9][0-9]*' '$T/out.txt'"
check "its taps are committed grants" test "$(count access_granted)" = $((before + 50))
check "the store is intact" test "$(sqlite3 "$db" "pragma integrity_check")" = ok

"$TXN" --db "$db" --taps 50 >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "grant_txn without --key: usage, exit 64" sh -c "[ $rc = 64 ] && grep -q '^usage: grant_txn' '$T/err.txt'"
"$TXN" --db "$db" --key "$T/uid.key" --taps 10 >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "grant_txn with no more taps than the warm-up: usage, exit 64" test "$rc" = 64
"$TXN" --db "$T/none.db" --key "$T/uid.key" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "grant_txn on a missing store: exit 66, says why" sh -c "[ $rc = 66 ] && grep -q 'grant_txn: ' '$T/err.txt'"
check "and does not create it" test ! -e "$T/none.db"
