/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild.conf parser.
 *
 * inih splits "key = value" lines and strips comments; everything else is
 * ours.  Debian builds inih without INI_HANDLER_LINENO, so the parse goes
 * through ini_parse_stream() with our own reader: it reads whole lines with
 * getline(), counts them, refuses lines inih would silently split
 * (INI_MAX_LINE), and handles section headers itself.  Owning the headers
 * matters because inih truncates long section names without a word and never
 * tells the handler about an empty section, while an empty [door.NAME] is a
 * valid door with every default.  Leading blanks are stripped before inih
 * sees a line, so an indented key is a key and never a continuation of the
 * previous value (inih's multi-line mode would otherwise swallow it).
 *
 * One table (config_keys.c) lists every key of docs/design.md,
 * Configuration, in order, with its type, range and where it lives: the
 * handler parses through it and config_print() walks it, so the canonical
 * form cannot forget a key.
 *
 * Errors are collected with their line and printed sorted by line once the
 * whole file has been read, so `seuild -n` reports everything top to bottom.
 */
#include "config_private.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "access.h"
#include "tz.h"

void
config_perr(struct parse *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	struct cerr *n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (p->nerrs == p->errcap) {
		int cap = p->errcap ? p->errcap * 2 : 16;

		if ((n = realloc(p->errs, (size_t)cap * sizeof(*n))) == NULL) {
			p->lost++;
			return;
		}
		p->errs = n;
		p->errcap = cap;
	}
	if ((p->errs[p->nerrs].msg = strdup(msg)) == NULL) {
		p->lost++;
		return;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	p->nerrs++;
}

static int
cerr_cmp(const void *a, const void *b)
{
	const struct cerr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool
valid_name(const char *s)
{
	size_t n = 0;

	/* Explicit ranges: islower() would follow the locale. */
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= CONFIG_NAME_MAX;
}

static const struct { const char *name; int64_t ms; } units[] = {
	{ "d", DAY }, { "h", HOUR }, { "m", MIN }, { "s", SEC }, { "ms", 1 },
};
#define NUNITS	(sizeof(units) / sizeof(units[0]))

int64_t
config_parse_duration(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	for (i = 0; i < NUNITS; i++) {
		if (strcmp(s, units[i].name) != 0)
			continue;
		if (v > INT64_MAX / units[i].ms)
			return -1;
		return v * units[i].ms;
	}
	return -1;
}

/* Index in units[] of the largest unit ms is a whole number of. */
static size_t
largest_unit(int64_t ms)
{
	size_t i;

	/* Zero is exact in every unit; seconds read best. */
	if (ms == 0)
		return NUNITS - 2;
	for (i = 0; i < NUNITS - 1; i++)
		if (ms % units[i].ms == 0)
			break;
	return i;
}

void
config_format_duration(int64_t ms, char *buf, size_t len)
{
	size_t u = largest_unit(ms);

	snprintf(buf, len, "%" PRId64 "%s", ms / units[u].ms, units[u].name);
}

/* "1s..60s": the maximum in the minimum's unit when that stays short. */
static void
format_range(int64_t min, int64_t max, char *buf, size_t len)
{
	char a[32], b[32];
	size_t u = largest_unit(min);

	config_format_duration(min, a, sizeof(a));
	if (max % units[u].ms == 0 && max / units[u].ms < 100)
		snprintf(b, sizeof(b), "%" PRId64 "%s", max / units[u].ms,
		    units[u].name);
	else
		config_format_duration(max, b, sizeof(b));
	snprintf(buf, len, "%s..%s", a, b);
}

/* 1 true, 0 false, -1 not a boolean. */
static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Unsigned decimal, no sign or blanks; -1 if bad or over max. */
static int64_t
parse_uint(const char *s, int64_t max)
{
	int64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return *s == '\0' ? v : -1;
}

/* "in, out or toggle" */
static void
enum_hint(const char *const *names, char *buf, size_t len)
{
	size_t n, i, off = 0;

	for (n = 0; names[n] != NULL; n++)
		;
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
}

/* Where the fields of a key of the current section live. */
static char *
key_base(struct config *conf, enum sect s, int idx)
{
	if (s == S_DOOR)
		return (char *)&conf->doors[idx];
	if (s == S_READER)
		return (char *)&conf->readers[idx];
	return (char *)conf;
}

const char *
config_ckey_base(const struct config *conf, enum sect s, int idx)
{
	if (s == S_DOOR)
		return (const char *)&conf->doors[idx];
	if (s == S_READER)
		return (const char *)&conf->readers[idx];
	return (const char *)conf;
}

int
config_key_find(enum sect s, const char *name)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].sect == s && strcmp(config_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The line a key was set on, or its section's header line if it was not. */
int
config_key_line(const struct parse *p, enum sect s, int idx, const char *name)
{
	int k = config_key_find(s, name), inst = 0, line;

	if (s == S_DOOR)
		inst = DOOR_INST(idx);
	else if (s == S_READER)
		inst = READER_INST(idx);
	if (k >= 0 && (line = p->seen[inst][k]) > 0)
		return line;
	if (s == S_DOOR)
		return p->door_line[idx];
	if (s == S_READER)
		return p->reader_line[idx];
	return p->sect_line[s];
}

/* Parse value into its field; false (and an error) if it is bad. */
static bool
set_value(struct parse *p, const struct key *k, char *base, const char *value)
{
	char *field = base + k->off;
	char hint[80];
	int64_t v;
	int iv, line = p->lineno;

	switch (k->type) {
	case K_STR:
		if (k->required && *value == '\0') {
			config_perr(p, line, "empty value for %s", k->name);
			return false;
		}
		if (strlen(value) >= k->size) {
			config_perr(p, line, "value too long for %s (at most %zu "
			    "characters)", k->name, k->size - 1);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_NAME:
		if (value[0] == '\0' && k->empty_ok) {
			field[0] = '\0';
			return true;
		}
		if (!valid_name(value)) {
			config_perr(p, line, "bad name '%s' for %s (use 1 to %d of "
			    "a-z, 0-9, '_' and '-')", value, k->name,
			    CONFIG_NAME_MAX);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_TZ:
		if (strlen(value) >= k->size || !tz_valid(value)) {
			config_perr(p, line, "unknown timezone '%s' for %s (use a tz "
			    "database name such as Europe/Paris)", value,
			    k->name);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_DUR:
		if ((v = config_parse_duration(value)) < 0) {
			config_perr(p, line, "bad duration '%s' for %s (use e.g. "
			    "500ms, 5s, 10m, 12h, 30d)", value, k->name);
			return false;
		}
		if (v < k->min || v > k->max) {
			format_range(k->min, k->max, hint, sizeof(hint));
			config_perr(p, line, "%s '%s' out of range (%s)", k->name,
			    value, hint);
			return false;
		}
		if (k->whole_sec && v % SEC != 0) {
			config_perr(p, line, "%s '%s' must be whole seconds",
			    k->name, value);
			return false;
		}
		memcpy(field, &v, sizeof(v));
		return true;
	case K_BOOL:
		if ((iv = parse_bool(value)) < 0) {
			config_perr(p, line, "bad boolean '%s' for %s (use true or "
			    "false)", value, k->name);
			return false;
		}
		*(bool *)field = iv;
		return true;
	case K_INT:
		if ((v = parse_uint(value, INT_MAX)) < 0) {
			if (isdigit((unsigned char)*value) &&
			    strspn(value, "0123456789") == strlen(value))
				config_perr(p, line, "%s '%s' out of range "
				    "(%" PRId64 "..%" PRId64 ")", k->name,
				    value, k->min, k->max);
			else
				config_perr(p, line, "bad number '%s' for %s (use "
				    "%" PRId64 "..%" PRId64 ")", value,
				    k->name, k->min, k->max);
			return false;
		}
		if (v < k->min || v > k->max) {
			config_perr(p, line, "%s '%s' out of range (%" PRId64 "..%"
			    PRId64 ")", k->name, value, k->min, k->max);
			return false;
		}
		iv = (int)v;
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_LINE:
	case K_OPTLINE:
		if (k->type == K_OPTLINE && *value == '\0') {
			iv = -1;
			memcpy(field, &iv, sizeof(iv));
			return true;
		}
		if ((v = parse_uint(value, LINE_MAX_NUM)) < 0) {
			config_perr(p, line, "bad line number '%s' for %s (use "
			    "0..%d%s)", value, k->name, LINE_MAX_NUM,
			    k->type == K_OPTLINE ? ", or leave empty for none"
			    : "");
			return false;
		}
		iv = (int)v;
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_ENUM:
		for (iv = 0; k->names[iv] != NULL; iv++)
			if (strcmp(value, k->names[iv]) == 0)
				break;
		if (k->names[iv] == NULL) {
			enum_hint(k->names, hint, sizeof(hint));
			config_perr(p, line, "bad value '%s' for %s (use %s)", value,
			    k->name, hint);
			return false;
		}
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_AID: {
		uint32_t aid = 0;

		for (iv = 0; iv < 6 && isxdigit((unsigned char)value[iv]); iv++)
			aid = aid << 4 | (uint32_t)(isdigit((unsigned char)value[iv]) ?
			    value[iv] - '0' : (tolower((unsigned char)value[iv]) - 'a' + 10));
		/* 000000 is the card itself (the PICC level), not an
		 * application. */
		if (iv != 6 || value[6] != '\0' || aid == 0) {
			config_perr(p, line, "bad application id '%s' for %s (use 6 hex "
			    "digits, as F5EE11; not 000000)", value, k->name);
			return false;
		}
		memcpy(field, &aid, sizeof(aid));
		return true;
	}
	case K_HHMM:
		if ((iv = tz_parse_hhmm(value, strlen(value), false)) < 0) {
			config_perr(p, line, "bad time '%s' for %s (use HH:MM, "
			    "00:00..23:59)", value, k->name);
			return false;
		}
		memcpy(field, &iv, sizeof(iv));
		return true;
	}
	return false;
}

/* inih calls this for every "key = value" after our reader has handed it
 * the line, so p->lineno is the line being parsed. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	int k, first;

	(void)section;	/* the reader tracks sections; see the top */
	switch (p->sect) {
	case S_NONE:
		config_perr(p, p->lineno, "key '%s' outside any section", name);
		return 1;
	case S_SKIP:
		return 1;
	default:
		break;
	}
	if ((k = config_key_find(p->sect, name)) < 0) {
		config_perr(p, p->lineno, "unknown key '%s' in [%s]", name,
		    p->sect_text);
		return 1;
	}
	if ((first = p->seen[p->inst][k]) > 0) {
		config_perr(p, p->lineno, "duplicate key '%s' in [%s] (first at "
		    "line %d)", name, p->sect_text, first);
		return 1;
	}
	p->seen[p->inst][k] = p->lineno;
	if (!set_value(p, &config_keys[k], key_base(p->conf, p->sect, p->idx),
	    value))
		p->bad[p->inst][k] = true;
	return 1;
}

/* A "[...]" line: find which section it opens and check it. */
static void
on_section(struct parse *p, const char *text)
{
	struct config *conf = p->conf;
	const char *dot, *name;
	size_t len;
	int s, i;

	p->sect = S_SKIP;
	snprintf(p->sect_text, sizeof(p->sect_text), "%s", text);
	dot = strchr(text, '.');
	len = dot ? (size_t)(dot - text) : strlen(text);
	for (s = S_SITE; s < S_COUNT; s++)
		if (strlen(config_sect_names[s]) == len &&
		    strncmp(text, config_sect_names[s], len) == 0)
			break;
	if (s == S_COUNT) {
		config_perr(p, p->lineno, "unknown section [%s]", text);
		return;
	}
	if (s != S_DOOR && s != S_READER) {
		if (dot != NULL) {
			config_perr(p, p->lineno, "unknown section [%s]", text);
			return;
		}
		if (p->sect_line[s] > 0) {
			config_perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->sect_line[s]);
			return;
		}
		p->sect_line[s] = p->lineno;
		p->sect = s;
		p->inst = 0;
		p->idx = 0;
		return;
	}

	if (dot == NULL) {
		config_perr(p, p->lineno, "section [%s] needs a name: [%s.NAME]",
		    text, text);
		return;
	}
	name = dot + 1;
	if (!valid_name(name)) {
		config_perr(p, p->lineno, "bad %s name '%s' (use 1 to %d of a-z, "
		    "0-9, '_' and '-')", config_sect_names[s], name,
		    CONFIG_NAME_MAX);
		return;
	}
	if (s == S_DOOR) {
		if ((i = config_door_index(conf, name)) >= 0) {
			config_perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->door_line[i]);
			return;
		}
		if (conf->ndoors == CONFIG_MAX_DOORS) {
			config_perr(p, p->lineno, "too many doors (at most %d)",
			    CONFIG_MAX_DOORS);
			return;
		}
		i = conf->ndoors++;
		config_door_defaults(&conf->doors[i], name);
		p->door_line[i] = p->lineno;
		p->inst = DOOR_INST(i);
	} else {
		if ((i = config_reader_index(conf, name)) >= 0) {
			config_perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->reader_line[i]);
			return;
		}
		if (conf->nreaders == CONFIG_MAX_READERS) {
			config_perr(p, p->lineno, "too many readers (at most %d)",
			    CONFIG_MAX_READERS);
			return;
		}
		i = conf->nreaders++;
		config_reader_defaults(&conf->readers[i], name);
		p->reader_line[i] = p->lineno;
		p->inst = READER_INST(i);
	}
	p->sect = s;
	p->idx = i;
}

/*
 * Like inih's find_chars_or_comment(): the first of chars, or the start of
 * an inline comment (';' after a blank), or the end of the string.  Used to
 * recognise exactly the lines inih would reject, so that every such line is
 * reported rather than only the first.
 */
static const char *
find_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && strchr(chars, *s) == NULL &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static bool
is_comment_or_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' || *s == ';' || *s == '#';
}

/* A header line, s at its '['.  Returns false on a syntax error. */
static bool
section_line(struct parse *p, char *s)
{
	char *start = s + 1, *end;
	const char *close;

	close = find_or_comment(start, "]");
	if (*close != ']') {
		config_perr(p, p->lineno, "syntax error: missing ']'");
		return false;
	}
	if (!is_comment_or_blank(close + 1)) {
		config_perr(p, p->lineno, "syntax error: text after ']'");
		return false;
	}
	end = start + (close - start);
	*end = '\0';
	while (isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = '\0';
	on_section(p, start);
	return true;
}

/* ini_reader: hand inih one line at a time; see the comment at the top. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n;
	char *s;
	size_t len;
	const char *sep;

	errno = 0;
	if ((n = getline(&p->buf, &p->bufcap, p->in)) < 0) {
		if (errno != 0 && !feof(p->in))
			p->read_errno = errno;
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	len = (size_t)n;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	str[0] = '\0';
	if (len > LINE_CONTENT_MAX || len + 2 > (size_t)num) {
		config_perr(p, p->lineno, "line too long (%zu characters, at most "
		    "%d)", len, LINE_CONTENT_MAX);
		return str;
	}
	if (strlen(s) != len) {
		config_perr(p, p->lineno, "NUL byte in line");
		return str;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		section_line(p, s);
		return str;
	}
	if (*s != '\0' && *s != ';' && *s != '#') {
		sep = find_or_comment(s, "=:");
		if (*sep != '=' && *sep != ':') {
			config_perr(p, p->lineno, "syntax error: expected '[section]' "
			    "or 'key = value'");
			return str;
		}
		if (sep == s) {
			config_perr(p, p->lineno, "syntax error: missing key before "
			    "'%c'", *sep);
			return str;
		}
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

/* Blanks and quotes are legal in a topic but here they are a quoted
 * value or a '#' comment after the value, which inih keeps as text. */
bool
config_key_bad(const struct parse *p, enum sect s, int idx, const char *name)
{
	int inst = s == S_DOOR ? DOOR_INST(idx) :
	    s == S_READER ? READER_INST(idx) : 0;

	return p->bad[inst][config_key_find(s, name)];
}

int
config_load(const char *path, struct config *conf, FILE *errs)
{
	struct parse *p;
	int i, rc, ret;

	config_defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", path);

	/* Big (the seen table): keep it off the stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(errs, "%s:0: %s\n", path, strerror(errno));
		return -1;
	}
	p->conf = conf;
	if ((p->in = fopen(path, "r")) == NULL) {
		fprintf(errs, "%s:0: cannot open: %s\n", path, strerror(errno));
		free(p);
		return -1;
	}

	rc = ini_parse_stream(read_line, p, on_key, p);
	if (rc > 0)	/* a line inih refused that our reader let through */
		config_perr(p, rc, "syntax error");
	else if (rc < 0)
		config_perr(p, 0, "out of memory");

	if (p->read_errno != 0) {
		fprintf(errs, "%s:%d: cannot read: %s\n", path, p->lineno + 1,
		    strerror(p->read_errno));
		ret = -1;
	} else {
		config_check_all(p);
		config_check_web(p);
		config_check_lobby(p);
		if (p->nerrs > 0)
			qsort(p->errs, (size_t)p->nerrs, sizeof(*p->errs),
			    cerr_cmp);
		for (i = 0; i < p->nerrs; i++)
			fprintf(errs, "%s:%d: %s\n", path, p->errs[i].line,
			    p->errs[i].msg);
		if (p->lost > 0)
			fprintf(errs, "%s:0: %d more errors (out of memory)\n",
			    path, p->lost);
		ret = p->nerrs + p->lost;
	}

	for (i = 0; i < p->nerrs; i++)
		free(p->errs[i].msg);
	free(p->errs);
	free(p->buf);
	fclose(p->in);
	free(p);
	return ret;
}

const char *
config_reader_door(const struct reader_conf *r)
{
	return r->door_index >= 0 ? r->door : NULL;
}

int
config_door_index(const struct config *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->ndoors; i++)
		if (strcmp(conf->doors[i].name, name) == 0)
			return i;
	return -1;
}

int
config_reader_index(const struct config *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->nreaders; i++)
		if (strcmp(conf->readers[i].name, name) == 0)
			return i;
	return -1;
}

