#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every shell script of the repository passes shellcheck (Debian's, from
# scripts/deps.sh) at warning level, and each `shellcheck disable` left in
# one says why on the line above.  A shell script: a file git tracks named
# *.sh or whose #! line runs sh, bash or dash (tests/run, debian/seuil.postinst).
# It does not depend on the build: once, in the plain build's pass.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=$top/build}"
if ldd "$BUILD/seuild" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip shellcheck (runs once, in the plain build's pass)"
	exit 0
fi
command -v shellcheck >/dev/null || { echo "not ok shellcheck installed (scripts/deps.sh)"; exit 1; }
cd "$top" || exit 1
T=$(mktemp -d /tmp/seuil-it.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The files: git's list, or without a clone every file but the build's.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files >"$T/files"
else
	find . \( -name .git -o -name 'build*' -o -name node_modules -o -path ./debian/seuil \
		-o -path ./debian/.debhelper -o -path ./debian/tmp \) -prune -o -type f -print |
		sed 's|^\./||' >"$T/files"
fi
scripts=()
while IFS= read -r f; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	if [[ $f == *.sh ]] ||
	    head -n 1 "$f" | grep -qE '^#![[:space:]]*/[^[:space:]]*/(env[[:space:]]+)?(ba|da)?sh([[:space:]]|$)'; then
		scripts+=("$f")
	fi
done <"$T/files"
echo "# ${#scripts[@]} shell scripts"
found() { [[ " ${scripts[*]} " == *" $1 "* ]]; }
for f in tests/run tests/lib.sh bench/run .ci/run debian/seuil.postinst debian/seuil.postrm \
    tests/fixtures/schema/make.sh; do
	if found "$f"; then echo "ok shellcheck: $f is one of the scripts"; else
		echo "not ok shellcheck: $f is one of the scripts"; fi
done

# The level catches what it should: an unused variable is a warning.
printf '#!/bin/sh\nunused=1\n' >"$T/bad.sh"
if shellcheck -S warning "$T/bad.sh" >/dev/null 2>&1; then
	echo "not ok shellcheck -S warning reports an unused variable"
else
	echo "ok shellcheck -S warning reports an unused variable"
fi

shellcheck -S warning -f gcc "${scripts[@]}" >"$T/out" 2>&1
for f in "${scripts[@]}"; do
	if grep -q "^$f:" "$T/out"; then
		echo "not ok shellcheck $f"
		grep "^$f:" "$T/out" | head -20 | sed 's/^/# /'
	else
		echo "ok shellcheck $f"
	fi
done
if grep -qv '^[^:]*:[0-9]*:[0-9]*: ' "$T/out"; then
	echo "not ok shellcheck ran"
	grep -v '^[^:]*:[0-9]*:[0-9]*: ' "$T/out" | head -5 | sed 's/^/# /'
fi

# A disable with no reason: the line above it is not a comment of its own.
awk -v count="$T/count" '
	FNR == 1 { prev = "" }
	/^[[:space:]]*#[[:space:]]*shellcheck[[:space:]]+disable=/ {
		n++
		if (prev !~ /^[[:space:]]*#/ || prev ~ /shellcheck/)
			print FILENAME ":" FNR ": " $0
	}
	{ prev = $0 }
	END { print n + 0 >count }
	' "${scripts[@]}" >"$T/unsaid"
if [ -s "$T/unsaid" ]; then
	echo "not ok each shellcheck disable says why on the line above"
	sed 's/^/# /' "$T/unsaid"
else
	echo "ok each shellcheck disable says why on the line above ($(cat "$T/count") of them)"
fi
