# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §11: a backup by hand with `seuilctl backup` (the
# database alone, and with the key on a "USB stick"), and the nightly one
# by its unit's ExecStart, as the user seuil under its unit's protections.

BACKUP_HAND=/root/seuil-by-hand.db
BACKUP_USB=/media/usb/seuil-first

# A snapshot is a sound SQLite file of the current schema, with alice.
snapshot_ok() {	# PATH (in the root)
	local f=$R$1
	[ "$(sqlite3 "file:$f?mode=ro" 'PRAGMA integrity_check')" = ok ] &&
	    [ "$(sqlite3 "file:$f?mode=ro" "select count(*) from members where name = 'alice'")" = 1 ]
}

# The reloads seuild has logged, to wait for the next one.
reloads_logged() { count_lines 'configuration reloaded' "$R/var/log/seuil-test/seuild.service.log"; }
reloads_logged_gt() { [ "$(reloads_logged)" -gt "$1" ]; }

journey_backup() {
	local snap reloads
	check_out "seuilctl backup $BACKUP_HAND (seuild running)" "$R/run/seuil-test/backup1.log" \
	    inroot seuilctl backup "$BACKUP_HAND"
	check "the copy is sound and holds alice" snapshot_ok "$BACKUP_HAND"
	check "the copy is not readable by others" sh -c "[ \"\$(stat -c %a '$R$BACKUP_HAND' | cut -c3)\" = 0 ]"
	inroot install -d /media/usb
	check_out "seuilctl backup --with-key $BACKUP_USB" "$R/run/seuil-test/backup2.log" \
	    inroot seuilctl backup --with-key "$BACKUP_USB"
	check "with the key, both 0600" sh -c "
	    k=\$(stat -c %a '$R$BACKUP_USB/uid.key') && d=\$(stat -c %a '$R$BACKUP_USB'/seuil-*.db) &&
	    [ \"\$k \$d\" = '600 600' ] && cmp -s '$R$BACKUP_USB/uid.key' '$R/etc/seuil/uid.key'"
	check "with the key, the credentials key file too, 0600" sh -c "
	    [ \"\$(stat -c %a '$R$BACKUP_USB/credentials.key')\" = 600 ] &&
	    cmp -s '$R$BACKUP_USB/credentials.key' '$R/etc/seuil/credentials.key'"

	# The nightly one: [backup] dir, seuild told (it takes the snapshot),
	# the timer, one run now.
	conf_set backup dir /var/backups/seuil
	reloads=$(reloads_logged)
	check_out "systemctl reload seuild" "$R/run/seuil-test/reload.log" unit reload seuild.service
	check "seuild read [backup] dir" wait_until 10 reloads_logged_gt "$reloads"
	check "seuild may write [backup] dir (no warning in its log)" sh -c \
	    "! grep -q 'backup: dir' '$R/var/log/seuil-test/seuild.service.log'"
	check_out "systemctl enable --now seuil-backup.timer" "$R/run/seuil-test/timer.log" \
	    unit enable --now seuil-backup.timer
	check_out "systemctl start seuil-backup.service (its ExecStart, as seuil)" "$R/run/seuil-test/nightly.log" \
	    unit start seuil-backup.service ||
	    tail -n 10 "$R/var/log/seuil-test/seuil-backup.service.log" | sed 's/^/#   /'
	snap=$(cd "$R/var/backups/seuil" 2>/dev/null && ls seuil-*.db 2>/dev/null | tail -n 1)
	check "a snapshot seuil-YYYYMMDD-HHMMSS.db in /var/backups/seuil" \
	    sh -c "echo '$snap' | grep -Eqx 'seuil-[0-9]{8}-[0-9]{6}\.db'"
	[ -z "$snap" ] || check "the snapshot is sound and holds alice" snapshot_ok "/var/backups/seuil/$snap"
	# 0640 group seuil: the console's user (in the group) lists and
	# serves the snapshots; never the keys.
	check "the snapshot is seuil's, 0640 group seuil" test "$(mode_owner "/var/backups/seuil/$snap")" = "640 seuil:seuil"
	check "the keys beside it are seuil's, 0600" sh -c "
	    [ \"\$(chroot '$R' stat -c '%a %U:%G' /var/backups/seuil/uid.key /var/backups/seuil/credentials.key | sort -u)\" = '600 seuil:seuil' ]"
	check "the credentials key beside the snapshot is the site's" \
	    cmp -s "$R/var/backups/seuil/credentials.key" "$R/etc/seuil/credentials.key"
	check "seuilctl status: last backup ok" sh -c \
	    "chroot '$R' seuilctl status --json | python3 -c 'import json,sys; v = json.load(sys.stdin); b = v.get(\"last_backup\") or v.get(\"store\", {}).get(\"last_backup\"); sys.exit(not (b and b[\"result\"] == \"ok\"))'"
}
