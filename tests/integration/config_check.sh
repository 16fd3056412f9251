#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seuild -n: "configuration OK" and 0, or FILE:LINE errors and 78.
. "$(dirname "$0")/../lib.sh"

out=$("$SEUILD" -n -f "$TOP/config/seuild.conf.example" 2>/dev/null)
check "example config is valid" test "$out" = "configuration OK"

# The control groups: a missing one is said, exactly, but is no error.
write_config </dev/null
sed -i 's/^socket = .*/&\nread_group = root\noperate_group = root\nadmin_group = seuil-no-such-group/' "$T/seuild.conf"
"$SEUILD" -n -f "$T/seuild.conf" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "a missing admin_group: still OK (exit $rc)" sh -c "[ $rc -eq 0 ] && grep -qx 'configuration OK' '$T/out.txt'"
check "and said, naming the key, the group and what only root may then do" \
	grep -q "seuild.conf: \[control\] admin_group 'seuil-no-such-group': no such group: only root and seuild's own user may change members" "$T/err.txt"
check "groups that exist are not mentioned" sh -c "! grep -q 'read_group\|operate_group' '$T/err.txt'"

# [backup] dir: seuild takes the snapshots, so one it cannot write is said.
write_config </dev/null
printf '[backup]\ndir = %s\n' "$T/no-such-dir" >>"$T/seuild.conf"
"$SEUILD" -n -f "$T/seuild.conf" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
check "a [backup] dir seuild cannot write: still OK (exit $rc)" sh -c "[ $rc -eq 0 ] && grep -qx 'configuration OK' '$T/out.txt'"
check "and said, with the folder, why and what to change" \
	grep -q "seuild.conf: \[backup\] dir '$T/no-such-dir': No such file or directory: backups will fail until seuild may write there (its owner, and under systemd seuild.service's ReadWritePaths)" "$T/err.txt"
mkdir "$T/no-such-dir"
"$SEUILD" -n -f "$T/seuild.conf" >/dev/null 2>"$T/err.txt"
check "a [backup] dir it can write is not mentioned" sh -c "! grep -q backup '$T/err.txt'"

write_config </dev/null
check "test config is valid" "$SEUILD" -n -f "$T/seuild.conf"
"$SEUILD" -nv -f "$T/seuild.conf" >"$T/canon.txt"
check "-nv prints the canonical config" grep -q '^\[door.front\]' "$T/canon.txt"
# The canonical form is itself a valid config that prints the same.
grep -v '^configuration OK' "$T/canon.txt" >"$T/canon.conf"
"$SEUILD" -nv -f "$T/canon.conf" | grep -v '^configuration OK' >"$T/canon2.txt"
check "canonical form is stable" cmp -s "$T/canon.conf" "$T/canon2.txt"

printf '[site]\nname = lab\nbogus = 1\n[door.front]\ngpio = sim\nsim_dir = /tmp\nunlock_time = 5x\n' >"$T/bad.conf"
"$SEUILD" -n -f "$T/bad.conf" >"$T/err.txt" 2>&1
rc=$?
check "bad config exits 78 (got $rc)" test $rc -eq 78
check "unknown key named with file:line" grep -q "bad.conf:3: .*bogus" "$T/err.txt"
check "bad value named with file:line" grep -q "bad.conf:7: .*unlock_time" "$T/err.txt"
"$SEUILD" -n -f "$T/missing.conf" >/dev/null 2>&1
check "missing config exits 78" test $? -eq 78
"$SEUILD" --version | grep -q '^seuild [0-9]'
check "--version" test $? -eq 0
"$SEUILD" -x >/dev/null 2>&1
check "bad option exits 64" test $? -eq 64
