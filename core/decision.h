/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The input of a door decision, built from the store.  The door (seuild's
 * badge path) and `seuilctl explain` both build it here, so explain shows
 * the decision the door makes, not a copy of it.
 */
#ifndef SEUIL_DECISION_H
#define SEUIL_DECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "access.h"
#include "config.h"
#include "store.h"

/* What the store holds about a badge: its row, its member's and the
 * member's groups with their schedules.  A loaner badge of the pool has
 * its loaner row, the open pass it is lent to (guest.id 0: none), and as
 * member and groups its guest's sponsor's. */
struct decision_rows {
	struct badge_row	badge;
	struct member_row	member;
	struct access_groups	groups;
	bool			loaner;
	struct loaner_row	l;
	struct guest_row	guest;
};

/*
 * Look up the rows of a badge by its MAC: a member's badge, else a loaner
 * of the pool.  Returns 1 when the badge is known (revoked, in the pool or
 * not: the policy decides), 0 when it is unknown, -1 on a store error (the
 * caller denies).
 */
int decision_rows_load(struct store *st, const uint8_t mac[UID_MAC_LEN],
    struct decision_rows *rows);

/*
 * Fill *in for a badge (b NULL: an unknown badge) of member m with groups,
 * at wall time now_ms, with the clock's sync state and the reader's lockout.
 */
void decision_input(struct access_input *in, const struct config *conf,
    const struct badge_row *b, const struct member_row *m, const struct access_groups *groups,
    int64_t now_ms, bool clock_synced, bool reader_locked_out);
/* The same from the rows decision_rows_load gave (NULL: an unknown badge),
 * a guest's included: the door and `explain` both build it here. */
void decision_input_rows(struct access_input *in, const struct config *conf,
    const struct decision_rows *rows, int64_t now_ms, bool clock_synced,
    bool reader_locked_out);

#endif
