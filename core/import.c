/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Member import from CSV (import.h): parse, plan against the store, apply. */
#include "import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manage.h"
#include "tz.h"

enum col { C_NAME, C_DISPLAY, C_EMAIL, C_GROUPS, C_FROM, C_UNTIL, C_PUBLIC, C_COUNT };
static const char *const col_names[C_COUNT] = {
	"name", "display_name", "email", "groups", "valid_from", "valid_until", "public",
};

#define MAX_FIELDS	32

/* One parsed record: fields point into the parser's buffer, valid until
 * the next record. */
struct row {
	char	*f[MAX_FIELDS];
	int	 col[MAX_FIELDS];	/* 1-based column of each field's start */
	int	 n;
	int	 line;
};

struct parser {
	const char	*p, *end;
	char		 sep;
	int		 line, col;
	char		*buf;
	size_t		 cap;
};

/* What one row will do. */
enum action { A_ADD, A_CHANGE, A_SAME };

struct planned {
	enum action		 action;
	int			 line;
	int64_t			 id;		/* A_CHANGE, A_SAME: the member */
	char			 name[128];	/* as stored (A_CHANGE, A_SAME) or new */
	bool			 enable;	/* disabled, present: enable (reenable) */
	bool			 kept_disabled;	/* disabled, present, left so */
	unsigned		 fields;	/* A_CHANGE: bits of enum col that differ */
	struct member_change	 ch;		/* strings in mem */
	char			*mem;
};

struct plan {
	struct planned	*rows;
	int		 n, cap;
	const char	**sorted;	/* the rows' names, sorted, for lookups */
	char		**disable;	/* prune: names of active members missing */
	int		 ndisable, capdisable;
	int		 unchanged;
	/* The groups the file names and the store lacks, sorted. */
	char		 newg[IMPORT_MAX_NEW_GROUPS][64];
	int		 nnew;
};

static void
verror(struct import_errors *errs, int line, int col, const char *field, const char *fmt,
    va_list ap)
{
	struct import_error *e;

	if (errs->n == IMPORT_MAX_ERRORS) {
		errs->more = true;
		return;
	}
	e = &errs->e[errs->n++];
	e->line = line;
	e->column = col;
	snprintf(e->field, sizeof(e->field), "%s", field);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

static void
error_at(struct import_errors *errs, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
error_at(struct import_errors *errs, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(errs, line, col, "", fmt, ap);
	va_end(ap);
}

/* An error of one cell, naming its column. */
static void
error_cell(struct import_errors *errs, int line, int col, enum col c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
error_cell(struct import_errors *errs, int line, int col, enum col c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(errs, line, col, col_names[c], fmt, ap);
	va_end(ap);
}

/* Note a group the store lacks (once, in order).  0, or -1 when there are
 * too many. */
static int
plan_missing(struct plan *pl, const char *name)
{
	int i, c = 1;

	for (i = 0; i < pl->nnew && (c = strcmp(pl->newg[i], name)) < 0; i++)
		;
	if (i < pl->nnew && c == 0)
		return 0;
	if (pl->nnew == IMPORT_MAX_NEW_GROUPS)
		return -1;
	memmove(pl->newg[i + 1], pl->newg[i], (size_t)(pl->nnew - i) * sizeof(pl->newg[0]));
	snprintf(pl->newg[i], sizeof(pl->newg[i]), "%s", name);
	pl->nnew++;
	return 0;
}

/* The field separator: whichever of ',' and ';' the header row (outside
 * quotes) holds more of; ',' on a tie. */
static char
detect_sep(const char *p, const char *end)
{
	int commas = 0, semis = 0;
	bool quoted = false;

	for (; p < end && (quoted || *p != '\n'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

/* The next record into *r: 1, 0 at the end, -1 with the error recorded
 * (a record that cannot be read ends the parse: nothing after it can be
 * placed). */
static int
next_row(struct parser *ps, struct row *r, struct import_errors *errs)
{
	size_t need = (size_t)(ps->end - ps->p) + MAX_FIELDS + 1, n = 0;
	bool quoted, any = false;

	for (;;) {
		if (ps->p >= ps->end)
			return 0;
		if (need > ps->cap) {
			free(ps->buf);
			if ((ps->buf = malloc(need)) == NULL) {
				error_at(errs, ps->line, 0, "out of memory");
				return -1;
			}
			ps->cap = need;
		}
		n = 0;
		any = false;
		r->n = 0;
		r->line = ps->line;
		for (;;) {
			if (r->n == MAX_FIELDS) {
				error_at(errs, ps->line, ps->col, "more than %d fields", MAX_FIELDS);
				return -1;
			}
			r->f[r->n] = ps->buf + n;
			r->col[r->n] = ps->col;
			r->n++;
			quoted = ps->p < ps->end && *ps->p == '"';
			if (quoted) {
				ps->p++, ps->col++;
				for (;;) {
					if (ps->p >= ps->end) {
						error_at(errs, r->line, r->col[r->n - 1],
						    "unterminated quoted field");
						return -1;
					}
					if (*ps->p == '"') {
						if (ps->p + 1 < ps->end && ps->p[1] == '"') {
							ps->buf[n++] = '"';
							ps->p += 2, ps->col += 2;
							continue;
						}
						ps->p++, ps->col++;
						break;
					}
					if (*ps->p == '\0') {
						error_at(errs, ps->line, ps->col, "a NUL byte");
						return -1;
					}
					if (*ps->p == '\n')
						ps->line++, ps->col = 0;
					ps->buf[n++] = *ps->p++;
					ps->col++;
				}
			}
			while (ps->p < ps->end && *ps->p != ps->sep && *ps->p != '\n' &&
			    !(*ps->p == '\r' && (ps->p + 1 == ps->end || ps->p[1] == '\n'))) {
				if (quoted || *ps->p == '"') {
					error_at(errs, ps->line, ps->col, quoted ?
					    "text after a closing quote" :
					    "a quote inside an unquoted field");
					return -1;
				}
				if (*ps->p == '\0') {
					error_at(errs, ps->line, ps->col, "a NUL byte");
					return -1;
				}
				ps->buf[n++] = *ps->p++;
				ps->col++;
			}
			ps->buf[n++] = '\0';
			any = any || r->f[r->n - 1][0] != '\0' || r->n > 1;
			if (ps->p < ps->end && *ps->p == ps->sep) {
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
		if (any)
			return 1;
		/* an empty line: the next one */
	}
}

/* yes/no in the words a spreadsheet may hold: 1, 0, -1 for "" (keep), -2
 * for anything else. */
static int
parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "oui", "true", "1", "y", "o" };
	static const char *const no[] = { "no", "non", "false", "0", "n" };
	size_t i;

	if (*v == '\0')
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -2;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split "a; b,c" into ch->groups (pointers into s, which is changed),
 * sorted.  -1 if there are too many. */
static int
split_groups(char *s, struct member_change *ch)
{
	char *tok, *save, *t;
	int i, n;

	ch->ngroups = 0;
	for (tok = strtok_r(s, ";,", &save); tok != NULL; tok = strtok_r(NULL, ";,", &save)) {
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
	/* A group named twice is one group: the member has it once, and the
	 * next import must find nothing to change. */
	for (i = 1, n = ch->ngroups > 0; i < ch->ngroups; i++)
		if (strcmp(ch->groups[i], ch->groups[n - 1]) != 0)
			ch->groups[n++] = ch->groups[i];
	ch->ngroups = n;
	ch->set_groups = true;
	return 0;
}

/* Whether the member's groups are exactly ch's (both sorted by name). */
static int
same_groups(struct store *st, int64_t id, const struct member_change *ch)
{
	struct access_groups ag;
	int i;

	if (store_member_groups(st, id, &ag) == -1)
		return -1;
	if (ag.ngroups != ch->ngroups)
		return 0;
	for (i = 0; i < ag.ngroups; i++)
		if (strcmp(ag.groups[i].name, ch->groups[i]) != 0)
			return 0;
	return 1;
}

static void
plan_free(struct plan *pl)
{
	int i;

	for (i = 0; i < pl->n; i++)
		free(pl->rows[i].mem);
	free(pl->rows);
	free(pl->sorted);
	for (i = 0; i < pl->ndisable; i++)
		free(pl->disable[i]);
	free(pl->disable);
	memset(pl, 0, sizeof(*pl));
}

static struct planned *
plan_row(struct plan *pl)
{
	if (pl->n == pl->cap) {
		int cap = pl->cap ? pl->cap * 2 : 64;
		struct planned *r = realloc(pl->rows, (size_t)cap * sizeof(*r));

		if (r == NULL)
			return NULL;
		pl->rows = r;
		pl->cap = cap;
	}
	memset(&pl->rows[pl->n], 0, sizeof(pl->rows[0]));
	return &pl->rows[pl->n++];
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort the rows' names; a name given twice is an error at its later line.
 * 0, or -1. */
static int
plan_index(struct plan *pl, struct import_errors *errs)
{
	int i, j;

	if (pl->n == 0)
		return 0;
	if ((pl->sorted = malloc((size_t)pl->n * sizeof(*pl->sorted))) == NULL) {
		error_at(errs, 0, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < pl->n; i++)
		pl->sorted[i] = pl->rows[i].name;
	qsort(pl->sorted, (size_t)pl->n, sizeof(*pl->sorted), cmp_name);
	for (i = 1; i < pl->n; i++) {
		if (strcmp(pl->sorted[i - 1], pl->sorted[i]) != 0)
			continue;
		for (j = pl->n - 1; j > 0 && strcmp(pl->rows[j].name, pl->sorted[i]) != 0; j--)
			;
		error_at(errs, pl->rows[j].line, 0, "'%.60s' appears twice", pl->sorted[i]);
	}
	return errs->n > 0 ? -1 : 0;
}

/* Whether name is a row of the plan (plan_index first). */
static bool
planned_name(const struct plan *pl, const char *name)
{
	return pl->n > 0 && bsearch(&name, pl->sorted, (size_t)pl->n, sizeof(*pl->sorted),
	    cmp_name) != NULL;
}

/*
 * Read one record into a planned row: each value checked on its own (so
 * the error has its column), the row's strings copied.  0, or -1 with the
 * errors recorded.
 */
static int
read_record(struct store *st, const struct row *r, const int idx[C_COUNT],
    const struct import_opts *o, struct plan *pl, struct planned *pr,
    struct import_errors *errs)
{
	struct member_change one;
	struct member_row scratch;
	struct manage_err me;
	struct access_group g;
	size_t total = 0, off = 0;
	int c, i, b, bad = 0, rc;
	char *v;

	for (c = 0; c < C_COUNT; c++)
		if (idx[c] >= 0 && idx[c] < r->n)
			total += strlen(r->f[idx[c]]) + 1;
	if ((pr->mem = malloc(total + 1)) == NULL) {
		error_at(errs, r->line, 0, "out of memory");
		return -1;
	}
	pr->line = r->line;
	pr->ch.public = -1;
	for (c = 0; c < C_COUNT; c++) {
		if (idx[c] < 0)
			continue;
		if (idx[c] >= r->n) {
			error_cell(errs, r->line, 0, c, "missing column '%s'", col_names[c]);
			bad = 1;
			continue;
		}
		v = pr->mem + off;
		memcpy(v, r->f[idx[c]], strlen(r->f[idx[c]]) + 1);
		off += strlen(v) + 1;
		memset(&one, 0, sizeof(one));
		one.public = -1;
		switch (c) {
		case C_NAME:
			pr->ch.name = one.name = v;
			break;
		case C_DISPLAY:
			pr->ch.display = one.display = v;
			break;
		case C_EMAIL:
			pr->ch.email = one.email = v;
			break;
		case C_FROM:
			pr->ch.from = one.from = v;
			break;
		case C_UNTIL:
			pr->ch.until = one.until = v;
			break;
		case C_PUBLIC:
			if ((b = parse_bool(v)) == -2) {
				error_cell(errs, r->line, r->col[idx[c]], c, "public is yes or "
				    "no (or oui, non, true, false, 1, 0), not '%.20s'", v);
				bad = 1;
			}
			pr->ch.public = b < 0 ? -1 : b;
			continue;
		case C_GROUPS:
			if (split_groups(v, &pr->ch) == -1) {
				error_cell(errs, r->line, r->col[idx[c]], c, "more than %d "
				    "groups", ACCESS_MAX_GROUPS);
				bad = 1;
			}
			for (i = 0; i < pr->ch.ngroups; i++) {
				const char *gn = pr->ch.groups[i];

				if ((rc = store_group_find(st, gn, &g)) == 1)
					continue;
				if (rc == -1)
					error_at(errs, 0, 0, "%s", store_errmsg(st));
				else if (!manage_valid_group_name(gn))
					error_cell(errs, r->line, r->col[idx[c]], c, "'%.60s' "
					    "cannot be a group name (letters, digits, '_', '.', "
					    "'-')", gn);
				else if (plan_missing(pl, gn) == -1)
					error_cell(errs, r->line, r->col[idx[c]], c, "more than "
					    "%d new groups", IMPORT_MAX_NEW_GROUPS);
				else if (!o->create_groups)
					error_cell(errs, r->line, r->col[idx[c]], c, "group "
					    "'%.60s' not found (add it, or let the import create "
					    "the missing groups)", gn);
				else
					continue;
				bad = 1;
			}
			continue;
		}
		memset(&scratch, 0, sizeof(scratch));
		if (manage_member_apply(&one, &scratch, &me) == -1) {
			error_cell(errs, r->line, r->col[idx[c]], c, "%s", me.msg);
			bad = 1;
		}
	}
	if (!bad && (pr->ch.name == NULL || *pr->ch.name == '\0')) {
		error_cell(errs, r->line, idx[C_NAME] < r->n ? r->col[idx[C_NAME]] : 0, C_NAME,
		    "a member needs a name");
		bad = 1;
	}
	if (!bad) {
		/* The values together: valid from after valid until. */
		memset(&scratch, 0, sizeof(scratch));
		if (manage_member_apply(&pr->ch, &scratch, &me) == -1) {
			error_at(errs, r->line, 0, "%s", me.msg);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Compare a planned row with the member of its name. */
static int
compare(struct store *st, struct planned *pr, const struct import_opts *o,
    struct import_errors *errs)
{
	struct member_row m, after;
	struct manage_err me;
	int rc;

	if ((rc = store_member_find(st, pr->ch.name, &m)) == -1) {
		error_at(errs, 0, 0, "%s", store_errmsg(st));
		return -1;
	}
	snprintf(pr->name, sizeof(pr->name), "%s", pr->ch.name);
	if (rc == 0) {
		pr->action = A_ADD;
		return 0;
	}
	if (m.erased) {
		error_at(errs, pr->line, 0, "'%.60s' names an erased member", pr->ch.name);
		return -1;
	}
	pr->id = m.id;
	/* How the lobby names a member who chose it is theirs alone: the
	 * file's display_name and public leave it as it is. */
	if (m.lobby_chosen_ms != 0) {
		pr->ch.display = NULL;
		pr->ch.public = -1;
	}
	after = m;
	if (manage_member_apply(&pr->ch, &after, &me) == -1) {
		error_at(errs, pr->line, 0, "%s", me.msg);
		return -1;
	}
	if (pr->ch.display && strcmp(after.display_name, m.display_name) != 0)
		pr->fields |= 1u << C_DISPLAY;
	if (pr->ch.email && strcmp(after.email, m.email) != 0)
		pr->fields |= 1u << C_EMAIL;
	if (pr->ch.from && strcmp(after.valid_from, m.valid_from) != 0)
		pr->fields |= 1u << C_FROM;
	if (pr->ch.until && strcmp(after.valid_until, m.valid_until) != 0)
		pr->fields |= 1u << C_UNTIL;
	if (after.public != m.public)
		pr->fields |= 1u << C_PUBLIC;
	if (pr->ch.set_groups) {
		if ((rc = same_groups(st, m.id, &pr->ch)) == -1) {
			error_at(errs, 0, 0, "%s", store_errmsg(st));
			return -1;
		}
		if (rc == 0)
			pr->fields |= 1u << C_GROUPS;
	}
	pr->action = pr->fields != 0 ? A_CHANGE : A_SAME;
	if (!m.active) {
		if (o->prune && o->reenable)
			pr->enable = true;
		else
			pr->kept_disabled = true;
	}
	return 0;
}

struct prune_ctx {
	struct plan	*pl;
	int		 failed;
};

static int
prune_cb(const struct member_row *m, void *arg)
{
	struct prune_ctx *x = arg;
	struct plan *pl = x->pl;

	if (m->erased || !m->active || planned_name(pl, m->name))
		return 0;
	if (pl->ndisable == pl->capdisable) {
		int cap = pl->capdisable ? pl->capdisable * 2 : 64;
		char **d = realloc(pl->disable, (size_t)cap * sizeof(*d));

		if (d == NULL)
			return x->failed = 1;
		pl->disable = d;
		pl->capdisable = cap;
	}
	if ((pl->disable[pl->ndisable] = strdup(m->name)) == NULL)
		return x->failed = 1;
	pl->ndisable++;
	return 0;
}

/* By line, then column; qsort is not stable, so the message breaks a
 * tie (two errors of one cell come from one check each). */
static int
cmp_error(const void *a, const void *b)
{
	const struct import_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->message, y->message);
}

/* Parse the whole file and compare it with the store: every error found in
 * one pass.  0, or -1 with *errs. */
static int
plan_make(struct store *st, const char *text, size_t len, const struct import_opts *o,
    struct plan *pl, struct import_errors *errs)
{
	struct parser ps = { .p = text, .end = text + len, .line = 1, .col = 1 };
	struct prune_ctx px = { pl, 0 };
	struct planned *pr;
	struct row r;
	int idx[C_COUNT], i, c, rc;

	memset(pl, 0, sizeof(*pl));
	memset(errs, 0, sizeof(*errs));
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	ps.sep = detect_sep(ps.p, ps.end);
	for (c = 0; c < C_COUNT; c++)
		idx[c] = -1;
	if ((rc = next_row(&ps, &r, errs)) <= 0) {
		if (rc == 0)
			error_at(errs, 1, 0, "empty file: a header row is needed");
		free(ps.buf);
		return -1;
	}
	for (i = 0; i < r.n; i++) {
		char *h = r.f[i];

		while (*h == ' ')
			h++;
		for (c = 0; c < C_COUNT && strcasecmp(h, col_names[c]) != 0; c++)
			;
		if (c == C_COUNT)
			error_at(errs, 1, r.col[i], "unknown column '%.40s' (columns: name, "
			    "display_name, email, groups, valid_from, valid_until, public)", h);
		else if (idx[c] != -1)
			error_at(errs, 1, r.col[i], "column '%s' given twice", col_names[c]);
		else
			idx[c] = i;
	}
	if (idx[C_NAME] == -1)
		error_at(errs, 1, 0, "no 'name' column");
	if (errs->n > 0) {
		free(ps.buf);
		return -1;
	}
	while ((rc = next_row(&ps, &r, errs)) == 1) {
		if ((pr = plan_row(pl)) == NULL) {
			error_at(errs, r.line, 0, "out of memory");
			rc = -1;
			break;
		}
		if (read_record(st, &r, idx, o, pl, pr, errs) == -1) {
			free(pr->mem);
			pl->n--;
			continue;
		}
		if (compare(st, pr, o, errs) == -1)
			continue;
		if (pr->action == A_SAME && !pr->enable)
			pl->unchanged++;
	}
	free(ps.buf);
	if (rc == 0)
		(void)plan_index(pl, errs);
	if (rc == 0 && errs->n == 0 && o->prune &&
	    (store_members_list(st, prune_cb, &px) == -1 || px.failed))
		error_at(errs, 0, 0, "%s", px.failed ? "out of memory" : store_errmsg(st));
	if (errs->n > 0) {
		/* In the file's order, whatever order the checks ran in. */
		qsort(errs->e, (size_t)errs->n, sizeof(errs->e[0]), cmp_error);
		errs->nmissing = pl->nnew;
		memcpy(errs->missing, pl->newg, sizeof(pl->newg));
		plan_free(pl);
		return -1;
	}
	return 0;
}

static const char *
col_field(int c)
{
	return c == C_DISPLAY ? "display_name" : col_names[c];
}

static cJSON *
plan_diff(const struct plan *pl, bool applied)
{
	cJSON *diff = cJSON_CreateObject(), *add, *chg, *dis, *ena, *kept, *o, *f;
	int i, c;

	add = cJSON_AddArrayToObject(diff, "added");
	chg = cJSON_AddArrayToObject(diff, "changed");
	dis = cJSON_AddArrayToObject(diff, "disabled");
	ena = cJSON_AddArrayToObject(diff, "enabled");
	kept = cJSON_AddArrayToObject(diff, "kept_disabled");
	for (i = 0; i < pl->n; i++) {
		const struct planned *pr = &pl->rows[i];

		if (pr->action == A_ADD)
			cJSON_AddItemToArray(add, cJSON_CreateString(pr->name));
		if (pr->action == A_CHANGE) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", pr->name);
			f = cJSON_AddArrayToObject(o, "fields");
			for (c = 0; c < C_COUNT; c++)
				if (pr->fields & (1u << c))
					cJSON_AddItemToArray(f, cJSON_CreateString(col_field(c)));
			cJSON_AddItemToArray(chg, o);
		}
		if (pr->enable)
			cJSON_AddItemToArray(ena, cJSON_CreateString(pr->name));
		if (pr->kept_disabled)
			cJSON_AddItemToArray(kept, cJSON_CreateString(pr->name));
	}
	for (i = 0; i < pl->ndisable; i++)
		cJSON_AddItemToArray(dis, cJSON_CreateString(pl->disable[i]));
	f = cJSON_AddArrayToObject(diff, "new_groups");
	for (i = 0; i < pl->nnew; i++)
		cJSON_AddItemToArray(f, cJSON_CreateString(pl->newg[i]));
	cJSON_AddNumberToObject(diff, "unchanged", pl->unchanged);
	cJSON_AddBoolToObject(diff, "applied", applied);
	return diff;
}

cJSON *
import_preview(struct store *st, const char *text, size_t len, const struct import_opts *o,
    struct import_errors *errs)
{
	struct plan pl;
	cJSON *diff;

	if (plan_make(st, text, len, o, &pl, errs) == -1)
		return NULL;
	diff = plan_diff(&pl, false);
	plan_free(&pl);
	return diff;
}

/* Write one planned row (inside the import's transaction). */
static int
write_row(struct store *st, struct planned *pr, const struct import_opts *o,
    struct import_counts *n, struct manage_err *me)
{
	struct member_row out;
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)pr->id);
	if (pr->action == A_ADD) {
		if (manage_member_add(st, &pr->ch, o->actor, me) == -1)
			return -1;
		n->added++;
	} else if (pr->action == A_CHANGE) {
		pr->ch.name = NULL;	/* matched by name: keep it */
		if (manage_member_edit(st, id, &pr->ch, o->actor, &out, me) == -1)
			return -1;
		n->changed++;
	}
	if (pr->enable) {
		if (manage_member_set_active(st, id, true, o->actor, &out, me) == -1)
			return -1;
		n->enabled++;
	}
	n->kept_disabled += pr->kept_disabled;
	return 0;
}

int
import_apply(struct store *st, const char *text, size_t len, const struct import_opts *o,
    struct import_counts *n, struct import_errors *errs)
{
	struct member_row out;
	struct manage_err me;
	struct plan pl;
	int i, line = 0;

	memset(n, 0, sizeof(*n));
	memset(errs, 0, sizeof(*errs));
	/* Planned under the write lock: what is written is what was planned. */
	if (store_begin(st) == -1) {
		error_at(errs, 0, 0, "%s", store_errmsg(st));
		return -1;
	}
	if (plan_make(st, text, len, o, &pl, errs) == -1) {
		store_rollback(st);
		return -1;
	}
	/* The groups first: the members' rows name them. */
	for (i = 0; i < pl.nnew; i++) {
		if (manage_group_add(st, pl.newg[i], o->actor, &me) == -1)
			goto fail;
		n->groups_added++;
	}
	for (i = 0; i < pl.n; i++) {
		line = pl.rows[i].line;
		if (write_row(st, &pl.rows[i], o, n, &me) == -1)
			goto fail;
	}
	line = 0;
	for (i = 0; i < pl.ndisable; i++) {
		if (manage_member_set_active(st, pl.disable[i], false, o->actor, &out, &me) == -1)
			goto fail;
		n->disabled++;
	}
	n->unchanged = pl.unchanged;
	plan_free(&pl);
	/* Each row has its own event; this one says they were one import. */
	if (manage_audit(st, o->actor, 0, 0, "import: %d added, %d changed, %d disabled, "
	    "%d enabled, %d unchanged, %d kept disabled", n->added, n->changed, n->disabled,
	    n->enabled, n->unchanged, n->kept_disabled) == -1) {
		error_at(errs, 0, 0, "%s", store_errmsg(st));
		store_rollback(st);
		memset(n, 0, sizeof(*n));
		return -1;
	}
	if (store_commit(st) == -1) {
		error_at(errs, 0, 0, "%s", store_errmsg(st));
		return -1;
	}
	return 0;
fail:
	error_at(errs, line, 0, "%s", me.msg);
	plan_free(&pl);
	store_rollback(st);
	memset(n, 0, sizeof(*n));
	return -1;
}

cJSON *
import_errors_json(const struct import_errors *errs)
{
	cJSON *a = cJSON_CreateArray(), *o;
	int i;

	for (i = 0; i < errs->n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "line", errs->e[i].line);
		cJSON_AddNumberToObject(o, "column", errs->e[i].column);
		if (errs->e[i].field[0] != '\0')
			cJSON_AddStringToObject(o, "field", errs->e[i].field);
		else
			cJSON_AddNullToObject(o, "field");
		cJSON_AddStringToObject(o, "message", errs->e[i].message);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *
import_missing_json(const struct import_errors *errs)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; i < errs->nmissing; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(errs->missing[i]));
	return a;
}
