#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The fuzz targets (tests/fuzz/) in `make check`: each replays its seeds and
# every regression input, then fuzzes for FUZZ_SMOKE_SECONDS (default 3).
# The targets are their own ASan+UBSan build (build/fuzz, made by `make
# fuzz-bins`), so this runs once, in the plain build's pass.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=$top/build}"
if ldd "$BUILD/seuild" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip fuzz_smoke (runs once, in the plain build's pass)"
	exit 0
fi
if [ -n "${RUN_WRAPPER:-}" ]; then
	echo "skip fuzz_smoke (cross build: runs natively only)"
	exit 0
fi
if ! ls "$top"/build/fuzz/fuzz_* >/dev/null 2>&1; then
	echo "not ok fuzz_smoke: no fuzz targets built (make fuzz-bins)"
	exit 1
fi
exec "$top/tests/fuzz/run.sh" "$top/build/fuzz" "${FUZZ_SMOKE_SECONDS:-3}"
