# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/site.md, as installed: the Pi becomes a site's primary (its signing
# key made by `seuilctl site init`, 0600 seuil's), seuild runs as the
# primary under its unit, `seuilctl site join hall` writes the node's
# bundle (0600 root's, with the DESFire keys), and a replica's
# configuration installs it (the UID key and the DESFire keys 0600 seuil's
# and the same bytes as the primary's, the site's public key 0640
# root:seuil, the bundle deleted, the store a replica's).  The
# replica lives in /etc/seuil-hall and /var/lib/seuil-hall of this root
# and is removed at the end, so that purge finds only what the package
# made.

HALL=/etc/seuil-hall

journey_site() {
	conf_set site node main
	conf_set site role primary
	check_out "seuilctl site init" "$R/run/seuil-test/site-init.log" inroot seuilctl site init ||
	    return 1
	check "the site's signing key: 0600 seuil:seuil" test "$(mode_owner /etc/seuil/site.key)" = "600 seuil:seuil"
	check_out "systemctl restart seuild (a site's primary)" "$R/run/seuil-test/restart-site.log" \
	    unit restart seuild || { tail -n 20 "$R/var/log/seuil-test/seuild.service.log" | sed 's/^/#   /'; return 1; }
	check "seuilctl status: the primary of the site" wait_until 10 sh -c \
	    "chroot '$R' seuilctl status --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"site\"]; sys.exit(not (s[\"role\"] == \"primary\" and s[\"node\"] == \"main\"))'"
	check_out "seuilctl site join hall" "$R/run/seuil-test/site-join.log" \
	    inroot sh -c 'cd /root && seuilctl site join hall' || return 1
	check "the bundle: 0600 root:root" test "$(mode_owner /root/hall.bundle)" = "600 root:root"
	check "it carries the DESFire keys, the primary's 64 bytes" sh -c \
	    "python3 -c 'import base64,json,sys; b=json.load(open(sys.argv[1])); sys.exit(base64.b64decode(b[\"credentials_key\"]) != open(sys.argv[2],\"rb\").read())' '$R/root/hall.bundle' '$R/etc/seuil/credentials.key'"

	# The replica's configuration, as docs/site.md's, its paths its own.
	inroot install -d -m 0750 -o root -g seuil "$HALL"
	inroot install -d -m 0750 -o seuil -g seuil /var/lib/seuil-hall /var/lib/seuil-hall/sim
	cat >"$R$HALL/seuild.conf" <<CONF
[site]
name = lab
node = hall
role = replica

[store]
database = /var/lib/seuil-hall/seuil.db
uid_key_file = $HALL/uid.key

[credentials]
key_file = $HALL/credentials.key

[door.hall]
gpio = sim
sim_dir = /var/lib/seuil-hall/sim

[reader.hall-in]
driver = sim
sim_fifo = /var/lib/seuil-hall/sim/in.fifo
door = hall

[mqtt]
host = localhost

[control]
socket = /run/seuil/hall.sock

[replica]
site_key_file = $HALL/site.pub
CONF
	inroot chgrp seuil "$HALL/seuild.conf"
	inroot chmod 0640 "$HALL/seuild.conf"
	check_out "seuild -n: the replica's configuration is OK" "$R/run/seuil-test/hall-n.log" \
	    sh -c "chroot '$R' seuild -n -f $HALL/seuild.conf | grep -qx 'configuration OK'"
	check_out "seuilctl site install hall.bundle" "$R/run/seuil-test/site-install.log" \
	    inroot sh -c "cd /root && seuilctl -f $HALL/seuild.conf site install hall.bundle" || return 1
	check "the bundle is gone" test ! -e "$R/root/hall.bundle"
	check "the replica's UID key: 0600 seuil:seuil" test "$(mode_owner "$HALL/uid.key")" = "600 seuil:seuil"
	check "the same UID key as the primary's" cmp -s "$R/etc/seuil/uid.key" "$R$HALL/uid.key"
	check "the replica's DESFire keys: 0600 seuil:seuil" test "$(mode_owner "$HALL/credentials.key")" = "600 seuil:seuil"
	check "the same bytes as the primary's" cmp -s "$R/etc/seuil/credentials.key" "$R$HALL/credentials.key"
	check "the site's public key: 0640" test "$(inroot stat -c %a "$HALL/site.pub")" = 640
	check "seuilctl site show: a replica of main" sh -c \
	    "chroot '$R' seuilctl -f $HALL/seuild.conf --json site show | python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(not (s[\"role\"] == \"replica\" and s[\"primary\"] == \"main\"))'"
	check "the replica's store refuses member changes, naming the primary (77)" sh -c \
	    "chroot '$R' seuilctl -f $HALL/seuild.conf member add carol 2>'$R/run/seuil-test/hall-refused.log'; [ \$? = 77 ] && grep -q main '$R/run/seuil-test/hall-refused.log'"
	inroot rm -r "$HALL" /var/lib/seuil-hall
	return 0
}
