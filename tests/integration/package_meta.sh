#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What a Debian developer looks for before anything runs: the licence
# (LICENSE, GPL-3.0-or-later, and a machine-readable debian/copyright that
# says so and covers what the package bundles), and docs and examples that
# name the installed paths, never a /usr/local one (the package installs
# under /usr; a source install's paths are written PREFIX/...).
. "$(dirname "$0")/../lib.sh"

check "LICENSE is the GNU GPL version 3" sh -c \
    "head -n 2 '$TOP/LICENSE' | grep -q 'GNU GENERAL PUBLIC LICENSE' && grep -q '^ *Version 3, 29 June 2007' '$TOP/LICENSE'"
check "README says GPL-3.0-or-later" grep -q 'GPL-3.0-or-later' "$TOP/README.md"
check "debian/copyright is machine-readable" \
    sh -c "head -n 1 '$TOP/debian/copyright' | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'"
check "debian/copyright: seuil under GPL-3+" sh -c \
    "awk '/^Files: \\*\$/ { f = 1 } f && /^License:/ { print; exit }' '$TOP/debian/copyright' | grep -qx 'License: GPL-3+'"
check "debian/copyright covers the bundled MQTT.js" grep -q '^Files: lobby/node_modules/mqtt/dist/mqtt.min.js$' "$TOP/debian/copyright"
check "every licence debian/copyright names has its text there" sh -c "
    for l in \$(sed -n 's/^License: //p' '$TOP/debian/copyright' | tr ' ' '\n' | grep -v '^and\$' | sort -u); do
	grep -qx \"License: \$l\" '$TOP/debian/copyright' || { echo \"no text for \$l\"; exit 1; }
    done"

# Docs, man pages, examples, units and packaging: no /usr/local path.
grep -rn '/usr/local' "$TOP"/README.md "$TOP"/docs/*.md "$TOP"/docs/*.scd "$TOP"/config \
    "$TOP"/systemd "$TOP"/debian --exclude=changelog --exclude-dir=build-amd64 \
    --exclude-dir=build-arm64 --exclude-dir=build-armhf --exclude-dir=seuil >"$T/usrlocal" 2>/dev/null
check "no doc or example names a /usr/local path" test ! -s "$T/usrlocal"
sed 's/^/#   /' "$T/usrlocal"

# Every source file says its licence (scripts/spdx.sh adds the line).
check "every source file has its SPDX licence line (scripts/spdx.sh --check)" \
    sh -c "'$TOP/scripts/spdx.sh' --check >'$T/spdx' 2>&1"
sed 's/^/#   /' "$T/spdx" | head -n 20
