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
 * Look up the rows of a badge by its kind and MAC (a UID's, or a DESFire
 * credential's): a member's badge, else (a UID) a loaner of the pool.
 * Returns 1 when the badge is known (revoked, in the pool or not: the
 * policy decides), 0 when it is unknown, -1 on a store error (the caller
 * denies).
 */
int decision_rows_load(struct store *st, enum badge_kind kind, const uint8_t mac[UID_MAC_LEN],
    struct decision_rows *rows);

/* The tap as the reader saw it. */
struct decision_tap {
	enum reader_credential	reader;		/* what the reader takes */
	enum access_card	card;		/* what the card showed */
	bool			locked_out;	/* the reader is locked out */
};

/*
 * Fill *in for a badge (b NULL: an unknown badge) of member m with groups,
 * at wall time now_ms, with the clock's sync state and the tap (by value:
 * a caller cannot leave it out).
 */
void decision_input(struct access_input *in, const struct config *conf,
    const struct badge_row *b, const struct member_row *m, const struct access_groups *groups,
    int64_t now_ms, bool clock_synced, struct decision_tap tap);
/* The same from the rows decision_rows_load gave (NULL: an unknown badge),
 * a guest's included: the door and `explain` both build it here. */
void decision_input_rows(struct access_input *in, const struct config *conf,
    const struct decision_rows *rows, int64_t now_ms, bool clock_synced,
    struct decision_tap tap);

/*
 * What a reader that takes `reader` sees of a card enrolled as a badge of
 * kind (the explanation's question): the card it shows, and whether the
 * door's lookup finds that badge.  A DESFire badge at a reader that reads
 * no credentials shows its UID, which no badge of kind uid holds.
 */
enum access_card decision_card_of(enum badge_kind kind, enum reader_credential reader,
    bool *found);

/*
 * Whether the door would refuse badge b of member m at now_ms, with the
 * clock not NTP-synced, for that reason (clock_unsynced, by [security]
 * unsynced_clock): who the console names while the clock is unsynced.
 */
bool decision_clock_refuses(const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms);

#endif
