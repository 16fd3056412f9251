#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/package/base-deb.sh OUTDIR: build the base package of the upgrade
# test, from the commit in tests/package/base-commit, with that commit's own
# `make deb`, and print the path of the .deb.  Built once per commit and
# architecture (OUTDIR/COMMIT/), so a rerun costs nothing.  The lobby's
# node_modules are copied from this tree when both lock files are the same,
# so no npm registry is needed then.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: tests/package/base-deb.sh OUTDIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
commit=$(sed -n '1s/^\([0-9a-f]\{7,40\}\).*/\1/p' "$top/tests/package/base-commit")
[ -n "$commit" ] || { echo "base-deb: tests/package/base-commit holds no commit" >&2; exit 65; }
commit=$(git -C "$top" rev-parse --verify -q "$commit^{commit}") ||
    { echo "base-deb: commit $(cat "$top/tests/package/base-commit") is not in this clone (git fetch?)" >&2; exit 66; }
arch=$(dpkg --print-architecture)
dir=$out/$commit
for f in "$dir"/seuil_*_"$arch".deb; do
	[ -f "$f" ] && { echo "$f"; exit 0; }
done
mkdir -p "$dir"
src=$dir/src
rm -rf "$src"
mkdir -p "$src"
git -C "$top" archive "$commit" | tar -x -C "$src"
if [ -d "$top/lobby/node_modules" ] && cmp -s "$top/lobby/package-lock.json" "$src/lobby/package-lock.json"; then
	cp -a "$top/lobby/node_modules" "$src/lobby/"
fi
echo "base-deb: building the package of ${commit%"${commit#???????}"} (log: $dir/build.log)" >&2
if ! (cd "$src" && make deb) >"$dir/build.log" 2>&1; then
	tail -n 20 "$dir/build.log" >&2
	echo "base-deb: make deb failed at $commit" >&2
	exit 1
fi
mv "$src"/build/deb/seuil_*_"$arch".deb "$dir/"
rm -rf "$src"
ls "$dir"/seuil_*_"$arch".deb
