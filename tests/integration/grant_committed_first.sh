#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A grant whose transaction fails is never published on MQTT, and the seq
# it would have had is not skipped: the next committed event is published.
# (A trigger makes the badge's last_seen update fail after the
# access_granted row was appended inside the grant's transaction.)
. "$(dirname "$0")/../lib.sh"

start_broker || { not_ok "broker starts"; exit 1; }
B=seuil/test
write_config </dev/null
python3 - "$T/seuild.conf" "$BROKER_PORT" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[mqtt]\nenabled = false\n", "[mqtt]\nhost = 127.0.0.1\nport = %s\nhomeassistant = false\n" % sys.argv[2])
open(p, "w").write(s)
PY
ctl init >/dev/null && ctl member add alice >/dev/null && ctl badge add alice 04A1B2C3 >/dev/null
sub_start "$T/events.txt" "$B/events" || { not_ok "the subscriber starts"; exit 1; }
start_seuild || { not_ok "seuild starts"; exit 1; }
published() { grep -q "\"type\":\"$1\"" "$T/events.txt"; }
wait_until 10 published daemon_start

sqlite3 -cmd ".timeout 5000" "$T/seuil.db" "CREATE TRIGGER rev_fail BEFORE UPDATE OF last_seen ON badges BEGIN SELECT RAISE(ABORT, 'rev test'); END;"
tap front-in 04A1B2C3
check "failed grant is logged as not recorded" wait_until 5 grep -q "grant not recorded" "$T/seuild.log"
tap front-in 04DEAD00
check "the next event (a denial) is published" wait_until 10 published access_denied
check "no access_granted row was committed" test "$(count_event access_granted)" = 0
check "no access_granted was published" sh -c "! grep -q access_granted '$T/events.txt'"
check "the door stayed locked" relay_is 0
stop_seuild
