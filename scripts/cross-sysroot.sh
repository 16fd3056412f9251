#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Prepare this Debian machine to cross-build and test seuil for the Pi:
#   scripts/cross-sysroot.sh ARCH [SYSROOT]      (ARCH: arm64 or armhf)
#
# What it does, and why this way round:
# - dpkg --add-architecture ARCH, apt-get update;
# - crossbuild-essential-ARCH (the cross compiler) and qemu-user-static (to
#   run the ARCH test binaries here; no binfmt registration is needed, the
#   tests call qemu through RUN_WRAPPER);
# - the ARCH *runtime* libraries, installed with apt: they are Multi-Arch:
#   same and co-install with the native ones, and qemu's loader finds them;
# - the ARCH *-dev* packages (and the libraries they link) are only
#   downloaded and unpacked into a private sysroot (default
#   build-ARCH/sysroot), never installed.  libnfc-dev:ARCH depends on
#   libusb-dev:ARCH, which is not Multi-Arch: installing it removes the
#   native libusb-dev and libnfc-dev and the native build stops linking.
#
# Then `make ARCH=ARCH` (or check-cross, deb) uses SYSROOT.  Quiet and quick
# when everything is there already (a stamp file per package list).
set -eu

arch=${1:?usage: scripts/cross-sysroot.sh arm64|armhf [SYSROOT]}
case $arch in
arm64) triplet='aarch64-linux-gnu'; qemu='qemu-aarch64-static' ;;
armhf) triplet='arm-linux-gnueabihf'; qemu='qemu-arm-static' ;;
*) echo "cross-sysroot: unknown architecture '$arch' (arm64 or armhf)" >&2; exit 64 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${2:-$top/build-$arch/sysroot}

# The -dev packages seuild, seuilctl and seuil-web build against.
dev="libnfc-dev libusb-dev libgpiod-dev libsqlite3-dev libmosquitto-dev
libinih-dev libcjson-dev libssl-dev libmicrohttpd-dev libcrypt-dev"
# Their runtime libraries, for qemu-user.
runtime="libnfc6 libusb-0.1-4 libgpiod2 libsqlite3-0 libmosquitto1 libinih1
libinireader0 libcjson1 libssl3 libmicrohttpd12 libcrypt1"
# What the cross toolchain (libc6-dev-ARCH-cross and gcc) already brings.
toolchain_re='^(libc6|libc6-dev|libc-dev-bin|linux-libc-dev|gcc-[0-9]+-base|libgcc-s1|libstdc\+\+6|rpcsvc-proto|libtirpc-common)$'

stamp=$sysroot/.stamp
want=$(printf '%s\n' "$arch" $dev $runtime | sort | tr '\n' ' ')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    command -v "$triplet-gcc" >/dev/null && command -v "$qemu" >/dev/null; then
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	echo "cross-sysroot: dpkg --add-architecture $arch" >&2
	$sudo dpkg --add-architecture "$arch"
	# A mirror in mid-sync can fail one index (seen for armhf security):
	# go on, the installs below say if something is really missing.
	$sudo apt-get update -q >/dev/null || echo "cross-sysroot: apt-get update had errors; going on" >&2
fi
rt=""
for p in $runtime; do rt="$rt $p:$arch"; done
echo "cross-sysroot: installing crossbuild-essential-$arch qemu-user-static and the $arch runtime libraries" >&2
# $sudo (empty or sudo) and $rt (package names) split into words on purpose.
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends \
    "crossbuild-essential-$arch" qemu-user-static $rt >/dev/null 2>&1; then
	$sudo apt-get update -q >/dev/null || true
	$sudo apt-get install -y -q --no-install-recommends \
	    "crossbuild-essential-$arch" qemu-user-static $rt >/dev/null
fi

# The -dev packages and everything they depend on, for ARCH, less what the
# toolchain has: downloaded, then unpacked into the sysroot.
q=""
for p in $dev; do q="$q $p:$arch"; done
# $q: package names, split into words on purpose.
# shellcheck disable=SC2086
pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $q 2>/dev/null |
    sed -n "s/^\([a-z0-9][a-z0-9.+-]*\):$arch\$/\1/p" | sort -u |
    grep -Ev "$toolchain_re")
debs=$top/build-$arch/debs
mkdir -p "$debs"
echo "cross-sysroot: unpacking $(echo "$pkgs" | wc -l) $arch packages into $sysroot" >&2
rm -rf "$sysroot"
mkdir -p "$sysroot"
list=""
for p in $pkgs; do list="$list $p:$arch"; done
# $list: package names, split into words on purpose.
# shellcheck disable=SC2086
(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root $list >/dev/null)
for d in "$debs"/*_"$arch".deb; do
	dpkg-deb -x "$d" "$sysroot"
done
# Absolute symlinks in -dev packages (libfoo.so -> /lib/...) must point into
# the sysroot.
find "$sysroot" -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in /*) ln -sf "$sysroot$t" "$l" ;; esac
done
echo "$want" >"$stamp"
echo "cross-sysroot: ready: make ARCH=$arch" >&2
