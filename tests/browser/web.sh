# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Helpers for the console's tests (tests/integration/web_*.sh), sourced
# after tests/lib.sh: a seuil-web on a free loopback port over $T's config,
# a login, and API calls through curl with a cookie jar.
SEUILWEB=$BUILD/seuil-web
WEB_PORT=${WEB_PORT:-$(free_port)}
WEB_URL=http://127.0.0.1:$WEB_PORT

# write_web_config: write_config plus a desk reader and [web]; extra lines
# on stdin are appended.
write_web_config() {
	write_config <<CONF
[reader.desk]
driver = sim
sim_fifo = $T/desk.fifo
enrol = true

[security]
unsynced_clock = ignore
lockout_failures = 32

[web]
listen = 127.0.0.1:$WEB_PORT
CONF
	[ -t 0 ] || cat >>"$T/seuild.conf"
}

# start_web [URL]: seuil-web serving web/page, waiting until it answers.
start_web() {
	local url=${1:-$WEB_URL}
	SEUIL_WEB_PAGE=$TOP/web/page spawn "$SEUILWEB" -d -v -f "$T/seuild.conf" >>"$T/web.log" 2>&1
	WEB_PID=$SPAWN_PID
	if ! wait_until 10 curl -skf -o /dev/null "$url/"; then
		diag "seuil-web did not start:"; sed 's/^/#   /' "$T/web.log"
		return 1
	fi
}

stop_web() { kill -TERM "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; }

# add_web_user NAME PASSWORD ROLE
add_web_user() { printf '%s\n' "$2" | ctl web user add "$1" --role "$3" >/dev/null; }

# web_login NAME PASSWORD [JAR]: log in, keep the cookie in JAR (default
# $T/jar) and the CSRF token in $CSRF.  Returns curl's HTTP status check.
web_login() {
	local jar=${3:-$T/jar} code
	code=$(curl -s -c "$jar" -o "$T/login.json" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' \
		--data "{\"user\":\"$1\",\"password\":\"$2\"}" "$WEB_URL/api/v1/login")
	CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf",""))' "$T/login.json" 2>/dev/null)
	[ "$code" = 200 ]
}

# api METHOD PATH [BODY] [extra curl args...]: the body in $T/body, the
# status printed (and in $CODE).  The session's cookie and CSRF token go
# along.
api() {
	local m=$1 p=$2; shift 2
	local body=""
	if [ $# -gt 0 ]; then body=$1; shift; fi
	if [ -n "$body" ]; then
		CODE=$(curl -s -b "$T/jar" -o "$T/body" -w '%{http_code}' -X "$m" \
			-H "X-CSRF-Token: ${CSRF:-}" -H 'Content-Type: application/json' \
			--data-binary "$body" "$@" "$WEB_URL/api/v1$p")
	else
		CODE=$(curl -s -b "$T/jar" -o "$T/body" -w '%{http_code}' -X "$m" \
			-H "X-CSRF-Token: ${CSRF:-}" "$@" "$WEB_URL/api/v1$p")
	fi
	echo "$CODE"
}

# jq-like: json_get EXPR — python expression on v (the body's JSON).
json_get() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }
json_true() { [ "$(json_get "$1")" = True ]; }

