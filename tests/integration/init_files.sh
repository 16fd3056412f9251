#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuilctl init, run as root, hands the key and the database files to the
# seuil user by what it opened, never by path: a symlink or hard link that
# user plants at <db>-wal or <db>-shm (to a file of root's) is refused and
# the file it points to keeps its owner, mode and bytes.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "skip init file ownership: needs root"
	exit 0
fi
# init hands files over only when a system user seuil exists.
if ! getent passwd seuil >/dev/null; then
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin seuil 2>/dev/null ||
		{ echo "skip init file ownership: cannot create user seuil"; exit 0; }
fi
write_config </dev/null
seuil_uid=$(id -u seuil)

# A clean init: key and database go to seuil, the key stays 0600.
check "init as root" sh -c "'$SEUILCTL' -f '$T/seuild.conf' init >'$T/out' 2>&1"
check "key given to seuil" test "$(stat -c %u "$T/uid.key")" = "$seuil_uid"
check "key stays 0600" test "$(stat -c %a "$T/uid.key")" = 600
check "credentials key given to seuil, 0600" test "$(stat -c %u:%a "$T/credentials.key")" = "$seuil_uid:600"
check "database given to seuil" test "$(stat -c %u "$T/seuil.db")" = "$seuil_uid"

# The seuil user plants <db>-wal -> a file of root's, then root runs init.
for kind in wal shm; do
	victim=$T/victim-$kind
	printf 'root secret\n' >"$victim"
	chmod 0600 "$victim"
	rm -f "$T/seuil.db-wal" "$T/seuil.db-shm"
	ln -s "$victim" "$T/seuil.db-$kind"
	"$SEUILCTL" -f "$T/seuild.conf" init >"$T/out" 2>&1
	rc=$?
	check "symlinked -$kind: init refuses (exit $rc)" test "$rc" -eq 77
	check "symlinked -$kind: says why" grep -q "symlink" "$T/out"
	check "symlinked -$kind: victim still root's" test "$(stat -c %u:%g "$victim")" = 0:0
	check "symlinked -$kind: victim mode unchanged" test "$(stat -c %a "$victim")" = 600
	check "symlinked -$kind: victim bytes unchanged" test "$(cat "$victim")" = "root secret"
	rm -f "$T/seuil.db-$kind"
done

# A hard link to a file of root's (same file system) is refused too.
victim=$T/victim-link
printf 'root secret\n' >"$victim"
chmod 0600 "$victim"
rm -f "$T/seuil.db-wal" "$T/seuil.db-shm"
if ln "$victim" "$T/seuil.db-shm" 2>/dev/null; then
	"$SEUILCTL" -f "$T/seuild.conf" init >"$T/out" 2>&1
	check "hard-linked -shm: init refuses" test $? -eq 77
	check "hard-linked -shm: victim still root's" test "$(stat -c %u:%g "$victim")" = 0:0
	rm -f "$T/seuil.db-shm"
fi
check "init works again once the links are gone" \
	sh -c "'$SEUILCTL' -f '$T/seuild.conf' init >'$T/out' 2>&1"
