#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl backup and restore: snapshots while seuild runs and taps flow,
# --with-key, the nightly rotation, the last backup in status, and restores
# refused while seuild runs or from a bad file.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >/dev/null
ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
start_seuild || { not_ok "seuild starts"; exit 1; }

names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; }	# names DIR: ls
sound() {	# sound FILE [MODE]: integrity ok, mode MODE (600), alice in it
	[ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ] &&
	[ "$(stat -c %a "$1")" = "${2:-600}" ] &&
	[ "$(sqlite3 "$1" "select name from members where name='alice'")" = alice ]
}

# Taps flow while snapshots are taken.
taps() { for i in $(seq 1 40); do tap front-in 04A1B2C3; sleep 0.05; done; }
spawn taps
TAPPER=$SPAWN_PID
ok_all=true
for i in 1 2 3 4 5; do
	ctl backup "$T/snap$i.db" >/dev/null 2>>"$T/err" && sound "$T/snap$i.db" || ok_all=false
	sleep 0.1
done
wait "$TAPPER"
check "five snapshots while seuild runs and taps flow, each sound and 0600" $ok_all
check "taps went on meanwhile" wait_until 5 count_is access_granted -ge 20
check "a snapshot is one file (no -wal beside it)" test ! -e "$T/snap5.db-wal"
check "a later snapshot holds more events" test \
    "$(sqlite3 "$T/snap5.db" 'select count(*) from events')" -ge "$(sqlite3 "$T/snap1.db" 'select count(*) from events')"
check "a copy of one's own is not the nightly backup status reports" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' status | grep -q '^last backup: .*snap5'"

check "an existing file is never overwritten" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' backup '$T/snap1.db' 2>/dev/null"
ln -s "$T/elsewhere.db" "$T/link.db"
check "a symlink is never followed" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' backup '$T/link.db' 2>/dev/null && [ ! -e '$T/elsewhere.db' ]"

ctl backup --with-key "$T/kit" >/dev/null
kdb=$(ls "$T"/kit/seuil-*.db 2>/dev/null | head -n 1)
check "--with-key writes the database and the key" test -n "$kdb" -a -f "$T/kit/uid.key"
check "both 0600, folder 0700" sh -c "[ \"\$(stat -c %a '$kdb')\" = 600 ] && [ \"\$(stat -c %a '$T/kit/uid.key')\" = 600 ] && [ \"\$(stat -c %a '$T/kit')\" = 700 ]"
check "the key is the key" cmp -s "$T/uid.key" "$T/kit/uid.key"
check "and the credentials key file, 0600" sh -c "cmp -s '$T/credentials.key' '$T/kit/credentials.key' && [ \"\$(stat -c %a '$T/kit/credentials.key')\" = 600 ]"

# The nightly snapshot while seuild runs: seuild takes it (the nightly
# unit's seuilctl asks it), records it for status, with an admin_change.
mkdir -p "$T/live-nightly"
printf '\n[backup]\ndir = %s\nkeep = 2\n' "$T/live-nightly" >>"$T/seuild.conf"
reloads() { grep -c "configuration reloaded" "$T/seuild.log"; }
reloaded_past() { [ "$(reloads)" -gt "$1" ]; }
reload_seuild() {
	local n; n=$(reloads)
	kill -HUP "$SEUILD_PID"
	wait_until 10 reloaded_past "$n"
}
reload_seuild
check "backup --nightly while seuild runs: seuild takes it" sh -c "'$SEUILCTL' -f '$T/seuild.conf' backup --nightly | grep -q 'seuild took it'"
check "a sound snapshot, and the key beside it once" sh -c "ls '$T'/live-nightly/seuil-*.db >/dev/null && cmp -s '$T/uid.key' '$T/live-nightly/uid.key'"
# The console lists and serves the snapshots (group seuil), never the key.
check "seuild's snapshot is 0640, the key beside it 0600" sound "$(ls "$T"/live-nightly/seuil-2*.db | tail -n 1)" 640
check "the key beside it stays 0600" test "$(stat -c %a "$T/live-nightly/uid.key")" = 600
check "seuild's snapshot keeps the credentials key file beside it too" cmp -s "$T/credentials.key" "$T/live-nightly/credentials.key"
check "status shows the last backup" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status | grep -q '^last backup: .*, ok ($T/live-nightly/seuil-'"
check "status --json has last_backup" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status --json | grep -q '\"last_backup\":{\"ts\"'"
check "with its admin_change event naming the user" sh -c "sqlite3 '$T/seuil.db' \"select actor from events where type='admin_change' and detail like 'backup %'\" | grep -q '^uid:'"
sed -i "s|^dir = $T/live-nightly\$|dir = $T/nowhere|" "$T/seuild.conf"
reload_seuild
ctl backup --nightly >/dev/null 2>&1
check "a failed one exits 74" test $? -eq 74
check "and is recorded for status" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status | grep -q '^last backup: .*failed'"
sed -i '/^\[backup\]$/,$d' "$T/seuild.conf"
reload_seuild

check "restore is refused while seuild runs" sh -c "'$SEUILCTL' -f '$T/seuild.conf' restore '$T/snap1.db' 2>'$T/err'; [ \$? = 75 ] && grep -q 'seuild is running' '$T/err'"
stop_seuild

# Nightly: nothing without [backup] dir, then keep N.
check "--nightly without [backup] dir is a config error" sh -c "'$SEUILCTL' -f '$T/seuild.conf' backup --nightly 2>/dev/null; [ \$? = 78 ]"
mkdir -p "$T/nightly"
printf '\n[backup]\ndir = %s\nkeep = 3\n' "$T/nightly" >>"$T/seuild.conf"
for d in 20250101-030000 20250102-030000 20250103-030000 20250104-030000; do
	cp "$T/snap1.db" "$T/nightly/seuil-$d.db"
done
touch "$T/nightly/notes.txt" "$T/nightly/seuil-old.db"
ctl backup --nightly >/dev/null
check "rotation keeps 3 snapshots" test "$(names "$T/nightly" | grep -cE '^seuil-[0-9]{8}-[0-9]{6}\.db$')" = 3
check "the newest is today's and sound, 0640 (the console reads it)" sound "$(ls "$T"/nightly/seuil-2*.db | tail -n 1)" 640
check "the oldest went first" test ! -e "$T/nightly/seuil-20250102-030000.db" -a -e "$T/nightly/seuil-20250104-030000.db"
check "other files are left alone" test -e "$T/nightly/notes.txt" -a -e "$T/nightly/seuil-old.db"
check "the key is saved beside them once" cmp -s "$T/uid.key" "$T/nightly/uid.key"
check "the key beside them is 0600" test "$(stat -c %a "$T/nightly/uid.key")" = 600
check "and the credentials key file" cmp -s "$T/credentials.key" "$T/nightly/credentials.key"

# Restore: a corrupt file and a foreign database are refused, nothing changed.
before=$(sqlite3 "$T/seuil.db" 'select count(*) from events')
cp "$T/snap3.db" "$T/corrupt.db"
printf 'garbage garbage garbage' | dd of="$T/corrupt.db" bs=1 seek=8192 conv=notrunc 2>/dev/null
dd if=/dev/urandom of="$T/corrupt.db" bs=1024 seek=4 count=8 conv=notrunc 2>/dev/null
check "restore of a corrupt file is refused" sh -c "'$SEUILCTL' -f '$T/seuild.conf' restore '$T/corrupt.db' 2>'$T/err'; [ \$? = 65 ] && grep -q refused '$T/err'"
sqlite3 "$T/other.db" 'create table t(x); PRAGMA user_version = 1'
check "restore of a database that is not seuil's is refused" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' restore '$T/other.db' 2>/dev/null"
sqlite3 "$T/future.db" '' && cp "$T/snap1.db" "$T/future.db" && sqlite3 "$T/future.db" 'PRAGMA user_version = 99'
check "restore of a newer schema is refused" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' restore '$T/future.db' 2>/dev/null"
check "nothing changed" test "$(sqlite3 "$T/seuil.db" 'select count(*) from events')" = "$before"

# A good restore: back to snap1; the database replaced is kept.
ctl member add bob >/dev/null
ctl restore "$T/snap1.db" >/dev/null
check "restore brings the snapshot back" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' member show bob >/dev/null 2>&1 && '$SEUILCTL' -f '$T/seuild.conf' member show alice >/dev/null"
kept=$(names "$T" | grep -E '^seuil\.db\.pre-restore-[0-9]{8}-[0-9]{6}$' | head -n 1)
check "the database replaced is kept beside it" sh -c "[ -n '$kept' ] && [ \"\$(sqlite3 '$T/$kept' \"select count(*) from members where name='bob'\")\" = 1 ]"
check "the database keeps its mode" test "$(stat -c %a "$T/seuil.db")" = 640
start_seuild && tap front-in 04A1B2C3
check "seuild grants from the restored database" wait_until 5 sh -c "[ \"\$(sqlite3 '$T/seuil.db' \"select count(*) from events where type='access_granted'\")\" -gt \"\$(sqlite3 '$T/snap1.db' \"select count(*) from events where type='access_granted'\")\" ]"
stop_seuild

# A crafted backup: the schema of its version plus triggers of its own, as
# someone with the USB stick could write.  "adopt" makes an unknown card
# alice's badge on its second tap (it copies the uid_mac that seuild logs
# for unknown badges); "keep" undoes a revocation.  Refused at restore,
# naming the trigger, nothing changed.
cp "$T/snap1.db" "$T/crafted.db"
sqlite3 "$T/crafted.db" "CREATE TRIGGER adopt AFTER INSERT ON events
	WHEN new.type = 'access_denied' AND new.uid_mac IS NOT NULL BEGIN
	INSERT OR IGNORE INTO badges (member_id, uid_mac, status)
	SELECT id, new.uid_mac, 'active' FROM members WHERE name = 'alice'; END;
	CREATE TRIGGER keep AFTER UPDATE OF status ON badges BEGIN
	UPDATE badges SET status = 'active' WHERE id = new.id; END;"
before=$(sqlite3 "$T/seuil.db" 'select count(*) from events')
check "restore of a backup with triggers of its own is refused, naming one" sh -c "'$SEUILCTL' -f '$T/seuild.conf' restore '$T/crafted.db' 2>'$T/err'; [ \$? = 65 ] && grep -q \"unexpected trigger 'adopt' on 'events'\" '$T/err'"
cp "$T/snap1.db" "$T/view.db"
sqlite3 "$T/view.db" "CREATE VIEW who_has AS SELECT * FROM badges"
check "and one with a view of its own" sh -c "'$SEUILCTL' -f '$T/seuild.conf' restore '$T/view.db' 2>'$T/err'; [ \$? = 65 ] && grep -q \"unexpected view 'who_has'\" '$T/err'"
check "nothing changed by either" test "$(sqlite3 "$T/seuil.db" 'select count(*) from events')" = "$before" -a \
    -z "$(sqlite3 "$T/seuil.db" "select name from sqlite_schema where name in ('adopt','keep','who_has')")"

# The same file put in place without seuilctl (an older seuil restored it):
# neither seuild nor seuilctl opens it, and no tap is decided from it.
cp "$T/seuil.db" "$T/good.db"
cp "$T/crafted.db" "$T/seuil.db"
rm -f "$T/seuil.db-wal" "$T/seuil.db-shm"
timeout 20 "$SEUILD" -d -f "$T/seuild.conf" >"$T/crafted.log" 2>&1
rc=$?
check "seuild refuses to start on it, saying why" sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q \"refused: unexpected trigger 'adopt'\" '$T/crafted.log'"
check "seuilctl refuses it too" sh -c "! '$SEUILCTL' -f '$T/seuild.conf' member list >/dev/null 2>'$T/err' && grep -q 'unexpected trigger' '$T/err'"
sleep 1	# the database replaced is kept under a name to the second
check "a good backup restores over it" sh -c "'$SEUILCTL' -f '$T/seuild.conf' restore '$T/good.db' >/dev/null && '$SEUILCTL' -f '$T/seuild.conf' member show alice >/dev/null"
