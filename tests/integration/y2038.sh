#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Dates after 2038-01-19 through seuilctl (tests/unit/test_y2038.c has the
# library's side): where time_t is 64-bit a report over 2039 and a log
# filter in 2040 are handled; where it is 32-bit (armhf: make check-cross
# ARCH=armhf) they are refused with an error that says why, while validity
# dates past 2038 are still taken and shown as dates.
. "$(dirname "$0")/../lib.sh"

# The programs' ELF class: 32-bit builds have a 32-bit time_t (seuil is
# not built with _TIME_BITS=64, docs/install.md).
bin=${REAL_BUILD:-$BUILD}/seuilctl
case $(od -An -tx1 -j4 -N1 "$bin" | tr -d ' ') in
01) t64=0 ;;
02) t64=1 ;;
*) not_ok "ELF class of $bin"; exit 1 ;;
esac
diag "time_t is $([ $t64 = 1 ] && echo 64 || echo 32)-bit for these programs"

write_config </dev/null
ctl init >/dev/null || { not_ok "init"; exit 1; }
check "a membership until 2040 is taken" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member add alice --until 2040-12-31 >/dev/null"
check "and shown as that date" sh -c "'$SEUILCTL' -f '$T/seuild.conf' member show alice | grep -q 2040-12-31"

ctl report attendance --from 2039-01-01 --to 2039-12-31 >"$T/report.out" 2>&1
rc=$?
if [ $t64 = 1 ]; then
	check "a report over 2039 is made" test "$rc" = 0
else
	check "a report over 2039 is refused (exit 64)" test "$rc" = 64
	check "saying it goes past 2038-01-19 and why" grep -q "goes past 2038-01-19, the end of this system's 32-bit time" "$T/report.out"
fi
ctl report attendance --from 2037-12-01 --to 2037-12-31 >"$T/report2.out" 2>&1
check "a report over 2037 is made on every build" test $? = 0

ctl log --since 2040-01-01 >"$T/log.out" 2>&1
rc=$?
if [ $t64 = 1 ]; then
	check "log --since 2040-01-01 (local) is taken" test "$rc" = 0
else
	check "log --since 2040-01-01 (local) is refused (exit 65)" test "$rc" = 65
	check "saying local times end at 2038-01-19 here" grep -q "local times end at 2038-01-19" "$T/log.out"
fi
check "log --since 2040-01-01T00:00:00Z (UTC) is taken on every build" ctl log --since 2040-01-01T00:00:00Z
