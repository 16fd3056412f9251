#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's login throttle under a flood (docs/security.md): failed
# logins with fresh names from fresh addresses (127.X.Y.Z, all loopback)
# cannot flush an account's count, and cannot keep a real account out: the
# admin, with no failures of their own, from an address with none, logs in
# while the flood is refused; concurrent logins wait their turn at the
# password check.  The grouping of IPv6 addresses by /64 is in
# tests/unit/test_web.c (loopback has one IPv6 address).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"
load() { python3 "$TOP/tests/browser/webload.py" "$@"; }
count() { grep -c " $2\$" "$1"; }	# count FILE STATUS
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$WEB_PID/status"; }	# peak RSS, KiB

write_web_config </dev/null
ctl init >/dev/null || { not_ok "setup"; exit 1; }
add_web_user camille 'correct horse' admin
add_web_user alex 'alex password' admin
start_web || { not_ok "seuil-web starts"; exit 1; }

# ---- an unknown name is counted like a real one: the answers do not say
# which names are accounts ----
for i in 1 2 3 4 5 6; do echo "127.4.0.$i ghost wrong"; done | load logins "$WEB_PORT" 1 >"$T/ghost"
check "an unknown name, from six addresses: five 401 then 429, as for an account" \
	test "$(count "$T/ghost" 401)$(count "$T/ghost" 429)" = 51

# ---- a password check (yescrypt) takes 16 MiB: 32 at once once took
# 250 MB; now they wait their turn ----
before=$(hwm)
for i in $(seq 1 32); do echo "127.5.0.$i nobody$i wrong"; done | load logins "$WEB_PORT" 32 >"$T/logins"
after=$(hwm)
diag "32 logins at once: peak RSS $before -> $after KiB"
check "32 failed logins at once, from 32 addresses: all checked (401)" \
	test "$(count "$T/logins" 401)" = 32
check "and the peak RSS grew by less than 64 MiB (two checks at a time)" \
	test $((after - before)) -lt 65536

# ---- a flood of strangers: the admin still logs in ----
for i in $(seq 1 300); do echo "127.1.$((i / 200)).$((i % 200 + 1)) flood$i wrong"; done |
	load logins "$WEB_PORT" 8 >"$T/flood"
diag "flood: $(count "$T/flood" 401) x 401, $(count "$T/flood" 429) x 429, $(count "$T/flood" 0) unanswered"
check "a flood of fresh names from fresh addresses: refused once the cap is reached (429)" \
	test "$(count "$T/flood" 429)" -ge 150
check "every attempt answered 401 or 429" test "$(($(count "$T/flood" 401) + $(count "$T/flood" 429)))" = 300
echo "127.1.9.1 nobody wrong" | load logins "$WEB_PORT" 1 >"$T/one"
check "one more stranger from a new address: 429" test "$(count "$T/one" 429)" = 1
echo "127.1.9.2 alex alex password" | load logins "$WEB_PORT" 1 >"$T/one"
check "the admin, from a new address, logs in under the flood (200)" test "$(count "$T/one" 200)" = 1
echo "127.1.9.3 alex wrong" | load logins "$WEB_PORT" 1 >"$T/one"
check "a wrong password for a real account is checked, not refused (401)" \
	test "$(count "$T/one" 401)" = 1
stop_web

# ---- the attack of the review: tries against camille between floods ----
# Once, ~130 fresh names from fresh addresses evicted camille's counter:
# 20 tries in seconds against a documented 5 a minute.
start_web || { not_ok "seuil-web restarts"; exit 1; }
: >"$T/target"
for round in 1 2 3 4; do
	for i in 1 2 3 4 5; do echo "127.2.$round.$i camille wrong$round$i"; done |
		load logins "$WEB_PORT" 1 >>"$T/target"
	for i in $(seq 1 130); do echo "127.3.$round.$i x${round}n$i wrong"; done |
		load logins "$WEB_PORT" 8 >/dev/null
done
diag "tries against camille: $(count "$T/target" 401) x 401, $(count "$T/target" 429) x 429"
check "20 tries against camille, each from a new address, floods between: 5 checked (401)" \
	test "$(count "$T/target" 401)" = 5
check "the other 15 refused (429)" test "$(count "$T/target" 429)" = 15
echo "127.2.9.1 camille correct horse" | load logins "$WEB_PORT" 1 >"$T/one"
check "and the right password is refused too while it lasts (429)" test "$(count "$T/one" 429)" = 1

stop_web
