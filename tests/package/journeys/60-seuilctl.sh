# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# seuilctl as root, the manager's tool on the Pi (seuilctl(1)): the day's
# commands against the running seuild and the installed store.

journey_seuilctl_root() {
	local out=$R/run/seuil-test/ctl.out n
	check_out "seuilctl status" "$out" inroot seuilctl status
	check "seuilctl who: alice is here" sh -c "chroot '$R' seuilctl who | grep -q alice"
	check_out "seuilctl member list" "$out" sh -c "chroot '$R' seuilctl member list | grep -q alice"
	check_out "seuilctl member show alice: her badge" "$out" sh -c "chroot '$R' seuilctl member show alice | grep -q 'hint B2C3  active'"
	check_out "seuilctl explain alice: granted at front-in" "$out" sh -c "chroot '$R' seuilctl explain alice | grep -qi granted"
	check_out "seuilctl log: her arrival" "$out" sh -c "chroot '$R' seuilctl log | grep -q arrival"
	check_out "seuilctl report attendance --csv" "$out" sh -c "chroot '$R' seuilctl report attendance --csv | grep -q alice"
	n=$(relay_lines)
	check_out "seuilctl door unlock front" "$out" inroot seuilctl door unlock front
	check "the relay moves for seuilctl's unlock" wait_until 10 relay_lines_gt "$n"
	check_out "seuilctl checkout alice" "$out" inroot seuilctl checkout alice
	check "seuilctl who: alice has left" sh -c "! chroot '$R' seuilctl who | grep -q alice"
	check_out "seuilctl purge (retention)" "$out" inroot seuilctl purge
	check "seuilctl as root left no file of the store to root" sh -c \
	    "! find '$R/var/lib/seuil' -user 0 | grep -q ."
	check "an ordinary user cannot reach the control socket" sh -c \
	    "chroot '$R' useradd -M -s /usr/sbin/nologin visitor && ! chroot '$R' setpriv --reuid=visitor --regid=visitor --clear-groups seuilctl status >/dev/null 2>&1"
}
