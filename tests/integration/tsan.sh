#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console's unit test under ThreadSanitizer (build/tsan, made by make
# check's tsan-bins): seuil-web's connection threads run the login path at
# once, and a race there is a failure.  Once, in the plain pass.
. "$(dirname "$0")/../lib.sh"

if ldd "$BUILD/seuild" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip tsan (runs once, in the plain build's pass)"
	exit 0
fi
if [ -n "${RUN_WRAPPER:-}" ]; then
	echo "skip tsan (cross build: runs natively only)"
	exit 0
fi
bin=$TOP/build/tsan/tests/test_web
if [ ! -x "$bin" ]; then
	echo "skip tsan: $bin is not built (make check builds it; make tsan-bins)"
	exit 0
fi
TSAN_OPTIONS=halt_on_error=1:exitcode=66 "$bin" >"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out" | grep -E '^# (not ok|WARNING)' || true
check "test_web under ThreadSanitizer: no race (exit $rc)" test $rc -eq 0
check "and its tests ran" test "$(grep -c '^ok ' "$T/out")" -ge 5
