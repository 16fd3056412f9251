#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# kill -9 at random moments with taps in flight: 50 cycles (KILL9_CYCLES) of
# start, a burst of random taps on both readers (members, a revoked badge,
# an unknown one), kill -9 after 0-600 ms.  After each restart: the first
# relay action is "locked", PRAGMA integrity_check is ok, and the daemon's
# presence matches the open visits and `seuilctl who`.  At the end:
# events.seq has no gap (against sqlite_sequence), every relay pulse has its
# committed grant stamped before it, and the revoked and unknown badges
# never opened.
. "$(dirname "$0")/../lib.sh"

CYCLES=${KILL9_CYCLES:-50}
FEEDER=$TOP/tests/soak/feeder.py
write_config <<'CONF'

[security]
lockout_failures = 32
lockout_window = 1s
lockout_time = 1s
CONF
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null &&
	ctl member add bob >/dev/null && ctl badge add bob 04B0B0B0 >/dev/null &&
	ctl member add carol >/dev/null && ctl badge add carol 04CA0001 >/dev/null &&
	ctl badge revoke "$(sqlite3 "$T/seuil.db" "select id from badges where uid_hint like '%01'")" >/dev/null ||
	{ not_ok "setup"; exit 1; }
sqlite3 "$T/seuil.db" "select status from badges" | grep -q revoked || { not_ok "carol's badge revoked"; exit 1; }
UIDS="04A1B2C3 04A1B2C3 04A1B2C3 04B0B0B0 04B0B0B0 04B0B0B0 04CA0001 04DEAD01"

first_bad=0 integrity_bad=0 presence_bad=0 start_bad=0
json_num() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }
t0=$SECONDS
for c in $(seq 1 "$CYCLES"); do
	n0=$(relay_lines)
	if ! start_seuild; then start_bad=$((start_bad + 1)); break; fi
	first=$(sed -n "$((n0 + 1))p" "$T/door/relay.log" | cut -d' ' -f2)
	[ "$first" = 0 ] || { first_bad=$((first_bad + 1)); diag "cycle $c: first relay action '$first'"; }
	if [ $((c % 5)) = 1 ]; then	# presence (daemon) = open visits = seuilctl who
		p=$(ctl status --json | json_num '["presence"]["count"]')
		v=$(sqlite3 "$T/seuil.db" "select count(*) from visits where left_ts is null")
		w=$(ctl who --json | json_num '["count"]')
		[ "$p" = "$v" ] && [ "$v" = "$w" ] ||
			{ presence_bad=$((presence_bad + 1)); diag "cycle $c: presence $p, open visits $v, who $w"; }
	fi
	spawn python3 "$FEEDER" --gap 15 --seconds 5 --seed "$c" "$T/front-in.fifo,$T/front-out.fifo" $UIDS
	feeder=$SPAWN_PID
	sleep "$(awk -v s="$c" 'BEGIN { srand(s); printf "%.3f", rand() * 0.6 }')"
	kill -9 "$SEUILD_PID"; wait "$SEUILD_PID" 2>/dev/null
	kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null
	r=$(sqlite3 "$T/seuil.db" "PRAGMA integrity_check" 2>&1)
	[ "$r" = ok ] || { integrity_bad=$((integrity_bad + 1)); diag "cycle $c: integrity_check: $r"; }
	rm -f "$T/control.sock"
done
diag "$CYCLES cycles in $((SECONDS - t0)) s, $(count_event access_granted) grants, $(count_event access_denied) denials"
check "seuild restarted every cycle" test "$start_bad" = 0
check "the first relay action after each start is locked" test "$first_bad" = 0
check "PRAGMA integrity_check ok after every kill" test "$integrity_bad" = 0
check "presence matches the open visits and seuilctl who after restarts" test "$presence_bad" = 0
python3 "$TOP/tests/soak/audit.py" "$T/seuil.db" "$T/door/relay.log"
check "the revoked and the unknown badge never opened" test "$(sqlite3 "$T/seuil.db" \
	"select count(*) from events e join badges b on b.id = e.badge_id where e.type = 'access_granted' and b.status = 'revoked'")" = 0
# A wide margin: on a loaded machine many a cycle is killed before its
# first tap is decided.
check "taps were decided across the cycles" test "$(count_event access_granted)" -ge $((CYCLES / 5))
start_seuild && check "a last start is clean" test "$(sqlite3 "$T/seuil.db" "PRAGMA integrity_check")" = ok
stop_seuild
