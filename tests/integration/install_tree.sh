#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The installed tree is the package: `make install` with debian/rules'
# INSTALL_FLAGS gives exactly debian/seuil.files; its units pass
# systemd-analyze verify; the maintainer scripts do their work against a
# throwaway root (DPKG_ROOT); the installed seuild accepts the example.
. "$(dirname "$0")/../lib.sh"

# The package is built without sanitizers: once, in the plain build's pass.
if ldd "$BUILD/seuild" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip the installed tree (checked once, in the plain build's pass)"
	exit 0
fi
R=$T/root
flags=$(sed -n 's/^INSTALL_FLAGS = //p' "$TOP/debian/rules")
check "debian/rules names its install flags" test -n "$flags"
# The package's PREFIX relinks seuil-web: in a copy of the build, so that
# the tests running beside this one never see their programs relinked.
mkdir "$T/build"
cp -a "$BUILD"/obj "$BUILD"/man "$BUILD"/*.a "$BUILD"/seuild "$BUILD"/seuilctl \
    "$BUILD"/seuil-web "$T/build/"
[ ! -e "$BUILD/prefix" ] || cp -a "$BUILD/prefix" "$T/build/"
# $flags: make variable assignments, split into words on purpose.
# shellcheck disable=SC2086
if ! make -s -C "$TOP" install BUILD="$T/build" DESTDIR="$R" $flags >"$T/make.log" 2>&1; then
	not_ok "make install"; sed 's/^/#   /' "$T/make.log"; exit 1
fi
ok "make install DESTDIR=... $flags"
if [ -d "$TOP/lobby/dist" ]; then
	check "the installed tree is debian/seuil.files" sh -c "'$TOP/debian/check-files.sh' '$R' 2>'$T/files.diff'"
else
	diag "lobby/dist not built (make lobby): lobby files left out of the comparison"
	grep -v '^/usr/share/seuil/lobby/' "$TOP/debian/seuil.files" >"$T/want"
	check "the installed tree is debian/seuil.files (less the lobby)" sh -c \
	    "cd '$R' && find . \\( -type f -o -type l \\) -print | sed 's|^\\./|/|' | sort | diff -u '$T/want' -"
fi
[ ! -s "$T/files.diff" ] || sed 's/^/#   /' "$T/files.diff"
check "no /etc/seuil/seuild.conf in the package (seuild waits for the admin's)" test ! -e "$R/etc/seuil/seuild.conf"
check "changelog and Makefile give one version" test \
    "$(sed -n '1s/^seuil (\([^)-]*\).*/\1/p' "$TOP/debian/changelog")" = "$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")"

# Units: verified with their programs where they are installed here.
mkdir -p "$T/units"
for u in "$R"/lib/systemd/system/*; do
	sed "s|/usr/sbin/|$R/usr/sbin/|g; s|/usr/bin/|$R/usr/bin/|g" "$u" >"$T/units/${u##*/}"
done
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify: every unit" sh -c "systemd-analyze verify --man=no '$T'/units/* >'$T/verify.log' 2>&1 && [ ! -s '$T/verify.log' ]"
	[ ! -s "$T/verify.log" ] || sed 's/^/#   /' "$T/verify.log"
else
	echo "skip systemd-analyze verify: systemd-analyze is not installed (scripts/deps.sh installs systemd)"
fi
check "seuild.service waits for its configuration" grep -qx 'ConditionPathExists=/etc/seuil/seuild.conf' "$R/lib/systemd/system/seuild.service"
check "the nightly backup runs seuilctl backup --nightly" grep -qx "ExecStart=/usr/bin/seuilctl backup --nightly" "$R/lib/systemd/system/seuil-backup.service"
check "the installed seuil-web looks for its page where the package puts it" \
    grep -aq '/usr/share/seuil/web' "$R/usr/sbin/seuil-web"
check "no doc or example names a /usr/local path" sh -c \
    "! grep -rn '/usr/local' '$R/usr/share/doc/seuil' '$R/lib/systemd/system' '$R/usr/lib/sysusers.d' '$R/usr/lib/tmpfiles.d'"
check "the installed seuild accepts the example configuration" \
    sh -c "'$R/usr/sbin/seuild' -n -f '$R/usr/share/doc/seuil/examples/seuild.conf.example' | grep -qx 'configuration OK'"

# Maintainer scripts against the throwaway root.
mkdir -p "$R/etc"
postinst() { DPKG_ROOT=$R sh "$TOP/debian/seuil.postinst" "$@"; }
postrm() { DPKG_ROOT=$R sh "$TOP/debian/seuil.postrm" "$@"; }
check "postinst configure, no configuration yet" sh -c "DPKG_ROOT='$R' sh '$TOP/debian/seuil.postinst' configure >'$T/p1.log' 2>&1"
check "it makes the user seuil and the device groups" sh -c \
    "grep -q '^seuil:' '$R/etc/passwd' && for g in seuil gpio dialout i2c spi; do grep -q \"^\$g:\" '$R/etc/group' || exit 1; done"
check "it makes /etc/seuil and /var/lib/seuil, 0750 for the group seuil" sh -c \
    "[ \"\$(stat -c '%a %G' '$R/etc/seuil')\" = '750 seuil' ] || [ \"\$(stat -c '%a' '$R/etc/seuil')\" = 750 ]; [ \"\$(stat -c %a '$R/var/lib/seuil')\" = 750 ]"
check "it says to write the configuration, and creates no key" sh -c "grep -q 'write /etc/seuil/seuild.conf' '$T/p1.log' && [ ! -e '$R/etc/seuil/uid.key' ]"

sed -e "s|^database = .*|database = $R/var/lib/seuil/seuil.db|" \
    -e "s|^uid_key_file = .*|uid_key_file = $R/etc/seuil/uid.key|" \
    -e "s|^key_file = /etc/seuil/credentials.key|key_file = $R/etc/seuil/credentials.key|" \
    -e "s|^socket = .*|socket = $R/run/seuil/control.sock|" \
    "$R/usr/share/doc/seuil/examples/seuild.conf.example" >"$R/etc/seuil/seuild.conf"
check "postinst configure, once the configuration exists" postinst configure
check "it creates the keys (0600) and the database" sh -c "[ \"\$(stat -c %a '$R/etc/seuil/uid.key')\" = 600 ] && [ \"\$(stat -c %a '$R/etc/seuil/credentials.key')\" = 600 ] && [ -s '$R/var/lib/seuil/seuil.db' ]"
cp "$R/etc/seuil/uid.key" "$T/key.before"
"$R/usr/bin/seuilctl" -f "$R/etc/seuil/seuild.conf" member add alice >/dev/null
check "postinst configure again (an upgrade) keeps key and data" sh -c "
    DPKG_ROOT='$R' sh '$TOP/debian/seuil.postinst' configure 0.1.0 >/dev/null 2>&1 &&
    cmp -s '$T/key.before' '$R/etc/seuil/uid.key' &&
    '$R/usr/bin/seuilctl' -f '$R/etc/seuil/seuild.conf' member show alice >/dev/null"
# An upgrade from a schema 1 database: migrated, the old file copied first.
install -m 0600 "$TOP/tests/fixtures/schema/v1.key" "$R/etc/seuil/uid.key"
rm -f "$R"/var/lib/seuil/seuil.db*
cp "$TOP/tests/fixtures/schema/v1.db" "$R/var/lib/seuil/seuil.db"
check "postinst on an upgrade from schema 1 migrates, after a copy" sh -c "
    DPKG_ROOT='$R' sh '$TOP/debian/seuil.postinst' configure 0.0.9 >/dev/null 2>&1 &&
    [ \"\$(sqlite3 '$R/var/lib/seuil/seuil.db' 'PRAGMA user_version')\" -gt 1 ] &&
    ls '$R/var/lib/seuil' | grep -q '^seuil\.db\.pre-v'"

check "postrm remove keeps the data" sh -c "DPKG_ROOT='$R' sh '$TOP/debian/seuil.postrm' remove && [ -e '$R/var/lib/seuil/seuil.db' ] && [ -e '$R/etc/seuil/uid.key' ]"
# What `seuilctl web cert` and the broker login leave in /etc/seuil, and
# one nightly snapshot with its key.
touch "$R/etc/seuil/web.key" "$R/etc/seuil/web.crt" "$R/etc/seuil/mqtt.pw"
cp "$R/var/lib/seuil/seuil.db" "$R/var/backups/seuil/seuil-20261129-033012.db"
cp "$R/etc/seuil/uid.key" "$R/var/backups/seuil/uid.key"
check "postrm purge removes the database, its copies, the keys and the broker password" sh -c "
    DPKG_ROOT='$R' sh '$TOP/debian/seuil.postrm' purge >'$T/purge.log' && [ ! -e '$R/var/lib/seuil' ] && [ ! -e '$R/etc/seuil' ]"
check "purge leaves the nightly snapshots alone" test -f "$R/var/backups/seuil/seuil-20261129-033012.db"
check "and says so, with their path and the key among them" \
    grep -q '^seuil: left on purpose: the nightly backups in /var/backups/seuil (1 snapshot and a copy of the UID key' "$T/purge.log"
