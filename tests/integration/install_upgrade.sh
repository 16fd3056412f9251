#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Schema upgrades: the fixture database of every released schema version
# (tests/fixtures/schema/vN.db, made by tests/fixtures/schema/make.sh) opens
# migrated to the current version with nothing lost, and whoever migrates
# (seuilctl or seuild) first leaves a copy of the old file beside it.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null
current=$(sqlite3 "$T/seuil.db" 'PRAGMA user_version')
rm -f "$T"/seuil.db*
diag "current schema version $current"
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; }	# names DIR: ls

for f in "$TOP"/tests/fixtures/schema/v*.db; do
	v=${f##*/v}; v=${v%.db}
	install -m 0600 "${f%.db}.key" "$T/uid.key"
	for who in seuilctl seuild; do
		rm -f "$T"/seuil.db*
		cp "$f" "$T/seuil.db"
		if [ "$who" = seuilctl ]; then
			ctl member list >/dev/null
		else
			start_seuild && stop_seuild
		fi
		check "v$v: $who migrates to v$current" \
		    test "$(sqlite3 "$T/seuil.db" 'PRAGMA user_version')" = "$current"
		check "v$v: alice and her badge are kept ($who)" \
		    sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show alice | grep -q 'hint B2C3  active'"
		# seuild applies retention at start: old fixtures' events may go.
		[ "$who" = seuild ] ||
		check "v$v: the grant of schema $v is kept ($who)" \
		    test "$(sqlite3 "$T/seuil.db" "select count(*) from events where type='access_granted'")" = 1
		if [ "$v" = "$current" ]; then
			check "v$v: no copy when nothing migrates ($who)" \
			    test -z "$(names "$T" | grep 'seuil\.db\.pre-v')"
			continue
		fi
		copy=$(names "$T" | grep -E "^seuil\.db\.pre-v$current-[0-9]{8}-[0-9]{6}\$" | head -n 1)
		check "v$v: $who left seuil.db.pre-v$current-YYYYMMDD-HHMMSS" test -n "$copy"
		check "v$v: the copy is schema $v, sound, mode 0600" sh -c "
		    [ \"\$(sqlite3 '$T/$copy' 'PRAGMA user_version')\" = '$v' ] &&
		    [ \"\$(sqlite3 '$T/$copy' 'PRAGMA integrity_check')\" = ok ] &&
		    [ \"\$(stat -c %a '$T/$copy')\" = 600 ] &&
		    [ \"\$(sqlite3 '$T/$copy' 'select name from members')\" = alice ]"
		rm -f "$T/$copy"
	done
	# The badge still matches with the key of its time.
	check "v$v: the badge of schema $v is still recognised" \
	    sh -c "ctl() { '$SEUILCTL' -f '$T/seuild.conf' \"\$@\"; }; ctl explain 04A1B2C3 | grep -qi alice"
done

# A migration that cannot leave its copy does not run: here the copy
# (80 KiB) is over the file size limit (76 KiB, RLIMIT_FSIZE, which binds
# root too; the migration itself writes less).
install -m 0600 "$TOP/tests/fixtures/schema/v1.key" "$T/uid.key"
rm -f "$T"/seuil.db*
cp "$TOP/tests/fixtures/schema/v1.db" "$T/seuil.db"
check "no copy, no migration" sh -c "trap '' XFSZ; ulimit -f 76;
    ! '$SEUILCTL' -f '$T/seuild.conf' member list >/dev/null 2>'$T/err'"
check "it says why" grep -q 'no backup before migrating, so no migration' "$T/err"
check "the database stays at schema 1" test "$(sqlite3 "$T/seuil.db" 'PRAGMA user_version')" = 1
check "no partial copy is left" test -z "$(names "$T" | grep 'seuil\.db\.pre-v')"
