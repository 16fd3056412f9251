#!/bin/sh
# scripts/spdx.sh [--check]: give every source file of the checkout its
# licence line, "SPDX-License-Identifier: GPL-3.0-or-later", in its own
# comment syntax: line 1, or line 2 after a #! line, an HTML doctype or a
# man page's title.  Idempotent: a file that has the line in its first five
# lines is left alone, so it can be run again after any merge.  --check
# changes nothing: it lists the files without the line and exits 1 if any.
#
# The files are git's (tracked, and untracked but not ignored); which are
# source is decided below, by path and name.  A file it cannot place is an
# error, so that a new kind of file gets a decision here rather than
# slipping through.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tag='SPDX-License-Identifier: GPL-3.0-or-later'
check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: scripts/spdx.sh [--check]" >&2; exit 64 ;;
esac

# style FILE: how its comment is written, "skip" for what is not source
# (data, test fixtures and golden files whose lines are counted, images,
# generated lists, Debian's own metadata, documentation) or "unknown".
style() {
	case $1 in
	LICENSE | *.md | *.png | *.svg | *.json | *.csv | *.db | *.key | *.keep | \
	    *.expected | *.errors | */.gitignore | .gitignore | \
	    tests/config/* | tests/fuzz/corpus/* | tests/fuzz/regressions/* | tests/fixtures/* | \
	    debian/changelog | debian/control | debian/copyright | debian/source/* | \
	    debian/seuil.files | debian/*.lintian-overrides | tests/package/base-commit)
		echo skip ;;
	*.c | *.h | *.css) echo c ;;
	*.js | *.mjs) echo js ;;
	*.html) echo html ;;
	*.scd) echo scd ;;
	config/seuild.conf.example) echo semicolon ;;
	*.sh | *.py | *.pl | Makefile | *.service | *.timer | *.sysusers | *.tmpfiles | \
	    *.rules | *.supp | *.example | debian/rules | debian/*.postinst | debian/*.postrm | \
	    debian/*.preinst | debian/*.prerm)
		echo hash ;;
	*)
		if head -c 2 "$1" | grep -q '^#!'; then echo hash; else echo unknown; fi ;;
	esac
}

# The line in the file's syntax, and after which line it goes (0: first).
line_for() {
	case $1 in
	c) echo "/* $tag */" ;;
	js) echo "// $tag" ;;
	html) echo "<!-- $tag -->" ;;
	scd) echo "; $tag" ;;
	semicolon) echo "; $tag" ;;
	hash) echo "# $tag" ;;
	esac
}
after_for() {	# STYLE FILE
	case $1 in
	scd) echo 1 ;;
	html) if head -n 1 "$2" | grep -qi '^<!doctype'; then echo 1; else echo 0; fi ;;
	*) if head -c 2 "$2" | grep -q '^#!'; then echo 1; else echo 0; fi ;;
	esac
}

if git rev-parse --git-dir >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard)
else
	files=$(find . \( -name .git -o -name build -o -name 'build-*' -o -name node_modules \
	    -o -path ./lobby/dist -o -path ./debian/seuil -o -path ./debian/.debhelper \) -prune \
	    -o -type f -print | sed 's|^\./||')
fi

missing=0 unknown=0 added=0
for f in $files; do
	[ -f "$f" ] || continue
	s=$(style "$f")
	case $s in
	skip) continue ;;
	unknown)
		echo "spdx: $f: not placed (scripts/spdx.sh, style()): source or not?" >&2
		unknown=$((unknown + 1)); continue ;;
	esac
	head -n 5 "$f" | grep -q 'SPDX-License-Identifier:' && continue
	if [ "$check" = 1 ]; then
		echo "spdx: $f: no licence line"
		missing=$((missing + 1)); continue
	fi
	n=$(after_for "$s" "$f")
	l=$(line_for "$s")
	# In place, keeping the file's mode (and its owner).
	awk -v n="$n" -v l="$l" 'NR == n + 1 { print l } { print } END { if (NR < n + 1) print l }' \
	    "$f" >"$f.spdx.tmp"
	cat "$f.spdx.tmp" >"$f"
	rm -f "$f.spdx.tmp"
	added=$((added + 1))
done
if [ "$check" = 1 ]; then
	[ "$missing" -eq 0 ] && [ "$unknown" -eq 0 ] && exit 0
	echo "spdx: $missing file(s) without the licence line, $unknown not placed: run scripts/spdx.sh" >&2
	exit 1
fi
echo "spdx: added the licence line to $added file(s)"
[ "$unknown" -eq 0 ]
