# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §10: the manager's console as installed: an account, a
# certificate for the LAN, the unit enabled; then the manager's day through
# the console's API, as the page calls it, over TLS with the certificate's
# name: log in, add a group and a member, enrol at the desk reader, a tap
# opens, "why not?", attendance, an import, a door unlock, each change with
# its audit record naming the console user.
#
# The console changes nothing itself: it reads the store and asks seuild
# for every change (docs/web.md), so each change below is checked twice,
# by its answer and by its admin_change event.

WEB_HOST=door.lab.example
WEB_URL=https://$WEB_HOST:8443
WEB_ADMIN=camille
WEB_PW='correct horse battery'

# api METHOD PATH [BODY] [curl args...]: the body in $WEB_OUT, the status
# printed.
WEB_OUT=
api() {
	local m=$1 p=$2; shift 2
	local -a a=(-s -o "$WEB_OUT" -w '%{http_code}' -b "$WEB_JAR" -X "$m"
	    --cacert "$R/etc/seuil/web.crt" --resolve "$WEB_HOST:8443:127.0.0.1"
	    -H "X-CSRF-Token: ${WEB_CSRF:-}")
	if [ $# -gt 0 ]; then
		a+=(--data-binary "$1"); shift
		a+=(-H 'Content-Type: application/json')
	fi
	curl "${a[@]}" "$@" "$WEB_URL/api/v1$p"
}
body() { json "$WEB_OUT" "$1"; }
# audited TYPE WHERE: an event of TYPE that seuild wrote for the console
# user (its actor names them) and that matches the SQL condition WHERE.
audited() {
	[ "$(count_events "type = '$1' and actor like '%$WEB_ADMIN%' and ($2)")" -ge 1 ]
}
# console_step NAME EXPECTED-STATUS METHOD PATH [BODY...]: one call.
console_step() {
	local n=$1 want=$2 got; shift 2
	got=$(api "$@")
	if [ "$got" = "$want" ]; then ok "$n"; return 0; fi
	not_ok "$n"
	diag "$1 $2: HTTP $got, want $want: $(head -c 300 "$WEB_OUT")"
	return 1
}

setup_console() {
	WEB_OUT=$R/run/seuil-test/web.out
	WEB_JAR=$R/run/seuil-test/web.jar
	check_out "seuilctl web user add $WEB_ADMIN --role admin" "$R/run/seuil-test/webuser.log" \
	    sh -c "printf '%s\n' '$WEB_PW' | chroot '$R' seuilctl web user add $WEB_ADMIN --role admin"
	check_out "seuilctl web cert --host $WEB_HOST" "$R/run/seuil-test/webcert.log" \
	    inroot seuilctl web cert --host "$WEB_HOST"
	check "the console's TLS key: 0600, seuil-web's" test "$(mode_owner /etc/seuil/web.key)" = "600 seuil-web:seuil-web"
	conf_set web listen 0.0.0.0:8443
	conf_set web tls_cert /etc/seuil/web.crt
	conf_set web tls_key /etc/seuil/web.key
	check_out "seuil-web -n: configuration OK" "$R/run/seuil-test/web-n.log" \
	    sh -c "chroot '$R' seuil-web -n | grep -qx 'configuration OK'"
	check_out "systemctl enable --now seuil-web" "$R/run/seuil-test/web-start.log" \
	    unit enable --now seuil-web
	if ! wait_until 10 curl -sf -o /dev/null --cacert "$R/etc/seuil/web.crt" \
	    --resolve "$WEB_HOST:8443:127.0.0.1" "$WEB_URL/"; then
		not_ok "the console answers on $WEB_URL, with the certificate's name"
		tail -n 20 "$R/var/log/seuil-test/seuil-web.service.log" | sed 's/^/#   /'
		return 1
	fi
	ok "the console answers on $WEB_URL, with the certificate's name"
	check "seuil-web serves the installed page" sh -c \
	    "curl -s --cacert '$R/etc/seuil/web.crt' --resolve '$WEB_HOST:8443:127.0.0.1' '$WEB_URL/' | cmp -s - '$R/usr/share/seuil/web/index.html'"
	check "seuil-web runs as seuil-web, in seuil and seuil-admin only" seuil_web_creds_ok
	check "seuil-web's user cannot read the UID key" not_readable_by_web /etc/seuil/uid.key
	check "seuil-web's user cannot read the credentials key file" not_readable_by_web /etc/seuil/credentials.key
	check "seuil-web's user cannot read seuild's broker password" not_readable_by_web /etc/seuil/mqtt.pw
	return 0
}
# PATH exists, and seuil-web's user cannot read it.
not_readable_by_web() { [ -s "$R$1" ] && ! as_user seuil-web cat "$1" >/dev/null 2>&1; }

seuil_web_creds_ok() {
	local pid want have
	pid=$(cat "$R/run/seuil-test/units/seuil-web.service.pid") || return 1
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$(uid_of seuil-web)" ] || return 1
	want=$(for g in seuil seuil-admin seuil-web; do gid_of $g; done | sort -n | paste -sd' ' -)
	have=$({ awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status"; awk '/^Gid:/ { print $2 }' "/proc/$pid/status"; } |
	    tr ' ' '\n' | sed '/^$/d' | sort -nu | paste -sd' ' -)
	[ "$want" = "$have" ] || { diag "seuil-web's groups: $have, want $want"; return 1; }
}

# console_login: log in as the console's admin, the CSRF token kept.
console_login() {
	if curl -s -c "$WEB_JAR" -o "$WEB_OUT" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	    --cacert "$R/etc/seuil/web.crt" --resolve "$WEB_HOST:8443:127.0.0.1" \
	    --data "{\"user\":\"$WEB_ADMIN\",\"password\":\"$WEB_PW\"}" "$WEB_URL/api/v1/login" | grep -qx 200; then
		ok "console: $WEB_ADMIN logs in"
	else
		not_ok "console: $WEB_ADMIN logs in"; diag "$(head -c 300 "$WEB_OUT")"
		return 1
	fi
	WEB_CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$WEB_OUT")
}

journey_console() {
	local n csv
	console_login || return 1
	check "console: the login is recorded (console_login)" wait_until 5 events_ge \
	    "type = 'console_login' and (actor like '%$WEB_ADMIN%' or detail like '%$WEB_ADMIN%')" 1
	check "console: who is here" who_ok

	# A group with a schedule, a member in it.
	console_step "console: add the group evening" 201 POST /groups '{"name":"evening"}' &&
	    check "console: the group is in the store" test "$(rsql "select count(*) from groups where name = 'evening'")" = 1
	check "console: adding the group is audited" wait_until 5 audited admin_change "detail like 'group add evening%'"
	console_step "console: set the schedule of evening" 200 PUT /groups/evening/schedule '{"schedule":"Mon-Sun 00:00-23:59"}'
	console_step "console: add the member bob (staff)" 201 POST /members \
	    '{"name":"bob","display_name":"Bob","email":"bob@example.org","groups":["staff"],"public":true}' &&
	    check "console: bob is in the store" test "$(rsql "select count(*) from members where name = 'bob'")" = 1
	check "console: adding bob is audited" wait_until 5 audited admin_change \
	    "detail like 'member add %' and member_id = (select id from members where name = 'bob')"
	if [ "$(rsql "select count(*) from members where name = 'bob'")" != 1 ]; then
		# So that the next steps are checked on their own.
		diag "bob added with seuilctl instead, for the next steps"
		inroot seuilctl member add bob --display Bob --group staff --public >/dev/null
	fi

	# Enrolment at the desk reader: the request waits for the tap.
	local e w
	w=$(enrol_waits)
	api POST /enrol '{"member":"bob","reader":"desk","timeout":20}' >"$WEB_OUT.code" &
	e=$!
	wait_until 15 enrol_waits_gt "$w" || diag "seuild did not log its wait for the enrolment"
	tap desk 04B0B0B0
	wait "$e"
	if [ "$(cat "$WEB_OUT.code")" = 201 ] && body "v['reader'] == 'desk' and v['hint'] == 'B0B0'"; then
		ok "console: enrol bob's badge at the desk reader"
	else
		not_ok "console: enrol bob's badge at the desk reader"; diag "HTTP $(cat "$WEB_OUT.code"): $(head -c 300 "$WEB_OUT")"
		diag "bob's badge added with seuilctl instead, for the next steps"
		printf '04B0B0B0\n' | inroot seuilctl badge add bob - >/dev/null
	fi
	check "console: the enrolment is recorded (badge_enrolled)" wait_until 5 events_ge "type = 'badge_enrolled'" 1

	# The tap opens; the console shows bob here.
	n=$(relay_lines)
	tap front-in 04B0B0B0
	check "bob's new badge opens the door" wait_until 10 relay_lines_gt "$n"
	check "console: bob is here (who)" wait_until 5 console_who_has bob

	# Why not?  Granted for bob; a disabled member is told why.
	console_step "console: why not? for bob" 200 GET '/explain?member=bob' &&
	    check "console: why not? says bob's badge is granted at the door" \
	    body "any(d['decision'] == 'granted' for b in v['badges'] for d in b['decisions'])"
	inroot seuilctl member add dave --display Dave >/dev/null
	inroot seuilctl member disable dave >/dev/null
	console_step "console: why not? for a disabled member" 200 GET '/explain?member=dave' &&
	    check "console: why not? says member_disabled" body "v['rules'][0]['code'] == 'member_disabled'"

	# Attendance: alice and bob came today.
	console_step "console: attendance (json)" 200 GET '/report/attendance?format=json' &&
	    check "console: attendance names alice and bob" sh -c "grep -q '\"alice\"' '$WEB_OUT' && grep -q '\"bob\"' '$WEB_OUT'"
	console_step "console: attendance (csv)" 200 GET '/report/attendance?format=csv'

	# An import: a dry run changes nothing, then it is applied.
	csv=$'name,display_name,email,groups,valid_from,valid_until,public\nerin,Erin,erin@example.org,staff,,,yes\nfrank,Frank,,evening,,,no\n'
	console_step "console: import, dry run" 200 POST '/import?dry_run=1' "$csv" -H 'Content-Type: text/csv' &&
	    check "console: the dry run's diff adds erin and frank" body "sorted(v['added']) == ['erin', 'frank'] and v['applied'] == False"
	check "console: a dry run changes nothing" test "$(rsql "select count(*) from members where name in ('erin', 'frank')")" = 0
	console_step "console: import, applied" 200 POST '/import' "$csv" -H 'Content-Type: text/csv' &&
	    check "console: erin and frank are members" test "$(rsql "select count(*) from members where name in ('erin', 'frank')")" = 2
	check "console: the import is audited" wait_until 5 audited admin_change "detail like 'import: 2 added,%'"

	# A door unlock from the console.
	n=$(relay_lines)
	console_step "console: unlock the front door" 200 POST /door/unlock '{"door":"front","seconds":1}'
	check "console: the unlock moves the relay" wait_until 10 relay_lines_gt "$n"
	check "console: the unlock is audited" wait_until 5 audited unlock_remote "door = 'front'"
	check "console: the store was never written by seuil-web's user" store_files_not_seuil_web
}

who_ok() { [ "$(api GET /who)" = 200 ]; }
console_who_has() { [ "$(api GET /who)" = 200 ] && grep -q "\"name\":\"$1\"" "$WEB_OUT"; }
# No file of the store belongs to seuil-web: only seuild (user seuil)
# writes it.
store_files_not_seuil_web() {
	! find "$R/var/lib/seuil" -user "$(uid_of seuil-web)" | grep -q .
}
