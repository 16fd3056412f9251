/*
 * Member import (DESIGN §10): a CSV from a membership tool or a
 * spreadsheet, shared by `seuilctl member import` and seuil-web's
 * POST /api/v1/import.
 *
 * The file: UTF-8 (a BOM is skipped), a header row, then one member a
 * row; columns name, display_name, email, groups, valid_from,
 * valid_until, public, in any order, only name required; an unknown or
 * repeated column is an error.  Fields may be quoted ("…", "" for a
 * quote).  groups are separated by ';' and must exist; dates are
 * YYYY-MM-DD ("" clears); public is yes or no ("" keeps).  Only the
 * columns present are compared and changed.
 *
 * A row whose name is new adds a member; a known name is changed where it
 * differs; with prune, every active member missing from the file is
 * disabled, and a disabled member present in it is enabled (access
 * follows the membership tool).  Erased members are never revived: their
 * names are gone.  Everything is one transaction: the whole file applies
 * or nothing does.  A dry run does the same work and rolls it back, so its
 * diff is exactly what applying would do.
 */
#ifndef SEUIL_IMPORT_H
#define SEUIL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "store.h"

struct import_opts {
	bool		 dry_run;
	bool		 prune;
	const char	*actor;		/* admin_change events: who */
};

/*
 * Returns the diff, {"added":[NAME…],"changed":[{"name":…,"fields":[…]}],
 * "disabled":[…],"enabled":[…],"unchanged":N,"applied":bool}, which the
 * caller deletes; or NULL with err "LINE:COLUMN: message" (LINE and
 * COLUMN from 1; COLUMN 0 for a whole line) and nothing changed.
 */
cJSON *import_csv(struct store *st, const char *text, size_t len,
    const struct import_opts *o, char *err, size_t errlen);

#endif
