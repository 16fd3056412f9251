/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The projection of the member data that travels from a site's primary to
 * its replicas (site_acl.h): built on the primary from the same tables the
 * door's decision reads (core/decision.c through store_find_badge and
 * store_member_groups), applied on a replica into those same tables.
 */
#include "site_acl.h"
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "access.h"
#include "render_json.h"
#include "site_sig.h"

#define META_EPOCH	"acl_epoch"
#define META_REV	"acl_rev"
#define META_VERIFIED	"acl_verified"
#define META_APPLYING	"acl_applying"
#define FORMAT		1
#define TEXT_MAX	128	/* a travelling text: a status, a date, a display name */
#define BLOB_MAX	64

enum kind { K_MEMBER, K_BADGE, K_GROUP, K_LOANER, K_GUEST, K_COUNT };

static const struct {
	const char	*name;		/* acl_log.kind */
	const char	*list;		/* the body's array */
	const char	*table;
} kinds[K_COUNT] = {
	[K_MEMBER] = { "member", "members", "members" },
	[K_BADGE] = { "badge", "badges", "badges" },
	[K_GROUP] = { "group", "groups", "groups" },
	[K_LOANER] = { "loaner", "loaners", "loaners" },
	[K_GUEST] = { "guest", "guests", "guests" },
};

enum ctype { C_INT, C_TEXT, C_BLOB };

/*
 * What travels: every column of the member data that the access decision
 * reads, or that a replica shows (a public member's display name, for its
 * own presence), and nothing else.  This list is the one place: the
 * snapshot, the delta, the apply and the digest walk it, so a column
 * added to a decision travels by adding its line here (and, for a column
 * of badges, to the change log's triggers in core/schema.c, which list
 * the badge columns they watch).  expr is read on the primary; column is
 * where a replica keeps it, which its own projection reads back with the
 * same expr.  The first column of each kind is its id.  Each member also
 * carries its groups, each group its windows (below).
 */
static const struct column {
	enum kind	 kind;
	const char	*field;		/* in the body */
	const char	*expr;		/* SELECT expression over the table */
	const char	*column;	/* the table's column */
	enum ctype	 type;
} columns[] = {
	{ K_MEMBER, "id", "id", "id", C_INT },
	{ K_MEMBER, "status", "status", "status", C_TEXT },
	{ K_MEMBER, "valid_from", "valid_from", "valid_from", C_TEXT },
	{ K_MEMBER, "valid_until", "valid_until", "valid_until", C_TEXT },
	{ K_MEMBER, "public", "public", "public", C_INT },
	/* The name a replica's presence shows: only a public member's. */
	{ K_MEMBER, "display", "CASE WHEN public = 1 AND erased IS NULL"
	    " THEN coalesce(display_name, name) END", "display_name", C_TEXT },
	{ K_MEMBER, "erased", "erased", "erased", C_INT },
	{ K_BADGE, "id", "id", "id", C_INT },
	{ K_BADGE, "member", "member_id", "member_id", C_INT },
	{ K_BADGE, "mac", "uid_mac", "uid_mac", C_BLOB },
	{ K_BADGE, "status", "status", "status", C_TEXT },
	/* A DESFire badge's mac is its credential's: the door looks it up
	 * by kind and mac. */
	{ K_BADGE, "kind", "kind", "kind", C_TEXT },
	{ K_GROUP, "id", "id", "id", C_INT },
	{ K_GROUP, "name", "name", "name", C_TEXT },
	{ K_GROUP, "offline_ok", "offline_ok", "offline_ok", C_INT },
	/* The pool: a loaner is found by its MAC (core/decision.c through
	 * store_find_loaner), and its label names it in the tap's event. */
	{ K_LOANER, "id", "id", "id", C_INT },
	{ K_LOANER, "mac", "uid_mac", "uid_mac", C_BLOB },
	{ K_LOANER, "label", "label", "label", C_TEXT },
	/* A pass: the loaner lent on it while it is open, the sponsor whose
	 * status, dates and groups decide, and its end.  Not the guest's
	 * name (the door never reads it, and presence counts a guest without
	 * naming them: docs/site.md), nor why it ended. */
	{ K_GUEST, "id", "id", "id", C_INT },
	{ K_GUEST, "sponsor", "sponsor_id", "sponsor_id", C_INT },
	{ K_GUEST, "ends", "ends", "ends", C_INT },
	{ K_GUEST, "ended", "ended", "ended", C_INT },
	{ K_GUEST, "loaner", "loaner_id", "loaner_id", C_INT },
};
#define NCOLUMNS	(sizeof(columns) / sizeof(columns[0]))

/*
 * A replica's own columns of a row it is given: a member's name is unique
 * and required, and a replica never receives the real one; nor a guest's;
 * when a loaner or a pass was made is the primary's business.
 */
static const struct {
	const char	*columns;	/* ", name" */
	const char	*values;	/* ", 'member-' || ?1" */
} local[K_COUNT] = {
	[K_MEMBER] = { ", name", ", 'member-' || ?1" },
	[K_BADGE] = { "", "" },
	[K_GROUP] = { "", "" },
	[K_LOANER] = { ", created", ", 0" },
	[K_GUEST] = { ", name, created", ", 'guest-' || ?1, 0" },
};

const char *
site_msg_type_name(enum site_msg_type t)
{
	switch (t) {
	case SITE_MSG_SNAPSHOT:
		return "snapshot";
	case SITE_MSG_DELTA:
		return "delta";
	case SITE_MSG_HEAD:
	default:
		return "head";
	}
}

/* ---- building bodies (the primary; a replica for its digest) ---- */

/* "SELECT e1, e2, ... FROM table" for kind. */
static void
select_sql(enum kind k, const char *where, char *sql, size_t len)
{
	size_t n = (size_t)snprintf(sql, len, "SELECT ");
	size_t i;
	bool first = true;

	for (i = 0; i < NCOLUMNS; i++) {
		if (columns[i].kind != k)
			continue;
		n += (size_t)snprintf(sql + n, len - n, "%s%s", first ? "" : ", ",
		    columns[i].expr);
		first = false;
	}
	snprintf(sql + n, len - n, " FROM %s%s ORDER BY id", kinds[k].table, where);
}

static void
add_value(cJSON *o, const char *field, enum ctype type, sqlite3_stmt *s, int col)
{
	char b64[BLOB_MAX * 2];
	int n;

	if (sqlite3_column_type(s, col) == SQLITE_NULL) {
		cJSON_AddNullToObject(o, field);
		return;
	}
	switch (type) {
	case C_INT:
		cJSON_AddNumberToObject(o, field, (double)sqlite3_column_int64(s, col));
		break;
	case C_TEXT:
		cJSON_AddStringToObject(o, field, (const char *)sqlite3_column_text(s, col));
		break;
	case C_BLOB:
		n = sqlite3_column_bytes(s, col);
		if (n > BLOB_MAX)
			n = BLOB_MAX;
		site_b64_encode(sqlite3_column_blob(s, col), (size_t)n, b64);
		cJSON_AddStringToObject(o, field, b64);
		break;
	}
}

struct build {
	struct store	*st;
	enum kind	 k;
	cJSON		*list;
	sqlite3_stmt	*sub;		/* a member's groups, a group's windows */
	int64_t		 base, rev;
};

static int
row_sub_int(sqlite3_stmt *s, void *arg)
{
	cJSON_AddItemToArray(arg, cJSON_CreateNumber((double)sqlite3_column_int64(s, 0)));
	return 0;
}

static int
row_window(sqlite3_stmt *s, void *arg)
{
	cJSON *w = cJSON_CreateArray();
	int i;

	for (i = 0; i < 3; i++)
		cJSON_AddItemToArray(w, cJSON_CreateNumber(sqlite3_column_int(s, i)));
	cJSON_AddItemToArray(arg, w);
	return 0;
}

static int
row_object(sqlite3_stmt *s, void *arg)
{
	struct build *b = arg;
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;
	int col = 0;

	for (i = 0; i < NCOLUMNS; i++)
		if (columns[i].kind == b->k)
			add_value(o, columns[i].field, columns[i].type, s, col++);
	cJSON_AddItemToArray(b->list, o);
	if (b->sub == NULL)
		return 0;
	a = cJSON_AddArrayToObject(o, b->k == K_MEMBER ? "groups" : "windows");
	sqlite3_bind_int64(b->sub, 1, sqlite3_column_int64(s, 0));
	return store_each(b->st, b->sub, b->k == K_MEMBER ? row_sub_int : row_window, a,
	    "projection") == -1 ? -1 : 0;
}

/* The rows of kind k (all, or those the change log touched in (base,
 * rev]) into a new array of parent. */
static int
build_kind(struct store *st, cJSON *parent, enum kind k, bool changed, int64_t base,
    int64_t rev)
{
	static const char *const subs[K_COUNT] = {
		[K_MEMBER] = "SELECT group_id FROM member_groups WHERE member_id = ?1"
		    " ORDER BY group_id",
		[K_GROUP] = "SELECT days, start_min, end_min FROM schedule_windows"
		    " WHERE group_id = ?1 ORDER BY rowid",
	};
	struct build b = { .st = st, .k = k, .base = base, .rev = rev };
	char sql[1024], where[160];
	sqlite3_stmt *s = NULL;
	int rc = -1;

	b.list = cJSON_AddArrayToObject(parent, kinds[k].list);
	if (changed)
		snprintf(where, sizeof(where), " WHERE id IN (SELECT ref FROM acl_log"
		    " WHERE kind = '%s' AND id > ?1 AND id <= ?2)", kinds[k].name);
	else
		where[0] = '\0';
	select_sql(k, where, sql, sizeof(sql));
	if (store_prepare(st, sql, &s) == -1)
		return -1;
	if (subs[k] != NULL && store_prepare(st, subs[k], &b.sub) == -1)
		goto out;
	if (changed) {
		sqlite3_bind_int64(s, 1, base);
		sqlite3_bind_int64(s, 2, rev);
	}
	rc = store_each(st, s, row_object, &b, "projection") == -1 ? -1 : 0;
out:
	sqlite3_finalize(b.sub);
	sqlite3_finalize(s);
	return rc;
}

/* The ids the change log touched in (base, rev] that no longer exist. */
static int
build_deleted(struct store *st, cJSON *parent, enum kind k, int64_t base, int64_t rev)
{
	char sql[256];
	sqlite3_stmt *s;
	cJSON *a = cJSON_AddArrayToObject(parent, kinds[k].list);
	int rc;

	snprintf(sql, sizeof(sql), "SELECT DISTINCT ref FROM acl_log WHERE kind = '%s'"
	    " AND id > ?1 AND id <= ?2 AND ref NOT IN (SELECT id FROM %s) ORDER BY ref",
	    kinds[k].name, kinds[k].table);
	if (store_prepare(st, sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, base);
	sqlite3_bind_int64(s, 2, rev);
	rc = store_each(st, s, row_sub_int, a, "projection") == -1 ? -1 : 0;
	sqlite3_finalize(s);
	return rc;
}

static cJSON *
head_json(const struct site_head *h)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", site_msg_type_name(h->type));
	cJSON_AddStringToObject(o, "site", h->site);
	cJSON_AddStringToObject(o, "node", h->node);
	cJSON_AddNumberToObject(o, "format", FORMAT);
	cJSON_AddNumberToObject(o, "epoch", (double)h->epoch);
	if (h->type == SITE_MSG_DELTA)
		cJSON_AddNumberToObject(o, "base", (double)h->base);
	cJSON_AddNumberToObject(o, "rev", (double)h->rev);
	cJSON_AddNumberToObject(o, "issued_ms", (double)h->issued_ms);
	if (h->type == SITE_MSG_HEAD)
		cJSON_AddNumberToObject(o, "interval_ms", (double)h->interval_ms);
	return o;
}

/* The projection (every row) into o. */
static int
build_all(struct store *st, cJSON *o)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (build_kind(st, o, k, false, 0, 0) == -1)
			return -1;
	return 0;
}

/* A read transaction, so that the revision and the rows agree. */
static int
read_begin(struct store *st)
{
	return store_exec(st, "BEGIN", "projection");
}

static void
read_end(struct store *st)
{
	store_exec(st, "COMMIT", "projection");
}

char *
site_acl_snapshot(struct store *st, struct site_head *h)
{
	cJSON *o = NULL;

	if (read_begin(st) == -1)
		return NULL;
	if ((h->rev = store_acl_rev(st)) == -1)
		goto fail;
	h->type = SITE_MSG_SNAPSHOT;
	o = head_json(h);
	if (build_all(st, o) == -1)
		goto fail;
	read_end(st);
	return render_json_print(o);
fail:
	cJSON_Delete(o);
	read_end(st);
	return NULL;
}

char *
site_acl_delta(struct store *st, struct site_head *h, bool *empty)
{
	cJSON *o = NULL, *up, *del;
	int k;

	*empty = false;
	if (read_begin(st) == -1)
		return NULL;
	if ((h->rev = store_acl_rev(st)) == -1)
		goto fail;
	if (h->rev <= h->base) {
		*empty = true;
		goto fail;
	}
	/* The log is pruned below its last ACL_LOG_KEEP rows (store_purge):
	 * a delta from further back would miss changes. */
	if (store_acl_pruned(st, h->base) != 0) {
		if (st->errcode == STORE_OK)
			store_seterr(st, STORE_ENOENT, "the change log no longer goes back to "
			    "revision %lld", (long long)h->base);
		goto fail;
	}
	h->type = SITE_MSG_DELTA;
	o = head_json(h);
	up = cJSON_AddObjectToObject(o, "upsert");
	del = cJSON_AddObjectToObject(o, "delete");
	for (k = 0; k < K_COUNT; k++)
		if (build_kind(st, up, k, true, h->base, h->rev) == -1 ||
		    build_deleted(st, del, k, h->base, h->rev) == -1)
			goto fail;
	read_end(st);
	return render_json_print(o);
fail:
	cJSON_Delete(o);
	read_end(st);
	return NULL;
}

char *
site_acl_head(const struct site_head *h)
{
	struct site_head c = *h;

	c.type = SITE_MSG_HEAD;
	return render_json_print(head_json(&c));
}

int
site_acl_digest(struct store *st, char hex[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];
	cJSON *o = cJSON_CreateObject();
	char *text;
	int i;

	if (read_begin(st) == -1) {
		cJSON_Delete(o);
		return -1;
	}
	if (build_all(st, o) == -1) {
		read_end(st);
		cJSON_Delete(o);
		return -1;
	}
	read_end(st);
	if ((text = render_json_print(o)) == NULL)
		return -1;
	SHA256((const uint8_t *)text, strlen(text), d);
	free(text);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* ---- reading bodies (a replica) ---- */

static int
get_int(const cJSON *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	return render_json_int(cJSON_GetObjectItemCaseSensitive(o, key), min, max, out);
}

static int
get_name(const cJSON *o, const char *key, char out[CONFIG_NAME_MAX + 1])
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CONFIG_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int
site_msg_parse(const char *body, size_t len, struct site_msg *m, char *why, size_t whylen)
{
	const char *type;
	int64_t format;

	memset(m, 0, sizeof(m->h));
	m->json = NULL;
	if (memchr(body, '\0', len) != NULL) {
		snprintf(why, whylen, "a NUL in the body");
		return -1;
	}
	if ((m->json = cJSON_ParseWithLength(body, len)) == NULL || !cJSON_IsObject(m->json)) {
		snprintf(why, whylen, "not a JSON object");
		goto fail;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m->json, "type"));
	if (type != NULL && strcmp(type, "snapshot") == 0)
		m->h.type = SITE_MSG_SNAPSHOT;
	else if (type != NULL && strcmp(type, "delta") == 0)
		m->h.type = SITE_MSG_DELTA;
	else if (type != NULL && strcmp(type, "head") == 0)
		m->h.type = SITE_MSG_HEAD;
	else {
		snprintf(why, whylen, "unknown type");
		goto fail;
	}
	if (get_int(m->json, "format", 0, INT32_MAX, &format) == -1 || format != FORMAT) {
		snprintf(why, whylen, "unknown format");
		goto fail;
	}
	if (get_name(m->json, "site", m->h.site) == -1 ||
	    get_name(m->json, "node", m->h.node) == -1 ||
	    get_int(m->json, "epoch", 0, INT64_MAX / 2, &m->h.epoch) == -1 ||
	    get_int(m->json, "rev", 0, INT64_MAX / 2, &m->h.rev) == -1 ||
	    get_int(m->json, "issued_ms", 0, INT64_MAX / 2, &m->h.issued_ms) == -1 ||
	    (m->h.type == SITE_MSG_DELTA &&
	    get_int(m->json, "base", 0, m->h.rev - 1, &m->h.base) == -1) ||
	    (m->h.type == SITE_MSG_HEAD &&
	    get_int(m->json, "interval_ms", 1, INT32_MAX, &m->h.interval_ms) == -1)) {
		snprintf(why, whylen, "malformed header");
		goto fail;
	}
	return 0;
fail:
	site_msg_free(m);
	return -1;
}

void
site_msg_free(struct site_msg *m)
{
	cJSON_Delete(m->json);
	m->json = NULL;
}

static int64_t
meta_int(struct store *st, const char *key, int *rc)
{
	char v[32];

	if ((*rc = store_meta_get(st, key, v, sizeof(v))) != 1)
		return 0;
	return strtoll(v, NULL, 10);
}

static int
meta_set_int(struct store *st, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return store_meta_set(st, key, buf);
}

int
site_acl_local(struct store *st, struct site_local *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->epoch = meta_int(st, META_EPOCH, &rc);
	if (rc == -1)
		return -1;
	l->rev = meta_int(st, META_REV, &rc);
	if (rc == -1)
		return -1;
	l->verified_ms = meta_int(st, META_VERIFIED, &rc);
	if (rc == -1)
		return -1;
	return store_meta_get(st, STORE_META_PRIMARY, l->primary, sizeof(l->primary)) == -1 ?
	    -1 : 0;
}

/* ---- applying (a replica) ---- */

struct apply {
	struct store	*st;
	char		*why;
	size_t		 whylen;
	sqlite3_stmt	*upsert[K_COUNT];
	sqlite3_stmt	*clear_groups, *add_group, *clear_windows, *add_window;
	sqlite3_stmt	*erased, *unlink_events, *unlink_visits;
	sqlite3_stmt	*unlend;
};

/* INSERT ... ON CONFLICT(id) DO UPDATE for kind k: ?1.. in columns[] order. */
static int
prepare_upsert(struct apply *a, enum kind k)
{
	char cols[512] = "", vals[256] = "", set[1024] = "", sql[2048];
	size_t nc = 0, nv = 0, ns = 0, i;
	int p = 1;

	for (i = 0; i < NCOLUMNS; i++) {
		if (columns[i].kind != k)
			continue;
		nc += (size_t)snprintf(cols + nc, sizeof(cols) - nc, "%s%s", p > 1 ? ", " : "",
		    columns[i].column);
		nv += (size_t)snprintf(vals + nv, sizeof(vals) - nv, "%s?%d", p > 1 ? ", " : "",
		    p);
		if (p > 1)
			ns += (size_t)snprintf(set + ns, sizeof(set) - ns, "%s%s = excluded.%s",
			    ns ? ", " : "", columns[i].column, columns[i].column);
		p++;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s%s) VALUES (%s%s) ON CONFLICT(id) DO "
	    "UPDATE SET %s", kinds[k].table, cols, local[k].columns, vals, local[k].values, set);
	return store_prepare(a->st, sql, &a->upsert[k]);
}

static int
prepare_all(struct apply *a)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (prepare_upsert(a, k) == -1)
			return -1;
	return store_prepare(a->st, "DELETE FROM member_groups WHERE member_id = ?1",
	    &a->clear_groups) == -1 ||
	    store_prepare(a->st, "INSERT INTO member_groups (member_id, group_id)"
	    " VALUES (?1, ?2)", &a->add_group) == -1 ||
	    store_prepare(a->st, "DELETE FROM schedule_windows WHERE group_id = ?1",
	    &a->clear_windows) == -1 ||
	    store_prepare(a->st, "INSERT INTO schedule_windows (group_id, days,"
	    " start_min, end_min) VALUES (?1, ?2, ?3, ?4)", &a->add_window) == -1 ||
	    store_prepare(a->st, "SELECT erased IS NOT NULL FROM members WHERE id = ?1",
	    &a->erased) == -1 ||
	    store_prepare(a->st, "UPDATE events SET member_id = NULL, badge_id = NULL,"
	    " uid_mac = NULL WHERE member_id = ?1", &a->unlink_events) == -1 ||
	    store_prepare(a->st, "UPDATE visits SET member_id = NULL WHERE member_id = ?1",
	    &a->unlink_visits) == -1 ||
	    store_prepare(a->st, "UPDATE guests SET loaner_id = NULL WHERE id = ?1",
	    &a->unlend) == -1 ? -1 : 0;
}

/* Finalize every statement, once: they are NULL afterwards. */
static void
finalize_all(struct apply *a)
{
	sqlite3_stmt **all[] = { &a->upsert[K_MEMBER], &a->upsert[K_BADGE],
	    &a->upsert[K_GROUP], &a->upsert[K_LOANER], &a->upsert[K_GUEST], &a->clear_groups,
	    &a->add_group, &a->clear_windows, &a->add_window, &a->erased, &a->unlink_events,
	    &a->unlink_visits, &a->unlend };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
}

static int
refuse(struct apply *a, const char *what, const char *field)
{
	snprintf(a->why, a->whylen, "bad %s %s", what, field);
	return -1;
}

/* Bind the value of field to parameter p, checked against its type. */
static int
bind_value(struct apply *a, sqlite3_stmt *s, int p, const cJSON *v, const struct column *c)
{
	uint8_t blob[BLOB_MAX];
	int64_t n;
	int len;

	if (v == NULL)
		return refuse(a, kinds[c->kind].name, c->field);
	if (cJSON_IsNull(v))
		return sqlite3_bind_null(s, p) == SQLITE_OK ? 0 : -1;
	switch (c->type) {
	case C_INT:
		if (render_json_int(v, INT64_MIN / 2, INT64_MAX / 2, &n) == -1)
			return refuse(a, kinds[c->kind].name, c->field);
		sqlite3_bind_int64(s, p, n);
		return 0;
	case C_TEXT:
		if (!cJSON_IsString(v) || strlen(v->valuestring) >= TEXT_MAX)
			return refuse(a, kinds[c->kind].name, c->field);
		sqlite3_bind_text(s, p, v->valuestring, -1, SQLITE_TRANSIENT);
		return 0;
	case C_BLOB:
	default:
		if (!cJSON_IsString(v) || (len = site_b64_decode(v->valuestring,
		    strlen(v->valuestring), blob, sizeof(blob))) < 1)
			return refuse(a, kinds[c->kind].name, c->field);
		sqlite3_bind_blob(s, p, blob, len, SQLITE_TRANSIENT);
		return 0;
	}
}

/* An id of the body: a positive whole number. */
static int
body_id(const cJSON *v, int64_t *id)
{
	return render_json_int(v, 1, INT64_MAX / 2, id);
}

/* A member that the primary erased: what this node holds of it goes too. */
static int
erase_local(struct apply *a, const cJSON *o, int64_t id)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "erased");
	int64_t was = 0;

	if (e == NULL || cJSON_IsNull(e))
		return 0;
	sqlite3_bind_int64(a->erased, 1, id);
	if (store_each(a->st, a->erased, store_row_int64, &was, "apply") == -1)
		return -1;
	if (was)
		return 0;
	sqlite3_bind_int64(a->unlink_events, 1, id);
	sqlite3_bind_int64(a->unlink_visits, 1, id);
	return store_run(a->st, a->unlink_events, "apply") == -1 ||
	    store_run(a->st, a->unlink_visits, "apply") == -1 ? -1 : 0;
}

static int
apply_links(struct apply *a, enum kind k, const cJSON *o, int64_t id)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, k == K_MEMBER ? "groups" :
	    "windows"), *v;
	int64_t g, w[3];
	int n = 0, i;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > (k == K_MEMBER ?
	    ACCESS_MAX_GROUPS : ACCESS_MAX_WINDOWS))
		return refuse(a, kinds[k].name, k == K_MEMBER ? "groups" : "windows");
	sqlite3_bind_int64(k == K_MEMBER ? a->clear_groups : a->clear_windows, 1, id);
	if (store_run(a->st, k == K_MEMBER ? a->clear_groups : a->clear_windows,
	    "apply") == -1)
		return -1;
	cJSON_ArrayForEach(v, list) {
		n++;
		if (k == K_MEMBER) {
			if (body_id(v, &g) == -1)
				return refuse(a, "member", "group");
			sqlite3_bind_int64(a->add_group, 1, id);
			sqlite3_bind_int64(a->add_group, 2, g);
			if (store_run(a->st, a->add_group, "apply") == -1)
				return -1;
			continue;
		}
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 3 ||
		    render_json_int(cJSON_GetArrayItem(v, 0), 0, 127, &w[0]) == -1 ||
		    render_json_int(cJSON_GetArrayItem(v, 1), 0, 1440, &w[1]) == -1 ||
		    render_json_int(cJSON_GetArrayItem(v, 2), 0, 1440, &w[2]) == -1)
			return refuse(a, "group", "window");
		sqlite3_bind_int64(a->add_window, 1, id);
		for (i = 0; i < 3; i++)
			sqlite3_bind_int64(a->add_window, i + 2, w[i]);
		if (store_run(a->st, a->add_window, "apply") == -1)
			return -1;
	}
	return 0;
}

/* The ids of the rows of the array list (kind k) into the JSON array
 * ids: each row an object with an id. */
static int
list_ids(struct apply *a, enum kind k, const cJSON *list, cJSON *ids)
{
	const cJSON *o;
	int64_t id;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return refuse(a, "list", kinds[k].list);
	cJSON_ArrayForEach(o, list) {
		if (!cJSON_IsObject(o) ||
		    body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id) == -1)
			return refuse(a, kinds[k].name, "id");
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)id));
	}
	return 0;
}

/* Upsert every row of the array list (kind k), whose ids list_ids checked.
 * A loaner is lent to one open pass at a time (guests_lent): the passes
 * given lose theirs first, so that a loaner that went from one to the
 * other is never held by both on the way. */
static int
apply_rows(struct apply *a, enum kind k, const cJSON *list)
{
	const cJSON *o;
	sqlite3_stmt *s = a->upsert[k];
	size_t i;
	int p;
	int64_t id;

	if (list == NULL)
		return 0;
	if (k == K_GUEST)
		cJSON_ArrayForEach(o, list) {
			body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id);
			sqlite3_bind_int64(a->unlend, 1, id);
			if (store_run(a->st, a->unlend, "apply") == -1)
				return -1;
		}
	cJSON_ArrayForEach(o, list) {
		if (!cJSON_IsObject(o) ||
		    body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id) == -1)
			return refuse(a, kinds[k].name, "id");
		for (i = 0, p = 1; i < NCOLUMNS; i++) {
			if (columns[i].kind != k)
				continue;
			if (bind_value(a, s, p++, cJSON_GetObjectItemCaseSensitive(o,
			    columns[i].field), &columns[i]) == -1) {
				store_release(s);
				return -1;
			}
		}
		if (k == K_MEMBER && erase_local(a, o, id) == -1)
			return -1;
		if (store_run(a->st, s, "apply") == -1)
			return -1;
		if ((k == K_MEMBER || k == K_GROUP) && apply_links(a, k, o, id) == -1)
			return -1;
	}
	return 0;
}

/*
 * Delete the rows of kind k whose ids are (keep false) or are not (keep
 * true) in the JSON array ids.  A guest the primary deleted was erased
 * there (store_guest_erase): this node's events and visits let go of the
 * guest the same way.
 */
static int
delete_rows(struct apply *a, enum kind k, const cJSON *ids, bool keep)
{
	static const char *const guest_steps[] = {
		"UPDATE events SET guest_id = NULL WHERE guest_id IN (SELECT id FROM guests"
		" WHERE %s)",
		"UPDATE visits SET left_ts = coalesce(left_ts, last_seen_ts, arrived_ts),"
		" left_reason = coalesce(left_reason, 'manual'), guest_id = NULL"
		" WHERE guest_id IN (SELECT id FROM guests WHERE %s)",
	};
	char where[96], sql[320], *text;
	const cJSON *v;
	sqlite3_stmt *s;
	int64_t id;
	size_t i;
	int rc = 0;

	if (ids == NULL)
		return 0;
	if (!cJSON_IsArray(ids))
		return refuse(a, "deletion of", kinds[k].list);
	cJSON_ArrayForEach(v, ids)
		if (body_id(v, &id) == -1)
			return refuse(a, "deletion of", kinds[k].list);
	if ((text = cJSON_PrintUnformatted(ids)) == NULL)
		return refuse(a, "deletion of", kinds[k].list);
	snprintf(where, sizeof(where), "id %sIN (SELECT value FROM json_each(?1))",
	    keep ? "NOT " : "");
	for (i = 0; rc == 0 && i <= (k == K_GUEST ? 2 : 0); i++) {
		if (i < 2 && k == K_GUEST)
			snprintf(sql, sizeof(sql), guest_steps[i], where);
		else
			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s", kinds[k].table,
			    where);
		if ((rc = store_prepare(a->st, sql, &s)) == -1)
			break;
		sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
		rc = store_run(a->st, s, "apply");
		sqlite3_finalize(s);
	}
	cJSON_free(text);
	return rc;
}

/*
 * Deletions first, badges first, then upserts, groups first: what a row
 * refers to is there before it, and goes after it.  What the primary
 * deleted goes before what it added, since a row added may take a unique
 * value (a MAC, a loaner's label) of one deleted: a loaner removed from
 * the pool and added again is a new row.  Every row given exists on the
 * primary, and so does every row it refers to: none was deleted here.
 */
static int
apply_body(struct apply *a, const struct site_msg *m)
{
	static const enum kind order[K_COUNT] = { K_GROUP, K_MEMBER, K_LOANER, K_GUEST,
	    K_BADGE };
	const cJSON *up = m->json, *del = NULL;
	cJSON *ids[K_COUNT] = { NULL };
	int i, rc = -1;

	if (m->h.type == SITE_MSG_DELTA) {
		up = cJSON_GetObjectItemCaseSensitive(m->json, "upsert");
		del = cJSON_GetObjectItemCaseSensitive(m->json, "delete");
		if (!cJSON_IsObject(up) || !cJSON_IsObject(del))
			return refuse(a, "delta", "body");
	}
	for (i = 0; i < K_COUNT; i++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(up, kinds[i].list);

		/* A snapshot names every row of each kind, but a primary of an
		 * older seuil had no loaners or guests to give: then this
		 * node's, which it never had either, stay as they are. */
		if (m->h.type == SITE_MSG_SNAPSHOT && list == NULL && i >= K_LOANER)
			continue;
		if (m->h.type == SITE_MSG_SNAPSHOT && !cJSON_IsArray(list)) {
			refuse(a, "snapshot", kinds[i].list);
			goto out;
		}
		if ((ids[i] = cJSON_CreateArray()) == NULL || list_ids(a, i, list, ids[i]) == -1)
			goto out;
	}
	for (i = K_COUNT - 1; i >= 0; i--) {
		if (m->h.type == SITE_MSG_DELTA) {
			if (delete_rows(a, order[i], cJSON_GetObjectItemCaseSensitive(del,
			    kinds[order[i]].list), false) == -1)
				goto out;
		} else if (delete_rows(a, order[i], ids[order[i]], true) == -1) {
			goto out;
		}
	}
	for (i = 0; i < K_COUNT; i++)
		if (apply_rows(a, order[i], cJSON_GetObjectItemCaseSensitive(up,
		    kinds[order[i]].list)) == -1)
			goto out;
	rc = 0;
out:
	for (i = 0; i < K_COUNT; i++)
		cJSON_Delete(ids[i]);
	return rc;
}

int
site_acl_apply(struct store *st, const struct site_msg *m, int64_t now_ms, char *why,
    size_t whylen)
{
	struct apply a = { .st = st, .why = why, .whylen = whylen };
	struct site_local l;
	int rc;

	why[0] = '\0';
	if (m->h.type == SITE_MSG_HEAD) {
		snprintf(why, whylen, "a head has nothing to apply");
		return 0;
	}
	if (store_begin(st) == -1)
		return -1;
	if (site_acl_local(st, &l) == -1)
		goto fail;
	if (m->h.type == SITE_MSG_SNAPSHOT && (m->h.epoch < l.epoch ||
	    (m->h.epoch == l.epoch && m->h.rev <= l.rev))) {
		snprintf(why, whylen, "not newer than the copy (%lld.%lld)", (long long)l.epoch,
		    (long long)l.rev);
		rc = 0;
		goto undo;
	}
	if (m->h.type == SITE_MSG_DELTA && (m->h.epoch != l.epoch || m->h.base != l.rev)) {
		snprintf(why, whylen, "a delta from %lld.%lld, the copy is %lld.%lld",
		    (long long)m->h.epoch, (long long)m->h.base, (long long)l.epoch,
		    (long long)l.rev);
		rc = 0;
		goto undo;
	}
	if (store_meta_set(st, META_APPLYING, "1") == -1 || prepare_all(&a) == -1)
		goto fail;
	if (apply_body(&a, m) == -1) {
		finalize_all(&a);
		if (why[0] == '\0')
			snprintf(why, whylen, "%s", store_errmsg(st));
		goto fail;
	}
	finalize_all(&a);
	if (store_exec(st, "DELETE FROM meta WHERE key = '" META_APPLYING "'",
	    "apply") == -1 || meta_set_int(st, META_EPOCH, m->h.epoch) == -1 ||
	    meta_set_int(st, META_REV, m->h.rev) == -1 ||
	    meta_set_int(st, META_VERIFIED, now_ms) == -1 ||
	    store_meta_set(st, STORE_META_PRIMARY, m->h.node) == -1)
		goto fail;
	return store_commit(st) == -1 ? -1 : 1;
undo:
	store_rollback(st);
	return rc;
fail:
	finalize_all(&a);
	store_abort(st);
	return -1;
}

int
site_acl_seen(struct store *st, int64_t now_ms)
{
	return meta_set_int(st, META_VERIFIED, now_ms);
}
