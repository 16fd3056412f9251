/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The badge path: what the door asks of the store for every tap.  Each
 * call uses a statement prepared once at open (store.c) and releases it
 * before returning, so a tap neither parses SQL nor allocates, and no read
 * transaction outlives the call to hold back a WAL checkpoint.
 */
#include "store_private.h"

#include <string.h>

struct badge_member {
	struct badge_row	*b;
	struct member_row	*m;
};

static int
row_badge_member(sqlite3_stmt *s, void *arg)
{
	struct badge_member *bm = arg;

	store_read_badge(s, 0, bm->b);
	store_read_member(s, 8, bm->m);
	return 1;
}

int
store_find_badge(struct store *st, enum badge_kind kind, const uint8_t mac[UID_MAC_LEN],
    struct badge_row *b, struct member_row *m)
{
	struct badge_member bm = { b, m };
	sqlite3_stmt *s = st->stmt[S_FIND_BADGE];

	sqlite3_bind_blob(s, 1, mac, UID_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, store_badge_kind_name(kind), -1, SQLITE_STATIC);
	return store_each(st, s, row_badge_member, &bm, "find badge");
}

/*
 * Add the row's window (GROUP_COLS, columns 2-4) to g; a group without
 * windows comes as one row whose window is NULL.  More windows than
 * struct access_group holds is an error rather than a silent truncation:
 * a schedule cut short would open the door at hours nobody set.  0 or -1.
 */
int
store_read_window(struct store *st, sqlite3_stmt *s, struct access_group *g)
{
	struct schedule_window *w;

	if (sqlite3_column_type(s, 2) == SQLITE_NULL)
		return 0;
	if (g->nwindows == ACCESS_MAX_WINDOWS) {
		store_seterr(st, STORE_EINVAL, "group %s has more than %d windows",
		    g->name, ACCESS_MAX_WINDOWS);
		return -1;
	}
	w = &g->windows[g->nwindows++];
	w->days_mask = (uint8_t)sqlite3_column_int(s, 2);
	w->start_min = (uint16_t)sqlite3_column_int(s, 3);
	w->end_min = (uint16_t)sqlite3_column_int(s, 4);
	return 0;
}

struct member_groups {
	struct store		*st;
	struct access_groups	*out;
	int64_t			 member_id;
};

/* Rows come ordered by group, so a new id starts the next group. */
static int
row_member_group(sqlite3_stmt *s, void *arg)
{
	struct member_groups *mg = arg;
	struct access_groups *out = mg->out;
	struct access_group *g = NULL;
	int64_t gid = sqlite3_column_int64(s, 0);

	if (out->ngroups > 0)
		g = &out->groups[out->ngroups - 1];
	if (g == NULL || g->id != gid) {
		/* Refuse rather than truncate: the caller denies on error,
		 * and seuilctl keeps within the limits. */
		if (out->ngroups == ACCESS_MAX_GROUPS) {
			store_seterr(mg->st, STORE_EINVAL, "member %lld is in more "
			    "than %d groups", (long long)mg->member_id,
			    ACCESS_MAX_GROUPS);
			return -1;
		}
		g = &out->groups[out->ngroups++];
		g->id = gid;
		store_text(g->name, sizeof(g->name), s, 1);
		g->offline_ok = sqlite3_column_int(s, 5) != 0;
	}
	return store_read_window(mg->st, s, g);
}

int
store_member_groups(struct store *st, int64_t member_id, struct access_groups *out)
{
	struct member_groups mg = { st, out, member_id };
	sqlite3_stmt *s = st->stmt[S_MEMBER_GROUPS];

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(s, 1, member_id);
	return store_each(st, s, row_member_group, &mg, "member groups") == -1 ? -1 : 0;
}

int
store_badge_seen(struct store *st, int64_t badge_id, int64_t ts_ms)
{
	return store_run_ids(st, st->stmt[S_BADGE_SEEN], badge_id, ts_ms, "badge seen");
}
