# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §12: the upgrade from the base package
# (tests/package/base-commit) with a populated store: every unit stopped
# before the new files come, the schema migrated after an automatic copy
# (when the schema changed), nothing lost, the services back, running the
# new programs.  Then the same through a reinstall over a store of every
# older schema (tests/fixtures/schema), so the migration path of the
# package's maintainer scripts is exercised even when the base package
# already has the newest schema.

UPG=/run/seuil-test/upgrade

# A populated store: groups and a schedule, 300 members from an import,
# 40 badges, taps, a console account, a nightly backup.
populate_store() {
	local i csv=$R/root/members.csv
	inroot seuilctl group add evening >/dev/null
	inroot seuilctl schedule set evening 'Mon-Fri 18:00-23:00' >/dev/null
	echo 'name,display_name,email,groups,valid_from,valid_until,public' >"$csv"
	for i in $(seq 1 300); do
		echo "m$i,Member $i,m$i@example.org,staff,,,$([ $((i % 3)) = 0 ] && echo yes || echo no)"
	done >>"$csv"
	check_out "seuilctl member import (300 members)" "$R/run/seuil-test/import.log" \
	    inroot seuilctl member import /root/members.csv
	for i in $(seq 1 40); do
		printf '04%06X\n' "$((0x100000 + i))" | inroot seuilctl badge add "m$i" - >/dev/null || break
	done
	check "40 badges added" test "$(rsql "select count(*) from badges")" -ge 41
	for i in $(seq 1 40); do tap front-in "$(printf '04%06X' "$((0x100000 + i))")"; sleep 0.05; done
	check "the taps are in the store" wait_until 15 events_ge "type = 'access_granted'" 41
	printf '%s\n' 'an old password' | inroot seuilctl web user add olga --role desk >/dev/null
	conf_set backup dir /var/backups/seuil
	unit enable --now seuil-backup.timer >/dev/null
	check_out "a nightly backup before the upgrade" "$R/run/seuil-test/nightly0.log" unit start seuil-backup.service
	# The console, set up and enabled as docs/install.md says; whether
	# the base package's can start is the base package's business.
	# Read by the api helpers of journeys/40-console.sh.
	# shellcheck disable=SC2034
	WEB_OUT=$R/run/seuil-test/web.out WEB_JAR=$R/run/seuil-test/web.jar
	printf '%s\n' "$WEB_PW" | inroot seuilctl web user add "$WEB_ADMIN" --role admin >/dev/null
	inroot seuilctl web cert --host "$WEB_HOST" >/dev/null
	conf_set web listen 0.0.0.0:8443
	conf_set web tls_cert /etc/seuil/web.crt
	conf_set web tls_key /etc/seuil/web.key
	if unit enable --now seuil-web >/dev/null 2>&1; then
		diag "the base package's console runs"
	else
		diag "the base package's console does not start: $(tail -n 2 "$R/var/log/seuil-test/seuil-web.service.log" | head -n 1)"
	fi
}

# store_counts: one line that must not change across the upgrade.
store_counts() {
	rsql "select (select count(*) from members), (select count(*) from badges),
	    (select count(*) from groups), (select count(*) from schedule_windows),
	    (select count(*) from web_users), (select count(*) from visits),
	    (select count(*) from events where type in ('access_granted', 'arrival'))"
}

# pre_migration_copy V: the name of the store's copy the postinst made
# before migrating it to schema V (the first, by name), or nothing.
pre_migration_copy() {
	find "$R/var/lib/seuil" -maxdepth 1 -regextype posix-extended \
	    -regex ".*/seuil\.db\.pre-v$1-[0-9]{8}-[0-9]{6}" -printf '%f\n' | sort | head -n 1
}

# exe_current UNIT: the unit's main process runs the installed program,
# not one deleted by the upgrade.
exe_current() {
	local pid
	pid=$(cat "$R/run/seuil-test/units/$1.pid" 2>/dev/null) || return 1
	case $(readlink "/proc/$pid/exe") in *"(deleted)") return 1 ;; "") return 1 ;; esac
}

journey_upgrade() {	# NEW.deb
	local new=$1 vbase vnew copy n
	mkdir -p "$R$UPG"
	store_counts >"$R$UPG/counts.before"
	cp "$R/etc/seuil/uid.key" "$R$UPG/uid.key"
	cp "$R$CONF" "$R$UPG/seuild.conf"
	vbase=$(rsql 'PRAGMA user_version')
	diag "before the upgrade: $(cat "$R$UPG/counts.before") (members badges groups windows accounts visits grants), schema $vbase"
	check "before: seuild runs" unit_active seuild
	: >"$R/run/seuil-test/policy.log"
	check_out "apt-get install ${new##*/} (the upgrade)" "$R/run/seuil-test/upgrade.log" apt_get install "$new"
	sed -n 's/^seuil: /#   postinst says: /p' "$R/run/seuil-test/upgrade.log"
	check "seuild was stopped before the new files came" grep -q '^seuild.service stop seuil\.p' "$R/run/seuil-test/policy.log"
	check "the backup timer was stopped too" grep -q '^seuil-backup.timer stop seuil\.p' "$R/run/seuil-test/policy.log"
	check "the postinst asked to start seuild again" grep -q '^seuild.service start seuil.postinst' "$R/run/seuil-test/policy.log"

	vnew=$(rsql 'PRAGMA user_version')
	copy=$(pre_migration_copy "$vnew")
	if [ "$vbase" != "$vnew" ]; then
		check "the store is migrated (schema $vbase to $vnew)" test -n "$vnew"
		check "the copy before the migration is kept: $copy" test -n "$copy"
		[ -z "$copy" ] || check "the copy is the old store: schema $vbase, sound, 0600" sh -c "
		    [ \"\$(sqlite3 'file:$R/var/lib/seuil/$copy?mode=ro' 'PRAGMA user_version')\" = $vbase ] &&
		    [ \"\$(sqlite3 'file:$R/var/lib/seuil/$copy?mode=ro' 'PRAGMA integrity_check')\" = ok ] &&
		    [ \"\$(stat -c %a '$R/var/lib/seuil/$copy')\" = 600 ]"
	else
		diag "the base package has the newest schema already (v$vnew): nothing to migrate; the migration is checked below over older stores"
		check "no migration, no copy (schema v$vnew in both)" test -z "$copy"
	fi
	check "nothing lost: members, badges, groups, schedules, accounts, visits, grants" \
	    test "$(store_counts)" = "$(cat "$R$UPG/counts.before")"
	check "the UID key is the same" cmp -s "$R$UPG/uid.key" "$R/etc/seuil/uid.key"
	check "the configuration is the admin's, untouched" cmp -s "$R$UPG/seuild.conf" "$R$CONF"
	check "the upgrade's seuilctl init made the credentials key file, 0600 seuil:seuil" credkey_ok
	check "the store is still seuil's" sh -c "! find '$R/var/lib/seuil' -not -user \$(chroot '$R' id -u seuil) | grep -q ."
	check "seuild is back" unit_active seuild
	check "seuild runs the new program" exe_current seuild.service
	check "the new seuild read the credentials key file (no warning in its log)" sh -c \
	    "! grep -q 'credentials key file' '$R/var/log/seuil-test/seuild.service.log'"
	check "the backup timer is back" unit_active seuil-backup.timer
	check "the console (enabled) is up after the upgrade" unit_active seuil-web
	check "the console runs the new program" exe_current seuil-web.service
	check "the console answers, with its certificate" wait_until 10 curl -sf -o /dev/null \
	    --cacert "$R/etc/seuil/web.crt" --resolve "$WEB_HOST:8443:127.0.0.1" "$WEB_URL/"
	n=$(relay_lines)
	tap front-in 04A1B2C3
	check "alice's badge still opens the door" wait_until 10 relay_lines_gt "$n"
	check "a nightly backup after the upgrade" unit start seuil-backup.service
}

# The package's migration over a store of every older schema: the store of
# tests/fixtures/schema/vN.db put in place with seuild stopped, then the
# package installed again (its maintainer scripts as in an upgrade).
journey_migrate_fixtures() {	# NEW.deb
	local new=$1 f v latest copy
	latest=$(rsql 'PRAGMA user_version')
	for f in "$PKGTOP"/tests/fixtures/schema/v*.db; do
		v=${f##*/v}; v=${v%.db}
		[ "$v" -lt "$latest" ] || continue
		unit stop seuild >/dev/null
		rm -f "$R"/var/lib/seuil/seuil.db*
		install -m 0640 "$f" "$R/var/lib/seuil/seuil.db"
		install -m 0600 "${f%.db}.key" "$R/etc/seuil/uid.key"
		chroot "$R" chown seuil:seuil /var/lib/seuil/seuil.db /etc/seuil/uid.key
		: >"$R/run/seuil-test/policy.log"
		check_out "schema v$v: apt-get install --reinstall ${new##*/}" "$R/run/seuil-test/reinstall.log" \
		    apt_get install --reinstall "$new"
			check "schema v$v: migrated to v$latest by the postinst" test "$(rsql 'PRAGMA user_version')" = "$latest"
		copy=$(pre_migration_copy "$latest")
		check "schema v$v: the copy before the migration is kept ($copy)" sh -c "
		    [ -n '$copy' ] && [ \"\$(sqlite3 'file:$R/var/lib/seuil/$copy?mode=ro' 'PRAGMA user_version')\" = $v ]"
		check "schema v$v: alice and her badge are kept" sh -c \
		    "chroot '$R' seuilctl member show alice | grep -q 'hint B2C3  active'"
		check "schema v$v: seuild is back" unit_active seuild
	done
}
