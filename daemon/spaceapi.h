/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SpaceAPI v15 document (https://spaceapi.io): built from the site and
 * the presence count, published retained on B/spaceapi and optionally
 * written to [mqtt] spaceapi_file for a web server.
 */
#ifndef SEUIL_SPACEAPI_H
#define SEUIL_SPACEAPI_H

#include <stdint.h>

#include "config.h"

/* The document for count people present; lastchange_ms is when "open"
 * (count > 0) last flipped, 0 if unknown.  Malloc'ed text (free with
 * cJSON_free), NULL when out of memory. */
char *spaceapi_json(const struct config *conf, int count, int64_t lastchange_ms);

/*
 * Replace path with data and a newline, atomically: readers see the old
 * file or the new one.  Nothing is followed or overwritten but a regular
 * file: the temporary "<path>.tmp" is created with O_EXCL|O_NOFOLLOW in the
 * directory opened once (a stale one, or a symlink planted there, is
 * removed first), and a target that exists but is not a regular file (a
 * symlink to the database, say) is refused.  0, or -1 with errno (ELOOP
 * for a target that is not a regular file).
 */
int spaceapi_write(const char *path, const char *data);

#endif
