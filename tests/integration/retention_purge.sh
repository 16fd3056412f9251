#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# purge: events and closed visits just outside the retention go, those just
# inside stay, open visits always stay; status shows the last purge, with
# the daemon running and without it.
. "$(dirname "$0")/../lib.sh"

write_config </dev/null
sed -i 's/^\[store\]$/[store]\nevent_retention = 30d\nvisit_retention = 60d/' "$T/seuild.conf"
ctl init >/dev/null || { not_ok "init"; cat "$T/seuild.conf"; exit 1; }
ok "config with retention"

now=$(date +%s%3N)
day=86400000
m=60000		# a minute either side: the test takes far less
sqlite3 "$T/seuil.db" <<SQL
INSERT INTO events (ts_ms, type, reason) VALUES
  ($now - 30 * $day - $m, 'access_denied', 'outside1'),
  ($now - 30 * $day - 1000 * $day, 'access_denied', 'outside2'),
  ($now - 30 * $day + $m, 'access_denied', 'inside1'),
  ($now, 'access_denied', 'inside2');
INSERT INTO visits (member_id, door, arrived_ts, left_ts, left_reason, last_seen_ts) VALUES
  (1, 'front', $now - 61 * $day, $now - 60 * $day - $m, 'timeout', $now - 61 * $day),
  (1, 'front', $now - 61 * $day, $now - 60 * $day + $m, 'timeout', $now - 61 * $day),
  (2, 'front', $now - 900 * $day, NULL, NULL, $now - 900 * $day);
SQL

ctl status >"$T/status" 2>&1
check "status without the daemon: EX_UNAVAILABLE" test $? -eq 69
check "status says the daemon is not running" grep -q "seuild is not running" "$T/status"
check "status still shows the database" grep -q "^database: .* + WAL " "$T/status"
check "status: never purged" grep -qx "last purge: never" "$T/status"

ctl purge >"$T/out" 2>&1
check "purge exits 0" test $? -eq 0
check "purge prints the event count" grep -q "^purged 2 events older than 30d" "$T/out"
check "purge prints the visit count" grep -q "^purged 1 visit ended more than 60d ago" "$T/out"
check "events just inside stay" test "$(sqlite3 "$T/seuil.db" "SELECT group_concat(reason) FROM (SELECT reason FROM events ORDER BY seq)")" = "inside1,inside2"
check "visit just inside and the open visit stay" test "$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM visits")" = 2
check "the open visit stays" open_visits_is 1
check "last_purge recorded" test -n "$(sqlite3 "$T/seuil.db" "SELECT value FROM meta WHERE key = 'last_purge'")"

ctl --json purge >"$T/out" 2>&1
check "a second purge deletes nothing" python3 -c "
import json; d = json.load(open('$T/out')); assert d['events_deleted'] == 0 and d['visits_deleted'] == 0, d"
sqlite3 "$T/seuil.db" "INSERT INTO events (ts_ms, type) VALUES ($now, 'door_open')"
# 4 events inserted, then one admin_change per purge: the next is 7.
check "sequence numbers are not reused" test "$(sqlite3 "$T/seuil.db" "SELECT max(seq) FROM events")" = 7
check "each purge is in the audit trail" test "$(sqlite3 "$T/seuil.db" "SELECT count(*) FROM events WHERE type = 'admin_change' AND detail LIKE 'purge: %' AND actor LIKE 'uid:%'")" = 2

# At start-up seuild closes the 900-day-old open visit (its day end is long
# past) and then runs its own retention purge, which deletes that visit.
start_seuild || { not_ok "seuild starts"; exit 1; }
wait_until 5 grep -q "purge: deleted" "$T/seuild.log"
ctl status >"$T/status" 2>&1
check "status with the daemon exits 0" test $? -eq 0
check "status: MQTT line" grep -q "^mqtt: disabled" "$T/status"
check "status: readers' heartbeat" grep -q "^reader front-in (door front, in): online, .*heartbeat" "$T/status"
check "status: clock" grep -q "clock .*synced" "$T/status"
check "status: database sizes" grep -q "^database: .* + WAL " "$T/status"
check "status: last purge with counts (the daemon's own)" grep -q "^last purge: $(TZ=Europe/Paris date +%F) .*, 0 events and 1 visits deleted" "$T/status"
check "status --json: store part" sh -c "'$SEUILCTL' -f '$T/seuild.conf' status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"ok\"] and d[\"store\"][\"db_bytes\"] > 0 and d[\"store\"][\"last_purge_counts\"] == {\"events\": 0, \"visits\": 1}, d'"
ctl purge >"$T/out" 2>&1
check "purge while the daemon runs" test $? -eq 0
stop_seuild
