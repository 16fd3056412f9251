/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The projection of the member data that travels from a site's primary to
 * its replicas (site_acl.h): built on the primary from the same tables the
 * door's decision reads (core/decision.c through store_find_badge and
 * store_member_groups), read back on a replica for its digest, and
 * parsed there before core/site_apply.c applies it into those same tables.
 */
#include "site_acl.h"
#include "site_acl_private.h"
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "render_json.h"
#include "site_sig.h"

const struct acl_kind acl_kinds[K_COUNT] = {
	[K_MEMBER] = { "member", "members", "members" },
	[K_BADGE] = { "badge", "badges", "badges" },
	[K_GROUP] = { "group", "groups", "groups" },
	[K_LOANER] = { "loaner", "loaners", "loaners" },
	[K_GUEST] = { "guest", "guests", "guests" },
};

/* What travels: core/site_acl_private.h says how this list is used. */
const struct acl_column acl_columns[] = {
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
const size_t acl_ncolumns = sizeof(acl_columns) / sizeof(acl_columns[0]);

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

	for (i = 0; i < acl_ncolumns; i++) {
		if (acl_columns[i].kind != k)
			continue;
		n += (size_t)snprintf(sql + n, len - n, "%s%s", first ? "" : ", ",
		    acl_columns[i].expr);
		first = false;
	}
	snprintf(sql + n, len - n, " FROM %s%s ORDER BY id", acl_kinds[k].table, where);
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

	for (i = 0; i < acl_ncolumns; i++)
		if (acl_columns[i].kind == b->k)
			add_value(o, acl_columns[i].field, acl_columns[i].type, s, col++);
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

	b.list = cJSON_AddArrayToObject(parent, acl_kinds[k].list);
	if (changed)
		snprintf(where, sizeof(where), " WHERE id IN (SELECT ref FROM acl_log"
		    " WHERE kind = '%s' AND id > ?1 AND id <= ?2)", acl_kinds[k].name);
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
	cJSON *a = cJSON_AddArrayToObject(parent, acl_kinds[k].list);
	int rc;

	snprintf(sql, sizeof(sql), "SELECT DISTINCT ref FROM acl_log WHERE kind = '%s'"
	    " AND id > ?1 AND id <= ?2 AND ref NOT IN (SELECT id FROM %s) ORDER BY ref",
	    acl_kinds[k].name, acl_kinds[k].table);
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

int
acl_get_int(const cJSON *o, const char *key, int64_t min, int64_t max, int64_t *out)
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
	if (acl_get_int(m->json, "format", 0, INT32_MAX, &format) == -1 || format != FORMAT) {
		snprintf(why, whylen, "unknown format");
		goto fail;
	}
	if (get_name(m->json, "site", m->h.site) == -1 ||
	    get_name(m->json, "node", m->h.node) == -1 ||
	    acl_get_int(m->json, "epoch", 0, INT64_MAX / 2, &m->h.epoch) == -1 ||
	    acl_get_int(m->json, "rev", 0, INT64_MAX / 2, &m->h.rev) == -1 ||
	    acl_get_int(m->json, "issued_ms", 0, INT64_MAX / 2, &m->h.issued_ms) == -1 ||
	    (m->h.type == SITE_MSG_DELTA &&
	    acl_get_int(m->json, "base", 0, m->h.rev - 1, &m->h.base) == -1) ||
	    (m->h.type == SITE_MSG_HEAD &&
	    acl_get_int(m->json, "interval_ms", 1, INT32_MAX, &m->h.interval_ms) == -1)) {
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

int64_t
acl_meta_int(struct store *st, const char *key, int *rc)
{
	char v[32];

	if ((*rc = store_meta_get(st, key, v, sizeof(v))) != 1)
		return 0;
	return strtoll(v, NULL, 10);
}

int
acl_meta_set_int(struct store *st, const char *key, int64_t v)
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
	l->epoch = acl_meta_int(st, META_EPOCH, &rc);
	if (rc == -1)
		return -1;
	l->rev = acl_meta_int(st, META_REV, &rc);
	if (rc == -1)
		return -1;
	l->verified_ms = acl_meta_int(st, META_VERIFIED, &rc);
	if (rc == -1)
		return -1;
	return store_meta_get(st, STORE_META_PRIMARY, l->primary, sizeof(l->primary)) == -1 ?
	    -1 : 0;
}
