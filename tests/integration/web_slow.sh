#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuil-web against clients that send too much or too slowly
# (docs/security.md): a request is refused from its headers, before its
# body is read (401, 403 at once; unauthenticated uploads cost no memory);
# a client that sends its headers a byte at a time is dropped after
# WEB_HEADERS_S and cannot keep a real request out; one address holds at
# most WEB_PER_ADDRESS connections.  Clients come from 127.X.Y.Z, all
# loopback, so each is its own address.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"
load() { python3 "$TOP/tests/browser/webload.py" "$@"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$WEB_PID/status"; }	# peak RSS, KiB

write_web_config </dev/null
ctl init >/dev/null || { not_ok "setup"; exit 1; }
add_web_user desk1 'desk password' desk
start_web || { not_ok "seuil-web starts"; exit 1; }

# ---- refused before the body ----
read -r code secs < <(load early "$WEB_PORT" POST /api/v1/import 5000000 'Content-Type: text/csv')
check "a 5 MB upload without a session: 401 before a byte of it is sent ($code, ${secs} s)" \
	test "$code" = 401
read -r code secs < <(WEBLOAD_WAIT=3 load early "$WEB_PORT" POST /api/v1/login 60000)
check "a login's body is still read: no answer in 3 s without it ($code)" test "$code" = 0
web_login desk1 'desk password' || not_ok "desk logs in"
tok=$(awk '$6 == "seuil_session" { print $7 }' "$T/jar")
read -r code secs < <(load early "$WEB_PORT" POST /api/v1/import 5000000 "Cookie: seuil_session=$tok" \
	"X-CSRF-Token: $CSRF")
check "an import by a desk account: 403 before its body ($code)" test "$code" = 403
read -r code secs < <(load early "$WEB_PORT" POST /api/v1/members 60000 "Cookie: seuil_session=$tok" \
	"X-CSRF-Token: 0000")
check "a wrong CSRF token: 403 before the body ($code)" test "$code" = 403
read -r code secs < <(load early "$WEB_PORT" PUT /api/v1/nothing 60000 "Cookie: seuil_session=$tok" \
	"X-CSRF-Token: $CSRF")
check "an unknown call: 404 before the body ($code)" test "$code" = 404
read -r code secs < <(load early "$WEB_PORT" POST /index.html 60000)
check "a POST to the page: 405 before the body ($code)" test "$code" = 405

before=$(hwm)
load upload "$WEB_PORT" 127.0.3.1,127.0.3.2,127.0.3.3,127.0.3.4 8 5242880 /api/v1/import >"$T/up"
after=$(hwm)
diag "32 uploads: peak RSS $before -> $after KiB; answers: $(sort "$T/up" | uniq -c | tr '\n' ' ')"
check "32 unauthenticated 5 MiB uploads at once: none accepted" sh -c "! grep -qv '^401\$\|^0\$' '$T/up'"
check "and the peak RSS grew by less than 32 MiB" test $((after - before)) -lt 32768
check "seuil-web still answers" web_login desk1 'desk password'

# ---- one address, few connections ----
read -r _ n < <(load idle "$WEB_PORT" 127.0.5.1 12)
check "12 connections from one address: at most 8 kept ($n)" test "$n" -le 8

# ---- slow clients ----
# One client sends its headers a byte a second: never idle, yet dropped
# at the headers' deadline.
load slow "$WEB_PORT" 127.0.7.1 1 16 >"$T/slow1"
diag "one slow client: $(tr '\n' ' ' <"$T/slow1")"
check "a client sending its headers a byte a second, never idle, is dropped" \
	test "$(awk '/^dropped/ { print $2 }' "$T/slow1")" -ge 1
check "at the headers' deadline (10 s; kept at most 14 s)" \
	test "$(awk '/^longest/ { print $2 }' "$T/slow1")" -le 14

# 48 clients from 6 addresses do the same and reconnect as soon as they
# are dropped; real requests meanwhile.
spawn load slow "$WEB_PORT" 127.0.6.1,127.0.6.2,127.0.6.3,127.0.6.4,127.0.6.5,127.0.6.6 8 15 >"$T/slow"
slow=$SPAWN_PID
sleep 5
ok=0
for _ in 1 2 3; do
	code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' --max-time 5 "$WEB_URL/api/v1/who")
	[ "$code" = 200 ] && ok=$((ok + 1))
	sleep 1
done
check "real requests are served while slow clients hold the connections ($ok of 3)" test "$ok" = 3
wait "$slow"
diag "slow clients: $(tr '\n' ' ' <"$T/slow")"
check "slow clients are dropped to make room" test "$(awk '/^dropped/ { print $2 }' "$T/slow")" -gt 0
check "seuil-web still answers after them" web_login desk1 'desk password'
stop_web
