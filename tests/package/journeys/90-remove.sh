# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §12: remove (every unit stopped, the data kept), then
# purge (what seuil made is gone, secrets included; what it leaves on
# purpose, it says, with the path), and the list of what is left.

# The secrets and stores of this install, kept to look for them after the
# purge: the UID key, the DESFire credentials key, the console's TLS key,
# seuild's broker password.
SECRETS=/run/seuil-test/secrets

journey_remove() {
	local p
	mkdir -p "$R$SECRETS"
	for p in /etc/seuil/uid.key /etc/seuil/credentials.key /etc/seuil/web.key /etc/seuil/mqtt.pw; do
		[ -f "$R$p" ] || continue
		cp "$R$p" "$R$SECRETS/${p##*/}"
		# A text secret is also found inside another file by its
		# longest line (a PEM key's body, the password).
		if grep -qI . "$R$p"; then
			awk '{ if (length($0) > length(l)) l = $0 } END { print l }' "$R$p" >"$R$SECRETS/${p##*/}.needle"
		fi
	done
	check "before: seuild, seuil-web and the backup timer run" sh -c \
	    "for u in seuild seuil-web seuil-backup.timer; do chroot '$R' systemctl --quiet is-active \$u || exit 1; done"
	check_out "apt-get remove seuil" "$R/run/seuil-test/remove.log" apt_get remove seuil
	for u in seuild.service seuil-web.service seuil-backup.timer; do
		check "prerm stops $u" grep -q "^$u stop seuil.prerm" "$R/run/seuil-test/policy.log"
		check "$u is stopped" unit_inactive "$u"
	done
	check "no seuil program runs any more" no_seuil_procs
	seuil_procs | sed 's/^/#   still running: /'
	check "remove keeps the data: database, keys, configuration" sh -c \
	    "[ -s '$R/var/lib/seuil/seuil.db' ] && [ -s '$R/etc/seuil/uid.key' ] && [ -s '$R/etc/seuil/credentials.key' ] && [ -s '$R/etc/seuil/seuild.conf' ]"
}
no_seuil_procs() { [ -z "$(seuil_procs)" ]; }

journey_purge() {
	local out=$R/run/seuil-test/purge.log f rel what said s
	check_out "apt-get purge seuil" "$out" apt_get purge seuil
	sed -n 's/^seuil: /#   purge says: /p' "$out"
	check "purge removes the database and its copies" test ! -e "$R/var/lib/seuil"
	check "purge removes from /etc/seuil the configuration, UID key, credentials key, TLS key and certificate, broker password" sh -c \
	    "for f in seuild.conf uid.key credentials.key web.key web.crt mqtt.pw; do [ ! -e '$R/etc/seuil/'\$f ] || exit 1; done"
	# The lobby's logo (docs/lobby.md puts it there) is the admin's file:
	# left, and said.
	check "purge leaves in /etc/seuil only the admin's logo, and says so" sh -c \
	    "[ \"\$(ls -A '$R/etc/seuil')\" = logo.png ] && grep -q '^seuil: left in /etc/seuil .*logo.png' '$out'"
	check "purge says it leaves the nightly backups, with their path" \
	    grep -q '^seuil: .*/var/backups/seuil' "$out"
	check "purge says backups made by hand are not tracked" grep -qi '^seuil: .*by hand' "$out"
	if [ -e "$R/etc/mosquitto/seuil.passwd" ]; then
		check "purge says the broker's logins for seuil are left (/etc/mosquitto)" \
		    grep -q '^seuil: .*/etc/mosquitto/seuil.passwd' "$out"
	fi

	# What is new since before the install: every file but those of the
	# installed packages.  dpkg knows them by the paths the packages give
	# (/lib/..., /bin/...); on a merged /usr they are found under /usr.
	(cd "$R" && find . -xdev \( -path ./var/cache/apt -o -path ./seuil-test \) -prune -o ! -type d -print | sort) |
	    comm -13 "$R/run/seuil-test/files.before" - >"$R/run/seuil-test/files.new"
	chroot "$R" sh -c 'dpkg-query -L $(dpkg-query -W -f "\${Package} ") 2>/dev/null' |
	    sed -e 's#^/\(bin\|sbin\|lib\|lib32\|lib64\|libx32\)/#/usr/\1/#' -e 's|^|.|' | sort -u \
	    >"$R/run/seuil-test/files.dpkg"
	comm -23 "$R/run/seuil-test/files.new" "$R/run/seuil-test/files.dpkg" >"$R/run/seuil-test/files.left"

	# Every key, password or database among them is one the purge spoke
	# of (its folder is named), or one this test made by hand.
	: >"$R/run/seuil-test/secrets.left"
	while read -r rel; do
		rel=${rel#.}; f=$R$rel
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		if head -c 16 "$f" 2>/dev/null | grep -q 'SQLite format 3'; then
			echo "$rel database" >>"$R/run/seuil-test/secrets.left"; continue
		fi
		for s in "$R$SECRETS"/*; do
			[ -f "$s" ] || continue
			case $s in *.needle) continue ;; esac
			if cmp -s "$s" "$f" || { [ -s "$s.needle" ] && [ "$(stat -c %s "$f")" -lt 1048576 ] &&
			    grep -qF -f "$s.needle" "$f" 2>/dev/null; }; then
				echo "$rel ${s##*/}" >>"$R/run/seuil-test/secrets.left"
			fi
		done
	done <"$R/run/seuil-test/files.left"
	said=1
	while read -r rel what; do
		case $rel in
		"$BACKUP_HAND" | "$BACKUP_USB"/*) diag "left, made by hand: $rel ($what)"; continue ;;
		esac
		if grep -q "^seuil: .*${rel%/*}" "$out"; then
			diag "left, and said: $rel ($what)"
		else
			diag "left, NOT said: $rel ($what)"; said=0
		fi
	done <"$R/run/seuil-test/secrets.left"
	check "no key, password or database is left without the purge saying so" test "$said" = 1

	diag "left after the purge (no package's file, nor dpkg's, apt's or the users' databases):"
	grep -Ev '^\./(var/lib/(dpkg|apt|systemd|dbus|ucf)/|var/log/(apt|dpkg|alternatives|seuil-test)|var/cache/(debconf|ldconfig)/|etc/(passwd|group|shadow|gshadow|subuid|subgid|ld\.so\.cache)-?$|etc/systemd/system/|run/seuil-test/)' \
	    "$R/run/seuil-test/files.left" | sed 's/^\./#   /'
	check "the users seuil and seuil-web are kept (files elsewhere may be theirs)" sh -c \
	    "chroot '$R' getent passwd seuil >/dev/null && chroot '$R' getent passwd seuil-web >/dev/null"
}
