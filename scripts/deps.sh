#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install the Debian packages seuil needs to build, test and run the demo, and
# nothing else. Quiet and quick when everything is already there, so every make
# target that needs them (check, demo, bench...; not a plain `make`) can call
# it. Works as root or through sudo.
set -eu

# clang: the libFuzzer targets (make fuzz); valgrind: memcheck in make check;
# make check also lints every shell script with shellcheck
# (tests/integration/shellcheck.sh).
pkgs="build-essential pkg-config scdoc tzdata
libnfc-dev libnfc-bin libgpiod-dev gpiod libsqlite3-dev sqlite3 libmosquitto-dev
mosquitto mosquitto-clients libinih-dev libcjson-dev libssl-dev openssl
python3 procps libmicrohttpd-dev libcrypt-dev curl systemd
faketime util-linux
clang valgrind shellcheck"
# node and npm build and test the lobby screen (lobby/).  Any install that has
# both commands will do: NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package, so check for the commands, not the packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
fi

# `scripts/deps.sh deb`: also what `make deb` needs; `package`: and what
# `make check-package` needs (mmdebstrap makes the throwaway root; ip
# brings up its network namespace's loopback).
case ${1:-} in
deb) pkgs="$pkgs debhelper fakeroot lintian dpkg-dev" ;;
package) pkgs="$pkgs debhelper fakeroot lintian dpkg-dev mmdebstrap iproute2" ;;
esac

# Packages of this machine's own architecture, by name: once arm64 packages
# are installed for cross-building (scripts/cross-sysroot.sh), a bare
# `dpkg-query -W libnfc-dev` also answers for libnfc-dev:arm64, and a machine
# that lost its native one would pass.  Architecture: all packages are ':all'.
arch=$(dpkg --print-architecture)
missing=""
for p in $pkgs; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p:$arch" 2>/dev/null ||
	    dpkg-query -W -f='${db:Status-Status}' "$p:all" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p:$arch"
done
# The console's browser tests drive Debian's chromium (playwright-core
# downloads no browser).  Optional: where it cannot be installed, those
# tests say so and skip.
chromium() {
	[ -x /usr/bin/chromium ] && return 0
	echo "deps: installing chromium (for the console's browser tests)" >&2
	if [ "$(id -u)" -eq 0 ]; then s=""; else s="sudo"; fi
	DEBIAN_FRONTEND=noninteractive $s apt-get install -y -q --no-install-recommends \
		chromium >/dev/null 2>&1 || { $s apt-get update -q >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive $s apt-get install -y -q --no-install-recommends \
		chromium >/dev/null 2>&1; } ||
		echo "deps: chromium could not be installed: browser tests will skip" >&2
}
[ -z "$missing" ] && { chromium; exit 0; }

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Updating the package lists is slow: only do it when an install fails without.
# $sudo (empty or sudo) and $missing (package names) split into words on purpose.
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	$sudo apt-get update -q >/dev/null
	$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# The Debian package starts a broker on port 1883; seuil's tests and demo start
# their own on free ports and never need that one.
chromium
