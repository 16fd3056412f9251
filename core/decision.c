/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "decision.h"
#include "tz.h"

int
decision_rows_load(struct store *st, const uint8_t mac[UID_MAC_LEN], struct decision_rows *rows)
{
	int rc;

	memset(rows, 0, sizeof(*rows));
	rc = store_find_badge(st, mac, &rows->badge, &rows->member);
	if (rc == 1 && store_member_groups(st, rows->member.id, &rows->groups) == -1)
		return -1;
	return rc;
}

void
decision_input(struct access_input *in, const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms,
    bool clock_synced, bool reader_locked_out)
{
	memset(in, 0, sizeof(*in));
	in->reader_locked_out = reader_locked_out;
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

	decision_input(&in, conf, b, m, groups, now_ms, false, false);
	return access_decide(&in) == ACCESS_CLOCK_UNSYNCED;
}
