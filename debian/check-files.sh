#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# debian/check-files.sh ROOT|PACKAGE.deb: compare the files of an installed
# tree (make install DESTDIR=ROOT with debian/rules' INSTALL_FLAGS) or of a
# built package with debian/seuil.files, the one list of what seuil
# installs.  Man pages are compared without their .gz; the files debhelper
# adds to the package (copyright, changelog, lintian overrides) are left out.  Prints the
# differences (+ only there, - only in the list) and exits 1 if any.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
what=${1:?usage: debian/check-files.sh ROOT|PACKAGE.deb}
if [ -d "$what" ]; then
	(cd "$what" && find . \( -type f -o -type l \) -print) | sed 's|^\./|/|'
else
	dpkg-deb -c "$what" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|'
fi | sed -e 's|^\(/usr/share/man/.*\)\.gz$|\1|' |
    grep -Ev '^/usr/share/(doc/seuil/(copyright|changelog(\.Debian)?\.gz)|lintian/overrides/seuil)$' |
    sort >"${TMPDIR:-/tmp}/seuil-files.$$"
if diff -u "$here/seuil.files" "${TMPDIR:-/tmp}/seuil-files.$$" >"${TMPDIR:-/tmp}/seuil-files.$$.diff"; then
	rm -f "${TMPDIR:-/tmp}/seuil-files.$$"*
	exit 0
fi
echo "$what: files differ from debian/seuil.files:" >&2
grep -E '^[-+]/' "${TMPDIR:-/tmp}/seuil-files.$$.diff" >&2 || true
rm -f "${TMPDIR:-/tmp}/seuil-files.$$"*
exit 1
