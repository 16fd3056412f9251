# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# The package installed with apt, as docs/install.md §4 says, and what it
# leaves on the system before any configuration.

# install_package DEB: apt installs it with its dependencies (mosquitto is
# recommended; the clients are what the docs add), then the checks of a
# fresh install.  Fails (1) when apt does.
install_package() {
	local deb=$1 u
	# What the system holds before: purge_package compares with it.
	(cd "$R" && find . -xdev \( -path ./var/cache/apt -o -path ./seuil-test \) -prune -o -print |
	    sort) >"$R/run/seuil-test/files.before"
	check_out "apt-get install ${deb##*/} mosquitto-clients" "$R/run/seuil-test/apt-install.log" \
	    apt_get install "$deb" mosquitto-clients || return 1
	check "dpkg: seuil is installed" sh -c "chroot '$R' dpkg-query -W -f='\${db:Status-Status}' seuil | grep -qx installed"
	cp "$R/run/seuil-test/apt-install.log" "$R/run/seuil-test/postinst.log"
	check "postinst says to write /etc/seuil/seuild.conf" \
	    grep -q "write /etc/seuil/seuild.conf" "$R/run/seuil-test/postinst.log"
	for u in seuild seuilctl seuil-web; do
		check "the installed $u runs (its libraries are there)" \
		    sh -c "chroot '$R' $( [ $u = seuilctl ] && echo /usr/bin || echo /usr/sbin)/$u --version | grep -q '^$u '"
	done

	# Users and groups: sysusers, each in the groups its unit and the
	# control socket need, no more.
	check "the system user seuil, no login shell" sh -c "chroot '$R' getent passwd seuil | grep -q ':/usr/sbin/nologin$'"
	check "the system user seuil-web, no login shell" sh -c "chroot '$R' getent passwd seuil-web | grep -q ':/usr/sbin/nologin$'"
	for g in seuil seuil-admin gpio dialout i2c spi; do
		check "the group $g exists" sh -c "chroot '$R' getent group $g >/dev/null"
	done
	check "seuil-web is in seuil (read the store) and seuil-admin (changes through seuild)" \
	    sh -c "chroot '$R' id -Gn seuil-web | tr ' ' '\n' | sort | paste -sd' ' - | grep -qx 'seuil seuil-admin seuil-web'"
	check "seuil (the daemon) is in none of seuil-web's or the admins' groups" \
	    sh -c "chroot '$R' id -Gn seuil | tr ' ' '\n' | grep -Eqvx 'seuil-admin|seuil-web'"

	# Folders: tmpfiles.
	check "/etc/seuil is 0750 root:seuil" test "$(mode_owner /etc/seuil)" = "750 root:seuil"
	check "/var/lib/seuil is 0750 seuil:seuil" test "$(mode_owner /var/lib/seuil)" = "750 seuil:seuil"
	check "/var/backups/seuil is 0750 seuil:seuil" test "$(mode_owner /var/backups/seuil)" = "750 seuil:seuil"
	check "no configuration, no key, no database yet" sh -c \
	    "[ ! -e '$R/etc/seuil/seuild.conf' ] && [ ! -e '$R/etc/seuil/uid.key' ] && [ -z \"\$(ls -A '$R/var/lib/seuil')\" ]"

	# Files: from the install prefix, the docs, nothing under /usr/local.
	check "nothing installed under /usr/local" sh -c "! chroot '$R' dpkg -L seuil | grep -q '^/usr/local'"
	check "the console's page in /usr/share/seuil/web" test -f "$R/usr/share/seuil/web/index.html"
	check "the lobby page in /usr/share/seuil/lobby" test -f "$R/usr/share/seuil/lobby/index.html"
	check "the docs in /usr/share/doc/seuil (install.md, web.md, lobby.md)" sh -c \
	    "for f in install.md web.md lobby.md mqtt.md security.md; do [ -f '$R/usr/share/doc/seuil/'\$f ] || [ -f '$R/usr/share/doc/seuil/'\$f.gz ] || exit 1; done"
	check "the licence: /usr/share/doc/seuil/copyright names GPL-3.0-or-later" \
	    grep -q '^License: GPL-3+' "$R/usr/share/doc/seuil/copyright"
	check "every installed path docs/install.md names is there" install_md_paths_ok

	# Units: enabled or not as the package says, nothing started by apt.
	check "seuild.service is enabled" test "$(inroot systemctl is-enabled seuild.service)" = enabled
	check "seuil-web.service is not enabled" test "$(inroot systemctl is-enabled seuil-web.service)" = disabled
	check "seuil-backup.timer is not enabled" test "$(inroot systemctl is-enabled seuil-backup.timer)" = disabled
	check "the postinst starts seuild" grep -q '^seuil.postinst: systemctl .*start seuild.service' "$R/run/seuil-test/systemctl.log"
	check "seuild waits for its configuration (start condition failed)" sh -c \
	    "! chroot '$R' systemctl --quiet is-active seuild && grep -q 'seuild.service: start condition failed' '$R/var/log/seuil-test/unitrun.log'"
	for u in seuild.service seuil-web.service seuil-backup.service; do
		inroot /seuil-test/unitrun show-unapplied "$u" >"$R/run/seuil-test/unapplied.$u"
		check "unitrun knows every setting of $u" sh -c "! grep -q '^unknown' '$R/run/seuil-test/unapplied.$u'"
		grep '^unknown' "$R/run/seuil-test/unapplied.$u" | sed 's/^/#   /'
	done
	return 0
}

# The /usr paths the installed install.md names (in backquotes) exist.
install_md_paths_ok() {
	local p ok=0
	for p in $(grep -o '`/usr/[^` ]*`' "$R/usr/share/doc/seuil/install.md" | tr -d '`' | sort -u); do
		[ -e "$R$p" ] || { diag "install.md names $p: not installed"; ok=1; }
	done
	return $ok
}
