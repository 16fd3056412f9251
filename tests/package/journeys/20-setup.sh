# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# docs/install.md §5: the configuration from the example, here with
# simulated hardware (a sim door, a sim reader at the door and a sim desk
# reader that enrols), `seuild -n`, `seuilctl init`, seuild started by its
# unit.

CONF=/etc/seuil/seuild.conf

# conf_set SECTION KEY VALUE: set KEY in [SECTION] of the installed
# configuration (added at the end of the section when missing), the file
# rewritten in place so it keeps its owner and mode, as sudoedit does.
conf_set() {
	local f=$R$CONF
	awk -v s="[$1]" -v k="$2" -v v="$3" '
	function put() { if (!done) print k " = " v; done = 1 }
	/^\[/ { if (in_s) put(); in_s = ($0 == s) }
	in_s && $0 ~ "^[ \t]*" k "[ \t]*=" { put(); next }
	{ print }
	END { if (in_s) put(); else if (!done) { print ""; print s; print k " = " v } }' "$f" >"$f.new" &&
	    cat "$f.new" >"$f" && rm -f "$f.new"
}

# The example with the site's hardware: here simulated, as in seuil's own
# tests (README.md, "Simulated hardware").
setup_site() {
	check_out "install -m 0640 -g seuil the example as $CONF" "$R/run/seuil-test/install-conf.log" \
	    inroot install -m 0640 -g seuil /usr/share/doc/seuil/examples/seuild.conf.example "$CONF" || return 1
	conf_set door.front gpio sim
	conf_set door.front sim_dir "$SIM/front"
	conf_set door.front unlock_time 1s
	conf_set reader.front-in driver sim
	conf_set reader.front-in sim_fifo "$SIM/front-in.fifo"
	conf_set reader.desk driver sim
	conf_set reader.desk sim_fifo "$SIM/desk.fifo"
	conf_set reader.desk enrol true
	# No broker login yet (§8 adds it): seuild publishes nothing until then.
	conf_set mqtt enabled false
	inroot install -d -o seuil -g seuil -m 0750 "$SIM" "$SIM/front"
	check "the configuration stays 0640 root:seuil" test "$(mode_owner $CONF)" = "640 root:seuil"
	check_out "seuild -n: configuration OK" "$R/run/seuil-test/seuild-n.log" \
	    sh -c "chroot '$R' seuild -n | grep -qx 'configuration OK'"
	check_out "seuilctl init" "$R/run/seuil-test/init.log" inroot seuilctl init || return 1
	check "the UID key: 0600 seuil:seuil" test "$(mode_owner /etc/seuil/uid.key)" = "600 seuil:seuil"
	if base_without_credentials; then
		diag "the base package knows no DESFire credentials: no credentials key file yet"
	else
		check "the credentials key file (DESFire): 0600 seuil:seuil, 64 bytes" credkey_ok
	fi
	check "the database: seuil's, not readable by others" sh -c \
	    "m=\$(chroot '$R' stat -c '%a %U:%G' /var/lib/seuil/seuil.db); case \$m in 6[04]0\ seuil:seuil) ;; *) echo \"\$m\"; exit 1 ;; esac"
	check_out "systemctl start seuild (READY=1 under its unit)" "$R/run/seuil-test/start-seuild.log" \
	    unit start seuild || { sed 's/^/#   /' "$R/var/log/seuil-test/seuild.service.log" | tail -n 20; return 1; }
	check "seuild runs as seuil in seuil, gpio, dialout, i2c, spi" seuild_creds_ok
	base_without_credentials || check "seuild read the credentials key file (no warning in its log)" sh -c \
	    "! grep -q 'credentials key file' '$R/var/log/seuil-test/seuild.service.log'"
	check "the control socket: 0660 seuil:seuil" test "$(mode_owner /run/seuil/control.sock)" = "660 seuil:seuil"
	check_out "seuilctl status: the door locked, both readers online" "$R/run/seuil-test/status.log" \
	    sh -c "chroot '$R' seuilctl status --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
doors = {d[\"name\"]: d for d in v[\"doors\"]}
readers = {r[\"name\"]: r for r in v[\"readers\"]}
sys.exit(not (doors[\"front\"][\"state\"] == \"locked\" and all(readers[n][\"online\"] for n in (\"front-in\", \"desk\"))))'"
	# With reader_sandbox = required a reader that cannot be contained
	# stays offline: online above means contained, under the unit.
	check "the readers run contained (reader_sandbox = required, the example's)" \
	    grep -qx 'reader_sandbox = required' "$R$CONF"
	return 0
}

# The package set up is the upgrade scenario's base, older than DESFire
# credentials (its example has no [credentials]).
base_without_credentials() {
	[ "${SETUP_BASE:-0}" = 1 ] && ! grep -q '^\[credentials\]' "$R/usr/share/doc/seuil/examples/seuild.conf.example"
}
# The credentials key file seuilctl init makes: seuild's alone, 64 bytes.
credkey_ok() { [ "$(mode_owner /etc/seuil/credentials.key) $(stat -c %s "$R/etc/seuil/credentials.key")" = "600 seuil:seuil 64" ]; }

# The credentials of the running seuild: its unit's user and groups.
seuild_creds_ok() {
	local pid want have
	pid=$(cat "$R/run/seuil-test/units/seuild.service.pid") || return 1
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$(uid_of seuil)" ] || return 1
	want=$(for g in seuil gpio dialout i2c spi; do gid_of $g; done | sort -n | paste -sd' ' -)
	have=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | tr ' ' '\n' | sed '/^$/d' | sort -n | paste -sd' ' -)
	[ "$want" = "$have" ] || { diag "seuild's groups: $have, want $want"; return 1; }
	grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" &&
	    grep -q '^CapBnd:[[:space:]]*0000000000000000' "/proc/$pid/status"
}

# docs/install.md §6: the first badge, enrolled at the desk reader, opens
# the door.
journey_first_badge() {
	inroot seuilctl group add staff >/dev/null
	check_out "seuilctl member add alice --display Alice --group staff --public" "$R/run/seuil-test/m.log" \
	    inroot seuilctl member add alice --display Alice --group staff --public
	local w e
	w=$(enrol_waits)
	inroot seuilctl badge enroll alice --reader desk --timeout 20 >"$R/run/seuil-test/enroll.log" 2>&1 &
	e=$!
	wait_until 15 enrol_waits_gt "$w" || diag "seuild did not log its wait for the enrolment"
	tap desk 04A1B2C3
	if wait "$e"; then ok "seuilctl badge enroll alice --reader desk: a tap at the desk"; else
		not_ok "seuilctl badge enroll alice --reader desk: a tap at the desk"; sed 's/^/#   /' "$R/run/seuil-test/enroll.log"; fi
	local n; n=$(relay_lines)
	tap front-in 04A1B2C3
	check "alice's badge opens the door (the relay moves)" wait_until 10 relay_lines_gt "$n"
	check "access_granted and arrival are in the log" wait_until 5 sh -c \
	    "chroot '$R' seuilctl log --json | grep -q '\"type\":\"access_granted\"' && chroot '$R' seuilctl log --json | grep -q '\"type\":\"arrival\"'"
	check "the UID is stored nowhere in clear" sh -c "! grep -rqi 'a1b2c3' '$R/var/lib/seuil' '$R/var/log/seuil-test'"
}

# docs/install.md §7: seuilctl hw test, with seuild stopped (the hardware
# is its own while it runs), then seuild started again.
journey_hw_test() {
	local out=$R/run/seuil-test/hwtest.log n pid
	check_out "systemctl stop seuild (for hw test)" "$R/run/seuil-test/stop.log" unit stop seuild
	check "seuild is stopped" unit_inactive seuild
	n=$(relay_lines)
	inroot seuilctl hw test --pulse 1 --timeout 8 >"$out" 2>&1 &
	pid=$!
	wait_until 10 grep -q 'reader front-in' "$out" || sleep 2
	tap front-in 04A1B2C3
	wait "$pid"
	check "seuilctl hw test --pulse 1: the card shows its member" \
	    grep -q 'reader front-in: card: 4-byte UID, hint B2C3, enrolled: alice' "$out"
	check "hw test pulses the relay" relay_lines_gt "$n"
	check "hw test's summary: the door and both readers ok" \
	    grep -q 'summary: door front ok; reader front-in ok; reader desk ok' "$out"
	grep -q 'summary' "$out" || sed 's/^/#   /' "$out" | tail -n 10
	check_out "systemctl start seuild again" "$R/run/seuil-test/start2.log" unit start seuild
}
