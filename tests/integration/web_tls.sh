#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's TLS (docs/security.md): TLS 1.2 and 1.3 only, AEAD ciphers
# only, asked of it with `openssl s_client` at its lowest security level so
# that the client offers the old protocols and suites; and the Host names
# it answers to by default under TLS: the names in its certificate.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config </dev/null
ctl init >/dev/null || { not_ok "setup"; exit 1; }
ctl web cert --host door.lab.example >/dev/null || { not_ok "web cert"; exit 1; }
sed -i "s|^listen = .*|listen = 127.0.0.1:$WEB_PORT\ntls_cert = $T/web.crt\ntls_key = $T/web.key|" \
	"$T/seuild.conf"
WEB_URL=https://127.0.0.1:$WEB_PORT
start_web "$WEB_URL" || { not_ok "seuil-web starts with TLS"; exit 1; }

# handshake ARGS...: whether s_client agreed on a protocol and a cipher;
# what it agreed on in $T/tls.
handshake() {
	echo | timeout 20 openssl s_client -connect "127.0.0.1:$WEB_PORT" -servername door.lab.example \
		"$@" >"$T/tls" 2>&1
	grep -q '^New, TLSv1\.[0-3], Cipher is [A-Z]' "$T/tls"
}
refused() { ! handshake "$@"; }
low='@SECLEVEL=0'	# lets the client offer what the server must refuse

check "TLS 1.0 is refused" refused -tls1 -cipher "DEFAULT$low"
check "TLS 1.1 is refused" refused -tls1_1 -cipher "DEFAULT$low"
check "TLS 1.2 with a CBC suite and SHA-1 (ECDHE-ECDSA-AES128-SHA) is refused" \
	refused -tls1_2 -cipher "ECDHE-ECDSA-AES128-SHA$low"
check "TLS 1.2 with a CBC suite and SHA-256 is refused" \
	refused -tls1_2 -cipher "ECDHE-ECDSA-AES128-SHA256$low"
check "TLS 1.2 with AES-GCM is accepted" handshake -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check "  and it is what was agreed" grep -q 'New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' "$T/tls"
check "TLS 1.2 with ChaCha20-Poly1305 is accepted" handshake -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
check "TLS 1.3 is accepted" handshake -tls1_3
check "  with an AEAD suite" grep -Eq 'New, TLSv1.3, Cipher is TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)' "$T/tls"
check "a client offering everything gets TLS 1.3" handshake -cipher "ALL$low"
check "  (TLSv1.3)" grep -q 'New, TLSv1.3' "$T/tls"

# The certificate's name and the listen address are the console's names;
# any other Host is refused (421), on the page and the API.
host() { curl -sk -o /dev/null -w '%{http_code}' --resolve "$1:$WEB_PORT:127.0.0.1" \
	"https://$1:$WEB_PORT$2"; }
check "Host door.lab.example (the certificate's name): 200" test "$(host door.lab.example /)" = 200
check "Host 127.0.0.1 (the listen address): 200" test "$(host 127.0.0.1 /)" = 200
check "Host localhost: 200" test "$(host localhost /)" = 200
check "Host evil.example pointed at the console: 421" test "$(host evil.example /)" = 421
check "  and on the API: 421" test "$(host evil.example /api/v1/me)" = 421
stop_web
