/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SpaceAPI v15 document (https://spaceapi.io): built from [spaceapi],
 * the presence count and the doors' office hours; seuild publishes it
 * retained on B/spaceapi and writes it to [mqtt] spaceapi_file, seuil-web
 * serves it at /spaceapi.json.  One builder for both.
 */
#ifndef SEUIL_SPACEAPI_H
#define SEUIL_SPACEAPI_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* What the document says of the space now. */
struct spaceapi_state {
	int	count;		/* people present */
	bool	office;		/* a door is in office hours */
	bool	known;		/* false: whether it is open is not known now */
	int64_t	lastchange_ms;	/* when state.open last flipped; 0 if unknown */
};

/* state.open as [spaceapi] open_from says: someone present, or office hours. */
bool spaceapi_open(const struct config *conf, const struct spaceapi_state *s);

/* The document.  The schema's required fields are always there (empty
 * text for a key not set); people_now_present only with people = true, a
 * count and never a name; state.open only when known.  Malloc'ed text
 * (free with cJSON_free), NULL when out of memory. */
char *spaceapi_json(const struct config *conf, const struct spaceapi_state *s);

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
