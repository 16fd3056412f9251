/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "decision.h"
#include "tz.h"

int
decision_rows_load(struct store *st, enum badge_kind kind, const uint8_t mac[UID_MAC_LEN],
    struct decision_rows *rows)
{
	int rc;

	memset(rows, 0, sizeof(*rows));
	rc = store_find_badge(st, kind, mac, &rows->badge, &rows->member);
	if (rc == 1 && store_member_groups(st, rows->member.id, &rows->groups) == -1)
		return -1;
	return rc;
}

void
decision_input(struct access_input *in, const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms,
    bool clock_synced, struct decision_tap tap)
{
	memset(in, 0, sizeof(*in));
	in->reader_locked_out = tap.locked_out;
	in->reader_credential = tap.reader;
	in->card = tap.card;
	in->badge_found = b != NULL;
	if (b != NULL) {
		in->badge_active = b->active;
		in->member_active = m->active;
		memcpy(in->valid_from, m->valid_from, sizeof(in->valid_from));
		memcpy(in->valid_until, m->valid_until, sizeof(in->valid_until));
		in->groups = groups;
	}
	tz_local(now_ms, &in->now);
	/* A time the C library cannot convert (past 2038 where time_t is
	 * 32-bit) is a clock that cannot be trusted: unsynced_clock decides,
	 * as for an RTC-less Pi that booted with a stale date. */
	in->clock_synced = clock_synced && in->now.date[0] != '\0';
	in->unsynced = conf->unsynced_clock;
}

bool
decision_clock_refuses(const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms)
{
	struct access_input in;
	bool found;
	/* At a reader that takes both, so that only the clock's rule can
	 * be the one that refuses. */
	struct decision_tap tap = { .reader = CREDENTIAL_BOTH,
	    .card = decision_card_of(b->kind, CREDENTIAL_BOTH, &found) };

	decision_input(&in, conf, b, m, groups, now_ms, false, tap);
	return access_decide(&in) == ACCESS_CLOCK_UNSYNCED;
}

enum access_card
decision_card_of(enum badge_kind kind, enum reader_credential reader, bool *found)
{
	if (kind == BADGE_DESFIRE && reader != CREDENTIAL_UID) {
		*found = true;
		return ACCESS_CARD_CREDENTIAL;
	}
	*found = kind == BADGE_UID;
	return ACCESS_CARD_UID;
}
