#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuil-web's defences (docs/design.md, Console API; docs/web.md): [web] config checks, security headers,
# the Host check (421), no escape from the page folder, body caps, JSON
# numbers, sessions (401), CSRF (403), login throttling (429 with
# Retry-After), cookie flags, TLS, accounts hashed and never given on a
# command line.  Floods, slow clients and TLS versions: web_throttle.sh,
# web_slow.sh, web_tls.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config </dev/null
ctl init >/dev/null || { not_ok "setup"; exit 1; }

# ---- config ----
check "the [web] section is valid" "$SEUILWEB" -n -f "$T/seuild.conf"
sed "s/^listen = .*/listen = 0.0.0.0:$WEB_PORT/" "$T/seuild.conf" >"$T/open.conf"
"$SEUILD" -n -f "$T/open.conf" >"$T/err" 2>&1
check "a LAN listen without TLS is a config error (78)" test $? -eq 78
check "and it says to set tls_cert or use a proxy" grep -q "not a loopback address: set tls_cert" "$T/err"
sed "s/^listen = .*/listen = nowhere\ntls_cert = \/x/" "$T/seuild.conf" >"$T/open.conf"
"$SEUILD" -n -f "$T/open.conf" >"$T/err" 2>&1
check "bad listen and a lone tls_cert are named by line" \
	sh -c "grep -q 'open.conf:[0-9]*: bad listen' '$T/err' && grep -q 'tls_cert and tls_key go together' '$T/err'"
"$SEUILD" -nv -f "$T/seuild.conf" >"$T/canon"
check "-nv prints [web] with session_timeout" grep -qx "session_timeout = 8h" "$T/canon"

# ---- accounts ----
add_web_user camille 'correct horse' admin
check "web user add (password on stdin)" ctl web user list
echo short | ctl web user add shorty >/dev/null 2>&1
check "a short password is refused (65)" test $? -eq 65
ctl web user add "bad name" </dev/null >/dev/null 2>&1
check "a bad name is refused" test $? -ne 0
check "the hash is yescrypt, the password nowhere" sh -c \
	"sqlite3 '$T/seuil.db' 'select hash from web_users' | grep -q '^\\\$y\\\$' && ! grep -q 'correct horse' '$T/seuil.db'"
check "web user add is an admin_change" sh -c \
	"sqlite3 '$T/seuil.db' \"select detail from events where type='admin_change'\" | grep -q 'web user add camille admin'"
add_web_user desk1 'desk password' desk
ctl --json web user list >"$T/users.json"
check "list --json shows roles" grep -q '"name":"desk1","role":"desk"' "$T/users.json"

# seuild writes the console's login events (seuil-web's store is read-only).
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }
ok "seuil-web starts"

# ---- headers and static files ----
curl -s -D "$T/h" -o /dev/null "$WEB_URL/"
check "CSP default-src 'self'" grep -qi "^Content-Security-Policy: default-src 'self'" "$T/h"
check "frame-ancestors 'none'" grep -qi "frame-ancestors 'none'" "$T/h"
check "X-Content-Type-Options nosniff" grep -qi "^X-Content-Type-Options: nosniff" "$T/h"
check "Referrer-Policy" grep -qi "^Referrer-Policy: no-referrer" "$T/h"
for p in "/../../../etc/passwd" "/..%2f..%2fetc%2fpasswd" "/%2e%2e/%2e%2e/etc/passwd" \
	"/.hidden" "/index.html/../../seuild.conf" "/web.sh"; do
	code=$(curl -s --path-as-is -o "$T/esc" -w '%{http_code}' "$WEB_URL$p")
	check "static $p refused ($code)" sh -c "[ $code = 404 ] || [ $code = 400 ]"
done
check "nothing of /etc/passwd served" sh -c "! grep -q root: '$T/esc'"
ln -s /etc/passwd "$TOP/web/page/link-test.html" 2>/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' "$WEB_URL/link-test.html")
rm -f "$TOP/web/page/link-test.html"
check "a symbolic link in the page folder is not followed ($code)" test "$code" = 404

# ---- Host: a name pointed at the console (DNS rebinding) is refused ----
hostreq() { curl -s -o /dev/null -w '%{http_code}' -H "Host: $1" "$WEB_URL$2"; }
check "Host 127.0.0.1:PORT (the listen address): 200" test "$(hostreq "127.0.0.1:$WEB_PORT" /)" = 200
check "Host localhost: 200" test "$(hostreq localhost /)" = 200
check "Host evil.example:PORT: 421" test "$(hostreq "evil.example:$WEB_PORT" /)" = 421
check "Host 127.0.0.1.evil.example: 421" test "$(hostreq 127.0.0.1.evil.example /)" = 421
check "  the API: 421 before anything else (not 401)" test "$(hostreq evil.example /api/v1/who)" = 421
code=$(curl -s -o "$T/esc" -w '%{http_code}' -H 'Host: evil.example' -X POST \
	--data '{"user":"camille","password":"correct horse"}' "$WEB_URL/api/v1/login")
check "  a login: 421 and no cookie for that page" sh -c "[ $code = 421 ] && grep -q wrong_host '$T/esc'"
code=$(curl -s -0 -o /dev/null -w '%{http_code}' -H 'Host:' "$WEB_URL/")
check "an HTTP/1.0 request without Host: 421 ($code)" test "$code" = 421

# ---- sessions ----
check "no session: 401" test "$(api GET /status)" = 401
check "no session, unknown path: 401 too" test "$(api GET /nothing)" = 401
check "no session, members: 401" test "$(api GET /members)" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -b 'seuil_session=0000000000000000000000000000000000000000000000000000000000000000' "$WEB_URL/api/v1/who")
check "a forged session: 401" test "$code" = 401
fails() { ! "$@"; }
check "login with a wrong password: 401" fails web_login camille wrong
check "login works" web_login camille 'correct horse'
curl -s -D "$T/h" -o /dev/null -X POST --data '{"user":"camille","password":"correct horse"}' "$WEB_URL/api/v1/login"
check "cookie seuil_session HttpOnly; SameSite=Strict; Path=/" \
	grep -qi '^Set-Cookie: seuil_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$T/h"
check "no Secure flag without TLS" sh -c "! grep -i '^Set-Cookie' '$T/h' | grep -qi secure"
check "csrf token of 256 bits" test "${#CSRF}" -eq 64
check "with a session, /me answers" test "$(api GET /me)" = 200
check "with the role" grep -q '"role":"admin"' "$T/body"
check "console_login logged by seuild with actor web:camille" sh -c \
	"sqlite3 '$T/seuil.db' \"select actor from events where type='console_login'\" | grep -qx 'web:camille via uid:[0-9]*(.*)'"
check "console_login_failed logged" sh -c \
	"sqlite3 '$T/seuil.db' \"select actor from events where type='console_login_failed'\" | grep -qx 'web:camille via uid:[0-9]*(.*)'"

# ---- CSRF ----
saved=$CSRF
CSRF=""
check "POST without X-CSRF-Token: 403" test "$(api POST /members '{"name":"x"}')" = 403
CSRF=0000000000000000000000000000000000000000000000000000000000000000
check "POST with a wrong X-CSRF-Token: 403" test "$(api POST /members '{"name":"x"}')" = 403
check "PATCH with a wrong token: 403" test "$(api PATCH /members/1 '{"email":"a@b"}')" = 403
check "logout with a wrong token: 403" test "$(api POST /logout)" = 403
CSRF=$saved
check "GET needs no CSRF token" test "$(CSRF='' api GET /me)" = 200

# ---- bodies ----
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -X POST -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/json' --data-binary @"$T/big" "$WEB_URL/api/v1/members")
check "a JSON body over 64 KiB: 413 ($code)" test "$code" = 413
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -X POST -H "X-CSRF-Token: $CSRF" \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$WEB_URL/api/v1/members")
check "a chunked JSON body over 64 KiB: 413 ($code)" test "$code" = 413
head -c $((5 * 1024 * 1024 + 10)) /dev/zero | tr '\0' 'a' >"$T/huge"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -X POST -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: text/csv' --data-binary @"$T/huge" "$WEB_URL/api/v1/import?dry_run=1")
check "a CSV body over 5 MiB: 413 ($code)" test "$code" = 413
# A JSON number outside what an id can be is refused, never converted
# (a double outside int64 does not convert: undefined behaviour).
for n in 1e300 -1e300 1e999 -1e999 1.5 9223372036854775808; do
	api POST /checkout "{\"member\":$n}" >/dev/null
	check "member $n: 400 invalid ($CODE)" sh -c "[ $CODE = 400 ] && grep -q '\"code\":\"invalid\"' '$T/body'"
done
check "member 7 (a whole number, no such member): 404" test "$(api POST /checkout '{"member":7}')" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{"user":' "$WEB_URL/api/v1/login")
check "malformed login JSON: 400 ($code)" test "$code" = 400
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '[1,2]' "$WEB_URL/api/v1/login")
check "login JSON of the wrong shape: 400 ($code)" test "$code" = 400

# ---- roles ----
check "desk logs in" web_login desk1 'desk password' "$T/jar"
check "desk may not read a missing member (404)" test "$(api GET /members/1)" = 404
sqlite3 "$T/seuil.db" "insert into members(name, display_name, email, status, public, created) values ('mia', 'Mia', 'mia@example.org', 'active', 0, 0)"
check "desk reads a member for its card: 200" test "$(api GET /members/mia)" = 200
check "with no more than id, name and display name (no e-mail, groups, badges or whereabouts)" \
	json_true "sorted(v) == ['display_name', 'id', 'name'] and v['name'] == 'mia' and v['display_name'] == 'Mia'"
check "desk lists members for its pickers: 200" test "$(api GET /members)" = 200
check "with no more than id, name and display name (no e-mail, groups or status)" \
	json_true "len(v) == 1 and sorted(v[0]) == ['display_name', 'id', 'name']"
check "desk may not import (403)" test "$(api POST /import 'name')" = 403
check "desk may not erase (403)" test "$(api POST /members/1/erase '{}')" = 403
check "logout" test "$(api POST /logout)" = 200
check "after logout the session is gone (401)" test "$(api GET /me >/dev/null; api GET /who)" = 401

# ---- throttling: per user, then per address ----
for i in 1 2 3 4 5; do web_login camille "wrong$i"; done
curl -s -D "$T/h" -o /dev/null -X POST --data '{"user":"camille","password":"correct horse"}' "$WEB_URL/api/v1/login"
check "6th try within 60 s: 429, even with the right password" grep -q '^HTTP/1.1 429' "$T/h"
check "with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/h"
check "another user from another address is not throttled" sh -c \
	"curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code}' -X POST --data '{\"user\":\"desk1\",\"password\":\"desk password\"}' '$WEB_URL/api/v1/login' | grep -qx 200"
for i in 1 2 3 4 5; do
	curl -s -o /dev/null -X POST --data "{\"user\":\"nobody$i\",\"password\":\"x\"}" "$WEB_URL/api/v1/login"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{"user":"desk1","password":"desk password"}' "$WEB_URL/api/v1/login")
check "the address that failed 5 times (other names): 429 ($code)" test "$code" = 429

# ---- [web] host_names replaces the defaults ----
stop_web
echo "host_names = door.lab.example, 127.0.0.1" >>"$T/seuild.conf"
start_web || not_ok "seuil-web starts with host_names"
check "host_names: door.lab.example answers" test "$(hostreq "door.lab.example:$WEB_PORT" /)" = 200
check "host_names: 127.0.0.1 answers" test "$(hostreq "127.0.0.1:$WEB_PORT" /)" = 200
check "host_names: localhost, not listed, is refused (421)" test "$(hostreq localhost /)" = 421
sed -i '/^host_names = /d' "$T/seuild.conf"

# ---- TLS ----
stop_web
ctl web cert --host 127.0.0.1 >"$T/cert.out"
check "web cert prints a SHA-256 fingerprint" grep -Eq '^SHA-256 +([0-9A-F]{2}:){31}[0-9A-F]{2}$' "$T/cert.out"
check "the key is 0600" test "$(stat -c %a "$T/web.key")" = 600
ctl web cert --host 127.0.0.1 >/dev/null 2>&1
check "web cert never overwrites (73)" test $? -eq 73
fp=$(sed -n 's/^SHA-256 *//p' "$T/cert.out")
check "the fingerprint is the certificate's" sh -c \
	"openssl x509 -in '$T/web.crt' -noout -fingerprint -sha256 | grep -q '$fp'"
sed -i "s|^listen = .*|listen = 127.0.0.1:$WEB_PORT\ntls_cert = $T/web.crt\ntls_key = $T/web.key|" "$T/seuild.conf"
WEB_URL=https://127.0.0.1:$WEB_PORT
start_web "$WEB_URL" || not_ok "seuil-web starts with TLS"
curl -sk -D "$T/h" -o /dev/null -X POST --data '{"user":"desk1","password":"desk password"}' "$WEB_URL/api/v1/login"
check "under TLS the cookie is Secure" grep -qi '^Set-Cookie: seuil_session=.*; Secure' "$T/h"
check "and HSTS is sent" grep -qi '^Strict-Transport-Security' "$T/h"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/")
check "plain HTTP on the TLS port gets no page ($code)" test "$code" != 200
stop_web
