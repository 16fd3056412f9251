# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Helpers for make check-package's scenarios (tests/package/README.md).
# A scenario (tests/package/scenario-NAME.sh) sources this file inside the
# namespaces tests/package/run made for it, calls enter_root, then the
# journeys (tests/package/journeys/*.sh, all sourced here): each journey is
# a function that drives the installed programs in the root $R and prints
# "ok NAME" / "not ok NAME" lines.
#
# Inside the root, the installed programs run as root or as the package's
# users (inroot, as_user); the services run through the stand-in systemctl
# (unitrun), exactly as their unit files say.  Test tools that are not
# part of the system under test (python3 for JSON, curl, node with the
# lobby's MQTT.js, sqlite3 for reading the store) come from this machine
# and reach the services over the namespace's own loopback.
set -u
PKGTOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKGDIR=$PKGTOP/tests/package
export LC_ALL=C.UTF-8

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; }
skip() { echo "skip $*"; }
diag() { echo "# $*"; }
# check NAME COMMAND...: ok if the command succeeds.
check() { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }
# check_out NAME FILE COMMAND...: the same, the command's output in FILE,
# shown as diagnostics when it fails.
check_out() {
	local n=$1 f=$2; shift 2
	if "$@" >"$f" 2>&1; then ok "$n"; else not_ok "$n"; sed 's/^/#   /' "$f" | head -n 30; fi
}

# wait_until SECONDS COMMAND...: poll every 50 ms until the command succeeds.
wait_until() {
	local n=$(($1 * 20)) i=0; shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1)); [ $i -ge $n ] && return 1
		sleep 0.05
	done
}

# ---- the root --------------------------------------------------------

# Mount what a booted Debian has: /proc (of this PID namespace), a /dev of
# its own, /sys read-only, /run and /tmp as tmpfs, /run/systemd/system (so
# maintainer scripts take their systemd branches) and apt's cache.  The
# root is bind-mounted on itself first: ProtectSystem=strict remounts it.
enter_root() {
	mount --bind "$R" "$R" || return 1
	mount -t proc -o nosuid,nodev,noexec proc "$R/proc" || return 1
	mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev" || return 1
	mknod -m 666 "$R/dev/null" c 1 3; mknod -m 666 "$R/dev/zero" c 1 5
	mknod -m 666 "$R/dev/full" c 1 7; mknod -m 666 "$R/dev/random" c 1 8
	mknod -m 666 "$R/dev/urandom" c 1 9; mknod -m 666 "$R/dev/tty" c 5 0
	mkdir -p "$R/dev/pts" "$R/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts" &&
	    ln -s pts/ptmx "$R/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
	ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"
	ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys" 2>/dev/null ||
	    { mount --rbind /sys "$R/sys" && mount -o remount,bind,ro "$R/sys"; }
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$R/run" || return 1
	mkdir -p "$R/run/systemd/system" "$R/run/lock" "$R/run/seuil-test/inaccessible"
	install -m 0000 /dev/null "$R/run/seuil-test/inaccessible/reg"
	: >"$R/run/seuil-test/policy.log"; : >"$R/run/seuil-test/systemctl.log"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp" || return 1
	if [ -n "${SEUIL_PKG_ARCHIVES:-}" ]; then
		mount --bind "$SEUIL_PKG_ARCHIVES" "$R/var/cache/apt/archives" || return 1
	fi
	ip link set lo up 2>/dev/null || true
	return 0
}

# scenario_done: every unit stopped, the root's logs kept in
# $SEUIL_PKG_LOGS (the root itself goes with its tmpfs), the end marked.
scenario_done() {
	inroot /seuil-test/unitrun stop-all >/dev/null 2>&1
	if [ -n "${SEUIL_PKG_LOGS:-}" ]; then
		cp -a "$R/run/seuil-test" "$SEUIL_PKG_LOGS/run" 2>/dev/null
		cp -a "$R/var/log/seuil-test" "$SEUIL_PKG_LOGS/units" 2>/dev/null
		cp -a "$R/var/log/apt" "$SEUIL_PKG_LOGS/apt" 2>/dev/null
		cp -a "$R/var/log/mosquitto" "$SEUIL_PKG_LOGS/mosquitto" 2>/dev/null
	fi
	echo "# scenario done"
	exit 0
}

# inroot COMMAND...: run an installed program as root in the root, with a
# clean environment, as an admin's shell would.
inroot() {
	chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}
# as_user USER COMMAND...: the same as USER, with USER's groups.
as_user() {
	local u=$1; shift
	chroot "$R" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ LANG=C.UTF-8 \
	    setpriv --reuid="$u" --regid="$(inroot id -g "$u")" --init-groups -- "$@"
}
apt_get() { inroot apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
unit() { inroot systemctl "$@"; }
unit_active() { inroot systemctl --quiet is-active "$1"; }
unit_inactive() { ! inroot systemctl --quiet is-active "$1"; }
# The ids of the package's users as this machine sees them (numbers).
uid_of() { inroot id -u "$1"; }
gid_of() { inroot getent group "$1" | cut -d: -f3; }
# mode_owner PATH: "MODE USER:GROUP" by the root's names.
mode_owner() { inroot stat -c '%a %U:%G' "$1" 2>/dev/null; }

# The seuil processes running, "PID USER COMMAND" (user by uid: the names
# are the root's).
seuil_procs() {
	local p
	for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in
		*/seuild | */seuil-web | */seuilctl | */seuild\ \(deleted\) | */seuil-web\ \(deleted\))
			echo "${p#/proc/} $(stat -c %u "$p") $(tr '\0' ' ' <"$p/cmdline")" ;;
		esac
	done
}

# ---- the store, read as seuil reads it --------------------------------

# rsql SQL: a query on the installed database, read-only, as the user
# seuil (so that no file of the store ever becomes root's).
rsql() {
	setpriv --reuid="$(uid_of seuil)" --regid="$(gid_of seuil)" --clear-groups -- \
	    sqlite3 "file:$R/var/lib/seuil/seuil.db?mode=ro" "$@"
}
# count_lines PATTERN FILE: the lines of FILE matching PATTERN, 0 without
# the file (grep -c alone prints 0 and fails when none match).
count_lines() {
	local n
	n=$(grep -c -- "$1" "$2" 2>/dev/null)
	echo "${n:-0}"
}
count_events() { rsql "select count(*) from events where $1"; }
events_ge() { [ "$(count_events "$1")" -ge "$2" ]; }	# events_ge WHERE N

# json FILE PYEXPR: the JSON in FILE satisfies PYEXPR (v is the value).
json() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}

# ---- simulated hardware, as configured by setup_config ---------------

SIM=/var/lib/seuil/sim
# tap READER UID: a card at a simulated reader.
tap() { timeout 5 sh -c "printf '%s\n' '$2' >'$R$SIM/$1.fifo'"; }
relay_last() { tail -n 1 "$R$SIM/front/relay.log" 2>/dev/null | cut -d' ' -f2; }
relay_lines() { wc -l <"$R$SIM/front/relay.log" 2>/dev/null || echo 0; }
relay_is() { [ "$(relay_last)" = "$1" ]; }
relay_lines_gt() { [ "$(relay_lines)" -gt "$1" ]; }
# Enrolments seuild has started waiting for (its log), to tap only then.
enrol_waits() { count_lines "enrolment: waiting" "$R/var/log/seuil-test/seuild.service.log"; }
enrol_waits_gt() { [ "$(enrol_waits)" -gt "$1" ]; }

# ---- the journeys ---------------------------------------------------------
for _j in "$PKGDIR"/journeys/*.sh; do
	# The journeys are a glob: no file to follow statically.
	# shellcheck disable=SC1090
	. "$_j"
done
unset _j

# ---- the prepare step of tests/package/run --------------------------------
# bash lib.sh __fetch ROOT NEW BASE: in the host's network, with the root
# mounted, fresh package lists, and every package the scenarios install
# fetched into the cache (SEUIL_PKG_ARCHIVES).
if [ "${1:-}" = __fetch ]; then
	R=$2
	set -e
	enter_root
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	# As Debian's installer writes it: seuild's example broker is "localhost".
	[ -e "$R/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
	apt_get update
	apt_get install --download-only "/seuil-test/debs/$3" mosquitto mosquitto-clients
	apt_get install --download-only "/seuil-test/debs/$4" mosquitto mosquitto-clients
	exit 0
fi
