#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The core promise: an enrolled tap pulses the strike; every other badge is
# refused with its own reason and never moves the relay; raw UIDs appear
# nowhere.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
ctl init >"$T/out.txt" 2>&1 || { not_ok "seuilctl init"; cat "$T/out.txt"; exit 1; }

today=$(TZ=Europe/Paris date +%F)
yesterday=$(TZ=Europe/Paris date -d yesterday +%F)
tomorrow=$(TZ=Europe/Paris date -d tomorrow +%F)
# A weekday that is not today, so the schedule never includes now.
other_day=$(TZ=Europe/Paris date -d tomorrow +%a)
{
	ctl group add night
	ctl schedule set night "$other_day 00:00-24:00"
	ctl member add alice --display Alice --public
	ctl member add bob
	ctl member add carol --until "$yesterday"
	ctl member add dave
	ctl member add eve --from "$tomorrow"
	ctl member add frank --group night
	ctl member add gina --until "$today"
} >>"$T/out.txt" 2>&1 || true
{
	ctl badge add alice 04A1B2C3 --label blue
	ctl badge add bob 04:B0:B0:01
	ctl badge add carol 04C0C0C1
	ctl badge add dave 04-D0-D0-D1
	ctl badge add eve 04E0E0E1
	ctl badge add frank 04F0F0F1
	ctl badge add gina 0411223344556F
	ctl member disable bob
	ctl badge revoke 04D0D0D1
} >>"$T/out.txt" 2>&1
check "enrolment commands succeed" test $? -eq 0

# Schedules must be evaluated even though this machine's clock is not NTP-synced.
# Many denials in a row here: keep the reader from locking itself out.
sed -i 's/^\[mqtt\]/[security]\nunsynced_clock = ignore\nlockout_failures = 32\n\n[mqtt]/' "$T/seuild.conf"
start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"
check "relay locked at start" test "$(head -n 1 "$T/door/relay.log" | cut -d' ' -f2)" = 0

tap front-in 04a1b2c3
check "granted tap energises the relay" wait_until 5 relay_is 1
check "relay released after unlock_time" wait_until 5 relay_is 0
# 1 s pulse, measured on the monotonic clock the daemon wrote.
pulse=$(awk '$2==1{on=$1} $2==0 && on{print int(($1-on)/1000000); on=0}' "$T/door/relay.log" | tail -n 1)
check "pulse lasts unlock_time (1000 ms, got ${pulse:-none})" test -n "$pulse" -a "${pulse:-0}" -ge 995 -a "${pulse:-0}" -lt 1500
check "grant is logged" has_event access_granted
check "alice arrives" has_event arrival
check "who shows alice" sh -c "'$SEUILCTL' -f '$T/seuild.conf' who | grep -q alice"

deny() {	# deny UID REASON
	local before
	before=$(relay_lines)
	tap front-in "$1"
	if wait_until 5 has_reason access_denied "$2" && sleep 0.2 && [ "$(relay_lines)" = "$before" ]; then
		ok "denied: $2"
	else
		not_ok "denied: $2"; events | sed 's/^/#   /'
	fi
}
deny 04999999 unknown_badge
deny 04B0B001 member_disabled
deny 04C0C0C1 expired
deny 04D0D0D1 badge_revoked
deny 04E0E0E1 not_yet_valid
deny 04F0F0F1 outside_schedule

before=$(relay_lines)
tap front-in 0411223344556f
check "valid until today still opens (7-byte UID)" wait_until 5 relay_lines_gt "$before"

# Bad input lines are ignored and the reader keeps working.
tap front-in "not a uid"
tap front-in 04A1B2
sleep 0.3
kill -0 "$SEUILD_PID" 2>/dev/null
check "bad reader lines do not kill seuild" test $? -eq 0

stop_seuild
check "clean stop exits 0" test $? -eq 0
check "relay locked after stop" test "$(relay_last)" = 0
check "daemon_stop logged" has_event daemon_stop

# Privacy: no raw UID in the database, the log or any command's output.
ctl log >>"$T/out.txt" 2>&1
ctl badge list >>"$T/out.txt" 2>&1
ctl member list >>"$T/out.txt" 2>&1
sqlite3 "$T/seuil.db" .dump >"$T/dump.sql"
leak=0
for uid in 04A1B2C3 04B0B001 04C0C0C1 04D0D0D1 04E0E0E1 04F0F0F1 0411223344556F 04999999; do
	bin=$(echo "$uid" | sed 's/../\\x&/g')
	for f in "$T/seuil.db" "$T/seuil.db-wal" "$T/seuild.log" "$T/out.txt" "$T/dump.sql"; do
		[ -f "$f" ] || continue
		if grep -qi "$uid" "$f" || LC_ALL=C grep -qaP "$bin" "$f"; then
			leak=1; diag "UID $uid found in ${f##*/}"
		fi
	done
done
check "no raw UID in database, log or output" test $leak -eq 0
