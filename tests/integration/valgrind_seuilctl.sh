#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Memory hygiene: the main seuilctl commands under valgrind memcheck, each
# with no memcheck error and no definite leak.  Plain build only: valgrind
# cannot run ASan binaries.
. "$(dirname "$0")/../lib.sh"

if ldd "$SEUILCTL" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "skip valgrind_seuilctl (ASan build: valgrind runs the plain build only)"
	exit 0
fi
[ -z "${RUN_WRAPPER:-}" ] || { echo "skip valgrind_seuilctl (cross build: runs natively only)"; exit 0; }
command -v valgrind >/dev/null || { not_ok "valgrind installed (scripts/deps.sh)"; exit 1; }

n=0
# [RC=N] vg NAME ARGS...: seuilctl ARGS under memcheck; ok if it exits
# with RC (default 0) and memcheck found no error and no definite leak
# (which would make it exit 99).
vg() {
	local name=$1 rc want=${RC:-0}; shift
	n=$((n + 1))
	valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --suppressions="$TOP/tests/valgrind.supp" \
		--log-file="$T/vg.$n.log" "$SEUILCTL" -f "$T/seuild.conf" "$@" \
		>"$T/out.$n" 2>&1 </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "valgrind seuilctl $name"
	else
		not_ok "valgrind seuilctl $name (exit $rc)"
		sed -n 's/^==[0-9]*== //p' "$T/vg.$n.log" | grep -v '^$' | head -30 | sed 's/^/#   /'
		head -5 "$T/out.$n" | sed 's/^/#   /'
	fi
}

write_config </dev/null
vg init init
vg "group add" group add staff
vg "schedule set" schedule set staff 'Mon-Fri 08:00-19:00, Sat 10:00-14:00'
vg "group list" group list
vg "member add" member add alice --display 'Alice A.' --email a@example.org --group staff --public
vg "member add (dates)" member add bob --from 2026-01-01 --until 2030-12-31 --anonymous
vg "member list" member list
vg "member list --json" --json member list
vg "member show" member show alice
vg "member edit" member edit bob --display Bobby --group staff
vg "badge add" badge add alice 04A1B2C3 --label blue
vg "badge add (7 bytes)" badge add bob 04:11:22:33:44:55:66
vg "badge list" badge list
vg "explain" explain alice

# A visit for who, log and the report, made by the real daemon.
start_seuild || { not_ok "seuild starts"; exit 1; }
tap front-in 04A1B2C3
wait_until 10 count_is arrival = 1
vg "status (daemon running)" status
vg "who" who
tap front-out 04A1B2C3
wait_until 10 count_is departure = 1
stop_seuild

RC=69 vg "status (daemon stopped, EX_UNAVAILABLE)" status
vg "badge revoke" badge revoke 04A1B2C3
vg "log" log
vg "log --json" --json log
vg "report attendance" report attendance
vg "report attendance --csv" report attendance --csv
vg "report attendance --json" report attendance --json
vg "report attendance --html" report attendance --html
