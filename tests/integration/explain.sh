#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# explain: every denial reason and a grant, each checked against the
# decision the running daemon takes for a real tap; never a UID printed.
. "$(dirname "$0")/../lib.sh"

# set_policy POLICY: rewrite the config with unsynced_clock = POLICY.
set_policy() {
	write_config <<CONF
[security]
unsynced_clock = $1
lockout_failures = ${2:-32}
lockout_time = 10m
CONF
}
set_policy ignore
ctl init >/dev/null || { not_ok "init"; exit 1; }

yesterday=$(TZ=Europe/Paris date -d yesterday +%F)
tomorrow=$(TZ=Europe/Paris date -d tomorrow +%F)
other_day=$(LC_ALL=C TZ=Europe/Paris date -d tomorrow +%a)
{
	ctl group add night && ctl schedule set night "$other_day 00:00-24:00"
	ctl group add open
	ctl member add ann && ctl badge add ann 04A0A0A1 --label fob
	ctl member add ben && ctl badge add ben 04B0B0B1 && ctl badge revoke 04B0B0B1
	ctl member add cat && ctl badge add cat 04C0C0C1 && ctl member disable cat
	ctl member add dan --from "$tomorrow" && ctl badge add dan 04D0D0D1
	ctl member add eva --until "$yesterday" && ctl badge add eva 04E0E0E1
	ctl member add fay --group night && ctl badge add fay 04F0F0F1
	ctl member add gus --group night --group open && ctl badge add gus 0401010101010B
	ctl member add hal
} >"$T/setup.out" 2>&1
check "setup" test $? -eq 0

# reason_of M [READER]: the reason explain --json gives at a reader.
reason_of() {
	ctl --json explain "$1" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print([x['reason'] for b in d['badges'] for x in b['decisions'] if x['reader'] == '${2:-front-in}'][0])"
}
# explain_is M REASON [READER]
explain_is() { test "$(reason_of "$1" "${3:-front-in}")" = "$2"; }

check "grant: ann" explain_is ann granted
check "badge_revoked: ben" explain_is ben badge_revoked
check "member_disabled: cat" explain_is cat member_disabled
check "not_yet_valid: dan" explain_is dan not_yet_valid
check "expired: eva" explain_is eva expired
check "outside_schedule: fay" explain_is fay outside_schedule
check "a schedule-free group allows: gus" explain_is gus granted
check "unknown_badge: a UID never enrolled" explain_is 04999999 unknown_badge
check "unknown_badge: a member without badge" explain_is hal unknown_badge
check "a UID of a known badge is its member's" explain_is 04:d0:d0:d1 not_yet_valid

ctl explain fay >"$T/fay" 2>&1
check "explain exits 0 for a denial" test $? -eq 0
check "human output: the decision and reason" grep -q "reader front-in: DENIED (outside_schedule)" "$T/fay"
check "human output: the group's schedule, local" grep -q "group night .*$other_day 00:00-24:00, does not allow now" "$T/fay"
check "human output: the rule that failed" grep -q "^  \[NO\] schedule" "$T/fay"
check "human output: the local time" grep -q "now $(TZ=Europe/Paris date +%F) " "$T/fay"
ctl explain ann >"$T/ann" 2>&1
check "human output: a grant" grep -q "reader front-out: GRANTED" "$T/ann"
check "human output: the badge hint and label" grep -q 'badge 1 hint A0A1 "fob"' "$T/ann"
ctl explain 04999999 >"$T/unk" 2>&1
check "unknown UID: exit 0" test $? -eq 0
check "unknown UID: said unknown, with its hint" grep -q "badge with hint 9999" "$T/unk"
check "no UID printed" sh -c "! grep -qi -e 04999999 -e 04a0a0a1 -e 04f0f0f1 '$T/unk' '$T/ann' '$T/fay'"
ctl explain nobody >"$T/out" 2>&1
check "unknown member: EX_NOINPUT" test $? -eq 66

# lockout_rule M: the pass of the "lockout" step (True, False or None).
lockout_rule() {
	ctl --json explain "$1" | python3 -c "
import json, sys
print([r['pass'] for r in json.load(sys.stdin)['rules'] if r['rule'] == 'lockout'][0])"
}
check "no seuild: the lockout step is unknown, not passed" test "$(lockout_rule ann)" = None
check "no seuild: said in the text" grep -q "^  \[--\] lockout .*seuild is not running" "$T/ann"
locked_null() { ctl --json explain ann | grep -q '"locked_out":null'; }
check "no seuild: locked_out null at every reader" locked_null

# Clock: this machine's clock may or may not be NTP-synced; explain says
# which, and the policy follows it.
synced=$(ctl --json explain ann | python3 -c "import json,sys; print(json.load(sys.stdin)['clock_synced'])")
set_policy deny
if [ "$synced" = False ]; then
	check "clock_unsynced with unsynced_clock = deny" explain_is ann clock_unsynced
	set_policy members_only
	check "members_only: a member without dates or schedule passes" explain_is ann granted
	check "members_only: a schedule-free group passes" explain_is gus granted
	check "members_only: all groups scheduled: clock_unsynced" explain_is fay clock_unsynced
	check "members_only: a dated member fails on the date first" explain_is eva expired
	ctl explain fay >"$T/fay" 2>&1
	check "the clock rule names the policy" grep -q "\[NO\] clock .*unsynced_clock = members_only" "$T/fay"
else
	check "synced clock: deny changes nothing" explain_is ann granted
fi

# Against the daemon: explain and the door agree, tap by tap.
set_policy ignore 3
start_seuild || { not_ok "seuild starts"; exit 1; }
ok "seuild starts"
check "seuild runs, no reader locked: the lockout step passes" test "$(lockout_rule ann)" = True
n=0
for pair in ben:04B0B0B1:badge_revoked cat:04C0C0C1:member_disabled fay:04F0F0F1:outside_schedule; do
	IFS=: read -r who uid want <<<"$pair"
	check "explain $who before the tap" explain_is "$who" "$want" front-out
	tap front-out "$uid"
	n=$((n + 1))
	check "the daemon denies $who with $want too" wait_until 10 has_reason access_denied "$want"
done
locked() { ctl status --json | grep -q '"name":"front-out"[^}]*"locked_out":true'; }
check "three denials lock front-out" wait_until 10 locked
check "locked_out at the locked reader" explain_is ann locked_out front-out
check "granted at the other reader" explain_is ann granted front-in
ctl explain ann >"$T/ann" 2>&1
check "human output: lockout shown" grep -q "reader front-out (locked out after repeated failures): DENIED (locked_out)" "$T/ann"
check "the lockout step fails" test "$(lockout_rule ann)" = False
check "human output: the lockout step names the reader" grep -q "^  \[NO\] lockout .*reader front-out" "$T/ann"
check "a UID's explanation has the lockout step too" test "$(lockout_rule 04A0A0A1)" = False
tap front-in 04A0A0A1
check "the daemon grants ann at front-in" wait_until 10 has_event access_granted
stop_seuild
