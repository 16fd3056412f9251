#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A member on the console, for themselves, with the real seuild, seuil-web
# and a broker: an invite code from a tap of their own badge at the desk;
# sign-in with it ({"user","code"}) and a password set at once (nothing
# else before); a used code fails; they opt out of the lobby and the lobby
# stops naming them at their next arrival; an import and an admin's edit
# leave their choice; their logins, visits, badges (one reported lost is
# revoked at once), export and guests; 403 on every route of web/api.c's
# table outside their own; disabled or erased, their session ends.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

start_broker || { not_ok "the broker starts"; exit 1; }
write_web_config <<'CONF'

[guests]
sponsor_groups = members
CONF
sed -i "s/^enabled = false$/host = 127.0.0.1\nport = $BROKER_PORT\nhomeassistant = false/" "$T/seuild.conf"
ctl init >/dev/null && ctl group add members >/dev/null &&
	ctl member add alice --display Alice --group members --public >/dev/null &&
	ctl badge add alice 04A1B2C3 >/dev/null && ctl badge add alice 04A1B2C4 >/dev/null &&
	ctl member add bob >/dev/null && ctl badge add bob 04B0B0B0 >/dev/null ||
	{ not_ok "setup"; exit 1; }
alice=$(sqlite3 "$T/seuil.db" "select id from members where name = 'alice'")
add_web_user camille 'correct horse' admin
start_seuild || { not_ok "seuild starts"; exit 1; }
start_web || { not_ok "seuil-web starts"; exit 1; }
# The lobby's view: the retained B/presence, as a screen gets it.
lobby() { mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t seuil/test/presence -C 1 -W 5 2>/dev/null; }
lobby_has() { lobby | grep -q "$1"; }

# ---- the code ----
spawn "$SEUILCTL" -f "$T/seuild.conf" --json member invite --reader desk --timeout 20 >"$T/invite.json" 2>"$T/invite.err"
inv=$SPAWN_PID
wait_until 10 grep -q "invite: waiting" "$T/seuild.log"
tap desk 04A1B2C3; tap desk -
wait "$inv"
code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' "$T/invite.json" 2>/dev/null)
check "a code from a tap of the member's own badge at the desk" test "${#code}" = 10
check "... for that member" grep -q '"member":"alice"' "$T/invite.json"

# mapi METHOD PATH [BODY]: api as the member (their own cookie jar).
mapi() {
	local m=$1 p=$2 body=${3:-}
	CODE=$(curl -s -b "$T/mjar" -o "$T/body" -w '%{http_code}' -X "$m" \
		-H "X-CSRF-Token: ${MCSRF:-}" -H 'Content-Type: application/json' \
		${body:+--data-binary "$body"} "$WEB_URL/api/v1$p")
	echo "$CODE"
}
code_login() {	# code_login CODE: status
	curl -s -c "$T/mjar" -o "$T/mlogin.json" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' \
		--data "{\"user\":\"alice\",\"code\":\"$1\"}" "$WEB_URL/api/v1/login"
}
check "signs in with the code" test "$(code_login "$code")" = 200
MCSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/mlogin.json")
check "... as a member who must set a password" python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(not (v["role"] == "member" and v["must_set_password"] is True))' "$T/mlogin.json"
check "before a password, nothing else: 403 set_password_first" sh -c "[ \$(curl -s -b '$T/mjar' -o '$T/b' -w '%{http_code}' '$WEB_URL/api/v1/me/profile') = 403 ] && grep -q set_password_first '$T/b'"
check "sets a password" test "$(mapi POST /me/password '{"password":"a long passphrase"}')" = 200
check "and goes on in the same session" test "$(mapi GET /me/profile)" = 200
check "the used code fails" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data "{\"user\":\"alice\",\"code\":\"$code\"}" "$WEB_URL/api/v1/login")" = 401
check "a wrong code fails" test "$(code_login ABCDEFGHJK)" = 401
check "signs in with the password" sh -c "curl -s -c '$T/mjar' -o '$T/mlogin.json' -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{\"user\":\"alice\",\"password\":\"a long passphrase\"}' '$WEB_URL/api/v1/login' | grep -qx 200"
MCSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/mlogin.json")
check "every login listed on their page: two good, two failed" sh -c "[ \"\$(curl -s -b '$T/mjar' '$WEB_URL/api/v1/me/logins' | python3 -c 'import json,sys; v=json.load(sys.stdin); print(sum(1 for l in v if l[\"ok\"]), sum(1 for l in v if not l[\"ok\"]))')\" = '2 2' ]"

# ---- every route outside their own: 403 ----
routes() {
	awk '/} routes\[\] = \{/ { inside = 1; next }
		inside && /^};/ { exit }
		inside && /^[ \t]*\{ "/ { split($0, q, "\""); n = $0; sub(/.*NEED_/, "", n); sub(/[^A-Z].*/, "", n); print q[2], q[4], n }' "$TOP/web/api.c"
}
bad=0 walked=0
while read -r method pattern need; do
	path=${pattern//\*/999999}	# no such id: a member's own route changes nothing
	got=$(mapi "$method" "$path" '{}')
	walked=$((walked + 1))
	if [ "$need" = MEMBER ]; then
		[ "$got" != 403 ] || { bad=$((bad + 1)); diag "$method $path (their own): 403"; }
	else
		[ "$got" = 403 ] || { bad=$((bad + 1)); diag "$method $path: $got, not 403"; }
	fi
done < <(routes)
check "every route of the table walked as the member ($walked): 403 outside their own" test "$bad" = 0 -a "$walked" -gt 30
web_login camille 'correct horse' || { not_ok "admin login"; exit 1; }
check "... (an admin's account is no member's)" test "$(api GET /me/profile)" = 403
check "the console locks a door (POST /door/lock)" test "$(api POST /door/lock '{"door":"front"}')" = 200 -a \
	"$(json_get "(v['door'], v['was_held'])")" = "('front', False)"

# ---- the lobby ----
tap front-in 04A1B2C3; tap front-in -
check "while public, the lobby names her" wait_until 10 lobby_has '"name":"Alice"'
tap front-out 04A1B2C3; tap front-out -
wait_until 10 open_visits_is 0
check "she opts out of the lobby" test "$(mapi PUT /me/lobby '{"public":false}')" = 200
check "... her choice" json_true "v['lobby'] == {'named': False, 'as': None, 'chosen': True}"
tap front-in 04A1B2C3; tap front-in -
wait_until 10 lobby_has '"count":1'
check "at her next arrival the lobby does not name her" sh -c "lobby() { mosquitto_sub -h 127.0.0.1 -p '$BROKER_PORT' -t seuil/test/presence -C 1 -W 5; }; lobby | grep -q '\"anonymous\":1' && ! lobby | grep -q Alice"
printf 'name,display_name,public\nalice,Alice Back,yes\n' >"$T/members.csv"
ctl member import "$T/members.csv" >/dev/null
check "an import does not undo her choice" test "$(sqlite3 "$T/seuil.db" "select public || '|' || ifnull(display_name, '') from members where id = $alice")" = "0|Alice"
check "nor an admin's edit (400)" test "$(api PATCH /members/alice '{"public":true}')" = 400
check "the admin API shows it as her choice" sh -c "[ \$(curl -s -b '$T/jar' '$WEB_URL/api/v1/members/alice' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"lobby_chosen\"] is not None)') = True ]"

# ---- her data ----
check "her visits and figures" test "$(mapi GET /me/visits)" = 200
check "... two visits, and this month's figures" json_true "len(v['visits']) == 2 and 'figures' in v"
check "her export" test "$(mapi GET /me/export)" = 200
check "... holds her events" json_true "len(v['events']) > 0 and v['member']['name'] == 'alice'"
check "her badges" test "$(mapi GET /me/badges)" = 200
lost=$(json_get "v[1]['id']")
bobs=$(sqlite3 "$T/seuil.db" "select id from badges where member_id = (select id from members where name = 'bob')")
check "another member's badge is not hers (404)" test "$(mapi POST "/me/badges/$bobs/lost" '{}')" = 404
check "she reports one lost" test "$(mapi POST "/me/badges/$lost/lost" '{}')" = 200
tap front-in 04A1B2C4; tap front-in -
check "... revoked at once" wait_until 10 has_reason access_denied badge_revoked
check "... by member:$alice" test "$(sqlite3 "$T/seuil.db" "select count(*) from events where type = 'admin_change' and actor like 'member:$alice via uid:%'")" -ge 3
check "she vouches for a guest" test "$(mapi POST /me/guests '{"name":"Zoe"}')" = 201
check "her guests" sh -c "[ \$(curl -s -b '$T/mjar' '$WEB_URL/api/v1/me/guests' | python3 -c 'import json,sys; print([g[\"name\"] for g in json.load(sys.stdin)])') = \"['Zoe']\" ]"
check "the desk sees the pass" test "$(api GET /guests)" = 200 -a "$(json_get "[g['name'] for g in v]")" = "['Zoe']"

# ---- disabled: her session ends ----
ctl member disable alice >/dev/null
check "disabled, her session ends (401)" test "$(mapi GET /me/profile)" = 401
check "... and her account is gone" test "$(sqlite3 "$T/seuil.db" "select count(*) from member_accounts")" = 0

# ---- erased: his session ends ----
code=$(ctl --json member invite bob | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
check "an admin's code for bob opens his page" sh -c "curl -s -c '$T/mjar' -o '$T/mlogin.json' -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{\"user\":\"bob\",\"code\":\"$code\"}' '$WEB_URL/api/v1/login' | grep -qx 200"
MCSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/mlogin.json")
check "... he sets a password" test "$(mapi POST /me/password '{"password":"another long one"}')" = 200
check "... and reads his page" test "$(mapi GET /me/profile)" = 200
ctl member erase bob --yes >/dev/null
check "erased, his session ends (401)" test "$(mapi GET /me/profile)" = 401
check "... and his account is gone" test "$(sqlite3 "$T/seuil.db" "select count(*) from member_accounts")" = 0
