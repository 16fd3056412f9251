/* Member import from CSV (import.h). */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage.h"
#include "render_json.h"
#include "tz.h"

enum col { C_NAME, C_DISPLAY, C_EMAIL, C_GROUPS, C_FROM, C_UNTIL, C_PUBLIC, C_COUNT };
static const char *const col_names[C_COUNT] = {
	"name", "display_name", "email", "groups", "valid_from", "valid_until", "public",
};

#define MAX_FIELDS	32

/* One parsed row: fields point into the row buffer. */
struct row {
	char	*f[MAX_FIELDS];
	int	 col[MAX_FIELDS];	/* 1-based column of each field's start */
	int	 n;
	int	 line;
};

struct parser {
	const char	*p, *end;
	int		 line, col;
	char		*buf;
	size_t		 cap;
};

static int
fail(char *err, size_t errlen, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail(char *err, size_t errlen, int line, int col, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%d:%d: %s", line, col, msg);
	return -1;
}

/* The next record into *r: 1, 0 at the end, -1 with err. */
static int
next_row(struct parser *ps, struct row *r, char *err, size_t errlen)
{
	size_t need = (size_t)(ps->end - ps->p) + MAX_FIELDS + 1, n = 0;
	bool quoted, any = false;

	if (ps->p >= ps->end)
		return 0;
	if (need > ps->cap) {
		free(ps->buf);
		if ((ps->buf = malloc(need)) == NULL)
			return fail(err, errlen, ps->line, 0, "out of memory");
		ps->cap = need;
	}
	r->n = 0;
	r->line = ps->line;
	for (;;) {
		if (r->n == MAX_FIELDS)
			return fail(err, errlen, ps->line, ps->col, "more than %d fields",
			    MAX_FIELDS);
		r->f[r->n] = ps->buf + n;
		r->col[r->n] = ps->col;
		r->n++;
		quoted = ps->p < ps->end && *ps->p == '"';
		if (quoted) {
			ps->p++, ps->col++;
			for (;;) {
				if (ps->p >= ps->end)
					return fail(err, errlen, r->line, r->col[r->n - 1],
					    "unterminated quoted field");
				if (*ps->p == '"') {
					if (ps->p + 1 < ps->end && ps->p[1] == '"') {
						ps->buf[n++] = '"';
						ps->p += 2, ps->col += 2;
						continue;
					}
					ps->p++, ps->col++;
					break;
				}
				if (*ps->p == '\n')
					ps->line++, ps->col = 0;
				ps->buf[n++] = *ps->p++;
				ps->col++;
			}
		}
		while (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n' &&
		    !(*ps->p == '\r' && (ps->p + 1 == ps->end || ps->p[1] == '\n'))) {
			if (quoted || *ps->p == '"')
				return fail(err, errlen, ps->line, ps->col, quoted ?
				    "text after a closing quote" : "a quote inside an unquoted field");
			if (*ps->p == '\0')
				return fail(err, errlen, ps->line, ps->col, "a NUL byte");
			ps->buf[n++] = *ps->p++;
			ps->col++;
		}
		ps->buf[n++] = '\0';
		any = any || r->f[r->n - 1][0] != '\0' || r->n > 1;
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++, ps->col++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '\r')
			ps->p++;
		if (ps->p < ps->end && *ps->p == '\n')
			ps->p++;
		ps->line++, ps->col = 1;
		break;
	}
	if (!any)	/* an empty line */
		return next_row(ps, r, err, errlen);
	return 1;
}

/* A member's groups as "a;b" (sorted as the store lists them). */
static void
groups_text(struct store *st, int64_t id, char *buf, size_t len)
{
	struct access_groups ag;
	int i;

	buf[0] = '\0';
	if (store_member_groups(st, id, &ag) == -1)
		return;
	for (i = 0; i < ag.ngroups; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ";" : "",
		    ag.groups[i].name);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split "a; b;c" into ch->groups (pointers into s, which is changed) and
 * a canonical sorted "a;b;c" in canon. */
static int
split_groups(char *s, struct member_change *ch, char *canon, size_t len)
{
	char *tok, *save, *t;
	int i;

	ch->ngroups = 0;
	for (tok = strtok_r(s, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		for (t = tok + strlen(tok); t > tok && t[-1] == ' '; )
			*--t = '\0';
		if (*tok == '\0')
			continue;
		if (ch->ngroups == ACCESS_MAX_GROUPS)
			return -1;
		ch->groups[ch->ngroups++] = tok;
	}
	qsort(ch->groups, (size_t)ch->ngroups, sizeof(ch->groups[0]), cmp_str);
	canon[0] = '\0';
	for (i = 0; i < ch->ngroups; i++)
		snprintf(canon + strlen(canon), len - strlen(canon), "%s%s", i ? ";" : "",
		    ch->groups[i]);
	ch->set_groups = true;
	return 0;
}

struct seen {
	char	**names;
	int	  n, cap;
};

static bool
seen_has(const struct seen *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return true;
	return false;
}

static int
seen_add(struct seen *s, const char *name)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		char **n = realloc(s->names, (size_t)cap * sizeof(*n));

		if (n == NULL)
			return -1;
		s->names = n;
		s->cap = cap;
	}
	if ((s->names[s->n] = strdup(name)) == NULL)
		return -1;
	s->n++;
	return 0;
}

struct prune_ctx {
	struct seen	*seen;
	struct seen	 missing;
};

static int
prune_cb(const struct member_row *m, void *arg)
{
	struct prune_ctx *x = arg;

	if (!m->erased && m->active && !seen_has(x->seen, m->name))
		return seen_add(&x->missing, m->name) == -1;
	return 0;
}

/* Compare and apply one row.  0 or -1 with err. */
static int
import_row(struct store *st, struct row *r, const int idx[C_COUNT], const struct import_opts *o,
    cJSON *diff, int *unchanged, char *err, size_t errlen)
{
	struct member_change ch;
	struct member_row m, out;
	struct manage_err me;
	char canon[1024], cur[1024], dbuf[11];
	cJSON *fields;
	const char *v;
	int rc, c;

	memset(&ch, 0, sizeof(ch));
	ch.public = -1;
	for (c = 0; c < C_COUNT; c++) {
		if (idx[c] < 0)
			continue;
		if (idx[c] >= r->n)
			return fail(err, errlen, r->line, 0, "missing column '%s'", col_names[c]);
		v = r->f[idx[c]];
		switch (c) {
		case C_NAME:
			if (!manage_valid_name(v, sizeof(m.name)))
				return fail(err, errlen, r->line, r->col[idx[c]], "bad member name "
				    "(printable UTF-8, not all digits, not starting with '-')");
			ch.name = v;
			break;
		case C_DISPLAY:
			ch.display = v;
			break;
		case C_EMAIL:
			ch.email = v;
			break;
		case C_FROM:
		case C_UNTIL:
			if (*v != '\0' && tz_parse_date(v, dbuf) == -1)
				return fail(err, errlen, r->line, r->col[idx[c]], "bad date '%.20s' "
				    "(want YYYY-MM-DD)", v);
			if (c == C_FROM)
				ch.from = v;
			else
				ch.until = v;
			break;
		case C_PUBLIC:
			if (strcmp(v, "yes") == 0)
				ch.public = 1;
			else if (strcmp(v, "no") == 0)
				ch.public = 0;
			else if (*v != '\0')
				return fail(err, errlen, r->line, r->col[idx[c]], "public is yes or "
				    "no, not '%.20s'", v);
			break;
		case C_GROUPS:
			if (split_groups(r->f[idx[c]], &ch, canon, sizeof(canon)) == -1)
				return fail(err, errlen, r->line, r->col[idx[c]], "more than %d "
				    "groups", ACCESS_MAX_GROUPS);
			break;
		}
	}
	if (ch.name == NULL || *ch.name == '\0')
		return fail(err, errlen, r->line, idx[C_NAME] < r->n ? r->col[idx[C_NAME]] : 0,
		    "a member needs a name");

	if ((rc = store_member_find(st, ch.name, &m)) == -1)
		return fail(err, errlen, r->line, 0, "%s", store_errmsg(st));
	if (rc == 0) {
		if (manage_member_add(st, &ch, o->actor, &me) == -1)
			return fail(err, errlen, r->line, 0, "%s", me.msg);
		cJSON_AddItemToArray(cJSON_GetObjectItem(diff, "added"), cJSON_CreateString(ch.name));
		return 0;
	}
	/* Known: what differs. */
	fields = cJSON_CreateArray();
	if (ch.display && strcmp(ch.display, m.display_name) != 0)
		cJSON_AddItemToArray(fields, cJSON_CreateString("display_name"));
	if (ch.email && strcmp(ch.email, m.email) != 0)
		cJSON_AddItemToArray(fields, cJSON_CreateString("email"));
	if (ch.from && tz_parse_date(ch.from, dbuf) == 0 ? strcmp(dbuf, m.valid_from) != 0 :
	    ch.from && m.valid_from[0] != '\0')
		cJSON_AddItemToArray(fields, cJSON_CreateString("valid_from"));
	if (ch.until && tz_parse_date(ch.until, dbuf) == 0 ? strcmp(dbuf, m.valid_until) != 0 :
	    ch.until && m.valid_until[0] != '\0')
		cJSON_AddItemToArray(fields, cJSON_CreateString("valid_until"));
	if (ch.public != -1 && ch.public != (int)m.public)
		cJSON_AddItemToArray(fields, cJSON_CreateString("public"));
	if (ch.set_groups) {
		groups_text(st, m.id, cur, sizeof(cur));
		if (strcmp(cur, canon) != 0)
			cJSON_AddItemToArray(fields, cJSON_CreateString("groups"));
	}
	if (cJSON_GetArraySize(fields) > 0) {
		cJSON *c2 = cJSON_CreateObject();
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)m.id);
		ch.name = NULL;		/* matched by name: keep it */
		if (manage_member_edit(st, id, &ch, o->actor, &out, &me) == -1) {
			cJSON_Delete(fields);
			cJSON_Delete(c2);
			return fail(err, errlen, r->line, 0, "%s", me.msg);
		}
		cJSON_AddStringToObject(c2, "name", m.name);
		cJSON_AddItemToObject(c2, "fields", fields);
		cJSON_AddItemToArray(cJSON_GetObjectItem(diff, "changed"), c2);
	} else {
		cJSON_Delete(fields);
		if (!(o->prune && !m.active))
			(*unchanged)++;
	}
	if (o->prune && !m.active) {
		if (manage_member_set_active(st, m.name, true, o->actor, &out, &me) == -1)
			return fail(err, errlen, r->line, 0, "%s", me.msg);
		cJSON_AddItemToArray(cJSON_GetObjectItem(diff, "enabled"),
		    cJSON_CreateString(m.name));
	}
	return 0;
}

cJSON *
import_csv(struct store *st, const char *text, size_t len, const struct import_opts *o,
    char *err, size_t errlen)
{
	struct parser ps = { .p = text, .end = text + len, .line = 1, .col = 1 };
	struct seen seen = { 0 };
	struct prune_ctx px = { &seen, { 0 } };
	struct manage_err me;
	struct member_row out;
	struct row r;
	int idx[C_COUNT], i, c, rc, unchanged = 0;
	cJSON *diff = NULL;
	bool ok = false;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	for (c = 0; c < C_COUNT; c++)
		idx[c] = -1;
	if ((rc = next_row(&ps, &r, err, errlen)) <= 0) {
		if (rc == 0)
			fail(err, errlen, 1, 0, "empty file: a header row is needed");
		free(ps.buf);
		return NULL;
	}
	for (i = 0; i < r.n; i++) {
		for (c = 0; c < C_COUNT && strcmp(r.f[i], col_names[c]) != 0; c++)
			;
		if (c == C_COUNT) {
			fail(err, errlen, 1, r.col[i], "unknown column '%.40s' (columns: name, "
			    "display_name, email, groups, valid_from, valid_until, public)", r.f[i]);
			goto out;
		}
		if (idx[c] != -1) {
			fail(err, errlen, 1, r.col[i], "column '%s' given twice", col_names[c]);
			goto out;
		}
		idx[c] = i;
	}
	if (idx[C_NAME] == -1) {
		fail(err, errlen, 1, 0, "no 'name' column");
		goto out;
	}
	diff = cJSON_CreateObject();
	cJSON_AddArrayToObject(diff, "added");
	cJSON_AddArrayToObject(diff, "changed");
	cJSON_AddArrayToObject(diff, "disabled");
	cJSON_AddArrayToObject(diff, "enabled");
	if (store_begin(st) == -1) {
		fail(err, errlen, 0, 0, "%s", store_errmsg(st));
		goto out;
	}
	while ((rc = next_row(&ps, &r, err, errlen)) == 1) {
		if (idx[C_NAME] < r.n && seen_has(&seen, r.f[idx[C_NAME]])) {
			fail(err, errlen, r.line, r.col[idx[C_NAME]], "'%.60s' appears twice",
			    r.f[idx[C_NAME]]);
			rc = -1;
			break;
		}
		if (idx[C_NAME] < r.n && seen_add(&seen, r.f[idx[C_NAME]]) == -1) {
			fail(err, errlen, r.line, 0, "out of memory");
			rc = -1;
			break;
		}
		if (import_row(st, &r, idx, o, diff, &unchanged, err, errlen) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && o->prune) {
		if (store_members_list(st, prune_cb, &px) == -1) {
			fail(err, errlen, 0, 0, "%s", store_errmsg(st));
			rc = -1;
		}
		for (i = 0; rc == 0 && i < px.missing.n; i++) {
			if (manage_member_set_active(st, px.missing.names[i], false, o->actor, &out,
			    &me) == -1) {
				fail(err, errlen, 0, 0, "%s", me.msg);
				rc = -1;
			} else
				cJSON_AddItemToArray(cJSON_GetObjectItem(diff, "disabled"),
				    cJSON_CreateString(px.missing.names[i]));
		}
	}
	if (rc == 0 && !o->dry_run && store_commit(st) == 0)
		ok = true;
	else {
		if (rc == 0 && !o->dry_run)
			fail(err, errlen, 0, 0, "%s", store_errmsg(st));
		store_rollback(st);
		ok = rc == 0 && o->dry_run;
	}
	if (ok) {
		cJSON_AddNumberToObject(diff, "unchanged", unchanged);
		cJSON_AddBoolToObject(diff, "applied", !o->dry_run);
	}
out:
	for (i = 0; i < seen.n; i++)
		free(seen.names[i]);
	free(seen.names);
	for (i = 0; i < px.missing.n; i++)
		free(px.missing.names[i]);
	free(px.missing.names);
	free(ps.buf);
	if (!ok) {
		cJSON_Delete(diff);
		return NULL;
	}
	return diff;
}
