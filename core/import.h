/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Member import (docs/design.md, "Console API"): a CSV from a membership
 * tool or a spreadsheet, shared by `seuilctl member import`, seuil-web's
 * POST /api/v1/import and seuild, which applies it.
 *
 * The file: UTF-8 (a BOM is skipped), lines ending in LF or CRLF, a header
 * row, then one member a row; fields separated by ',' or ';' (whichever the
 * header row uses more: French spreadsheets write ';'); columns name,
 * display_name, email, groups, valid_from, valid_until, public, in any
 * order, only name required; an unknown or repeated column is an error.
 * Fields may be quoted ("…", "" for a quote).  groups are separated by ';'
 * or ',' (in a quoted field, or by the one that does not separate fields)
 * and must exist, unless create_groups is given: then the groups missing
 * are added in the same transaction, before the members; dates are
 * YYYY-MM-DD ("" clears); public is yes, no, oui, non, true, false, 1 or
 * 0 in any case ("" keeps).  Only the columns present are compared and
 * changed.
 *
 * A row whose name is new adds a member; a known name is changed where it
 * differs.  With prune, every active member missing from the file is
 * disabled; a disabled member present in the file stays disabled (an
 * admin may have disabled them on purpose) unless reenable is also given.
 * Erased members are never revived: their names are gone.
 *
 * Two steps, so that a preview needs no write access: the plan reads the
 * store and says what applying would do (import_preview); applying plans
 * again on the writer's connection under the write lock, then writes the
 * whole file in one transaction, or nothing (import_apply).
 */
#ifndef SEUIL_IMPORT_H
#define SEUIL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "store.h"

struct import_opts {
	bool		 prune;		/* disable active members missing from the file */
	bool		 reenable;	/* with prune: enable disabled members present */
	bool		 create_groups;	/* add the groups the file names and the store lacks */
	const char	*actor;		/* admin_change events: who */
};

/* Where and what: line and column from 1 (column 0: the whole line; line
 * 0: not the file's fault, e.g. the database), and the name of the
 * column, as the header has it ("" when the error is not one cell's). */
struct import_error {
	int	line, column;
	char	field[16];
	char	message[200];
};
#define IMPORT_MAX_ERRORS	50
#define IMPORT_MAX_NEW_GROUPS	50
struct import_errors {
	int			n;
	bool			more;	/* more errors than IMPORT_MAX_ERRORS */
	struct import_error	e[IMPORT_MAX_ERRORS];
	/* The groups the file names and the store lacks, sorted: what
	 * create_groups would add (errors without it). */
	int			nmissing;
	char			missing[IMPORT_MAX_NEW_GROUPS][64];
};

struct import_counts {
	int	added, changed, disabled, enabled, kept_disabled, unchanged, groups_added;
};

/*
 * What applying would do, read-only: {"added":[NAME…],"changed":[{"name":…,
 * "fields":[…]}],"disabled":[…],"enabled":[…],"kept_disabled":[…],
 * "new_groups":[…],"unchanged":N,"applied":false}, which the caller
 * deletes; or NULL with every error of the file found in one pass in
 * *errs.
 */
cJSON *import_preview(struct store *st, const char *text, size_t len,
    const struct import_opts *o, struct import_errors *errs);
/*
 * Apply it: plan and write in one transaction, each change with its
 * admin_change event.  0 with the counts, or -1 with *errs and nothing
 * changed.
 */
int import_apply(struct store *st, const char *text, size_t len,
    const struct import_opts *o, struct import_counts *n, struct import_errors *errs);
/* [{"line":…,"column":…,"field":…,"message":…}…], the caller deletes it. */
cJSON *import_errors_json(const struct import_errors *errs);
/* ["group"…]: errs->missing, the caller deletes it. */
cJSON *import_missing_json(const struct import_errors *errs);

#endif
