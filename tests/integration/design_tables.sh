#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/design.md is the contract: the names it lists must be exactly those
# of the code's tables.  Each check below reads one list from the document
# (a table whose first column is a name in backticks, under a given
# heading) and the same list from the code, and names what either lacks.
# To check a new list: a code_* function that prints it from the code's
# table, and `same LABEL <(doc_names HEADING) <(code_...)`.
. "$(dirname "$0")/../lib.sh"

DOC=$TOP/docs/design.md

# doc_rows H2 [H3]: the cells of the table rows that start with a name in
# backticks, under "## H2" and, given H3, under its "### H3" (without H3:
# before any "###" of H2), one row a line, cells separated by tabs, the
# backticks and the blanks around each cell removed.
doc_rows() {
	awk -v h2="$1" -v h3="${2:-}" '
		/^## / { cur2 = substr($0, 4); cur3 = ""; next }
		/^### / { cur3 = substr($0, 5); next }
		cur2 != h2 || cur3 != h3 || !/^\| `[^`]+` \|/ { next }
		{
			n = split($0, cell, /\|/)
			out = ""
			for (i = 2; i < n; i++) {
				c = cell[i]
				gsub(/`/, "", c)
				gsub(/^[ \t]+|[ \t]+$/, "", c)
				out = out (i > 2 ? "\t" : "") c
			}
			print out
		}' "$DOC"
}

# doc_names H2 [H3]: the names alone.
doc_names() { doc_rows "$@" | cut -f1; }

# switch_names FILE FUNCTION ENUM_PREFIX: the strings FUNCTION returns, one
# per "case ENUM_PREFIX...: return "name";" line of its body.
switch_names() {
	awk -v fn="$2" -v pre="$3" '
		$0 ~ "^" fn "\\(" { inside = 1; next }
		inside && /^}/ { exit }
		inside && $0 ~ "case " pre "[A-Z_]*:[ \t]*return \"" {
			split($0, q, "\"")
			print q[2]
		}' "$TOP/$1"
}

# same LABEL DOC_FILE CODE_FILE: ok when both hold the same names (order
# and repeats aside), else not ok with what each lacks.  An empty list
# from the code means the parsing below is broken: that fails too.
same() {
	local label=$1 missing extra
	sort -u "$2" >"$T/same.doc"
	sort -u "$3" >"$T/same.code"
	if [ ! -s "$T/same.code" ]; then
		not_ok "$label: found none in the code (is the parsing in this test still right?)"
		return
	fi
	missing=$(comm -13 "$T/same.doc" "$T/same.code" | tr "\t" " " | paste -sd, -)
	extra=$(comm -23 "$T/same.doc" "$T/same.code" | tr "\t" " " | paste -sd, -)
	[ -z "$missing" ] || diag "$label in the code, not in docs/design.md: ${missing//,/, }"
	[ -z "$extra" ] || diag "$label in docs/design.md, not in the code: ${extra//,/, }"
	check "$label: docs/design.md lists exactly the code's" test -z "$missing$extra"
}

# ---- configuration keys: core/config_keys.c's table, as seuild -nv prints
# it (config_print walks the table: every key, defaults included) ----

# A config with one door and one reader, so that every section is printed.
cat >"$T/keys.conf" <<'CONF'
[door.d]
[reader.r]
connstring = pn532_uart:/dev/null
door = d
CONF

# section.key<TAB>value from a configuration in seuild's syntax.
conf_keys() {
	awk '
		/^\[/ { s = $0; gsub(/^\[|\]$/, "", s); sub(/\..*/, "", s); next }
		/^[a-z_]+ =/ {
			k = $1
			v = $0; sub(/^[^=]*= ?/, "", v)
			print s "." k "\t" v
		}' "$1"
}

code_config() {
	"$SEUILD" -nv -f "$T/keys.conf" >"$T/canon.txt" || return 1
	conf_keys "$T/canon.txt"
}

# The same from the tables of "## Configuration", one a "### [SECTION]"
# (or "### [SECTION.NAME]"); a default written with <site.name> is that of
# the site name of the test's config, lab.
doc_config() {
	awk '
		/^## / { inside = $0 == "## Configuration"; next }
		inside && /^### \[/ { s = $2; gsub(/^\[|\]$/, "", s); sub(/\..*/, "", s); next }
		inside && /^\| `[^`]+` \|/ {
			split($0, cell, /\|/)
			k = cell[2]; v = cell[3]
			gsub(/`|^[ \t]+|[ \t]+$/, "", k); gsub(/`|^[ \t]+|[ \t]+$/, "", v)
			gsub(/<site\.name>/, "lab", v)
			print s "." k "\t" v
		}' "$DOC"
}

code_config >"$T/code_config.tsv"
doc_config >"$T/doc_config.tsv"
same "config keys" <(cut -f1 "$T/doc_config.tsv") <(cut -f1 "$T/code_config.tsv")
# Defaults, but for the keys this test's config sets.
conf_keys "$T/keys.conf" | cut -f1 >"$T/set_keys"
unset_keys() { awk -F'\t' 'NR == FNR { set[$1]; next } !($1 in set)' "$T/set_keys" "$1" | sort; }
unset_keys "$T/code_config.tsv" >"$T/code_defaults"
unset_keys "$T/doc_config.tsv" >"$T/doc_defaults"
if ! cmp -s "$T/doc_defaults" "$T/code_defaults"; then
	diag "defaults, docs/design.md (<) against seuild -nv (>):"
	diff "$T/doc_defaults" "$T/code_defaults" | grep '^[<>]' | sed 's/^/# /'
fi
check "config defaults: docs/design.md shows seuild's" cmp -s "$T/doc_defaults" "$T/code_defaults"

# ---- denial and departure reasons: the names the code's switches give ----

same "denial reasons" <(doc_names Events "Denial reasons") \
    <(switch_names core/access.c access_reason_name ACCESS_ | grep -vx granted)
same "departure reasons" <(doc_names Events "Departure reasons") \
    <(switch_names daemon/presence.c presence_reason_name PRESENCE_)
same "office hours reasons" <(doc_names Events "Office hours reasons") \
    <(switch_names daemon/office.c office_reason_name OFFICE_)

# ---- console API routes: web/api.c's route table, "METHOD PATTERN<TAB>role" ----

code_routes() {
	awk '
		/} routes\[\] = \{/ { inside = 1; next }
		inside && /^};/ { exit }
		inside && /^[ \t]*\{ "/ {
			split($0, q, "\"")
			role = $0
			sub(/.*NEED_/, "", role); sub(/[^A-Z].*/, "", role)
			print q[2] " " q[4] "\t" tolower(role)
		}' "$TOP/web/api.c"
}
code_routes >"$T/code_routes.tsv"
doc_rows "Console API" | cut -f1,2 >"$T/doc_routes.tsv"
same "console API routes" <(cut -f1 "$T/doc_routes.tsv") <(cut -f1 "$T/code_routes.tsv")
same "console API routes with their roles" "$T/doc_routes.tsv" "$T/code_routes.tsv"

# ---- seuilctl's commands: its command table, as seuilctl --help lists it ----

code_seuilctl() {
	"$SEUILCTL" --help 2>&1 | awk '
		/^  [a-z]/ {
			w = $1
			if ($2 ~ /^[a-z][a-z-]*$/)
				w = w " " $2
			print w
		}'
}
same "seuilctl commands" <(doc_names Programs seuilctl) <(code_seuilctl)

# ---- event types ----
# core/event_type.c's table, one { "name", FLAGS } line a type; the store
# refuses any other.
code_event_types() {
	sed -n 's/^\t{ "\([a-z_]*\)",[[:space:]]*[A-Z_0-9|]* },$/\1/p' "$TOP/core/event_type.c"
}
same "event types" <(doc_names Events) <(code_event_types)

# ---- control commands ----
# core/control.c names each command ("[CONTROL_X] = { "name", ..."), seuild's
# table gives it its role ("{ CONTROL_X, ROLE_Y, handler }"):
# "command<TAB>role" with the role as docs/design.md says it (read, operate,
# admin), which lists them in "Control protocol", "Commands".
code_control_commands() {
	sed -n 's/^\t\[CONTROL_\([A-Z_]*\)\][[:space:]]*= { "\([a-z_]*\)".*/\1 \2/p' \
	    "$TOP/core/control.c" | sort >"$T/cmd.names"
	sed -n 's/^\t{ CONTROL_\([A-Z_]*\),[[:space:]]*ROLE_\([A-Z]*\),.*/\1 \2/p' \
	    "$TOP/daemon/control_requests.c" | sort >"$T/cmd.roles"
	join "$T/cmd.names" "$T/cmd.roles" | awk '{ printf "%s\t%s\n", $2, tolower($3) }'
}
code_control_commands >"$T/code_control.tsv"
same "control commands" <(doc_names "Control protocol" Commands) <(cut -f1 "$T/code_control.tsv")
same "control commands with their roles" <(doc_rows "Control protocol" Commands | cut -f1,2) \
    "$T/code_control.tsv"
