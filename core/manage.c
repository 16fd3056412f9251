/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The manager's operations, part one: the audit trail, the checks on what
 * managers type, and members.  See manage.h.
 */
#include "manage.h"

#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "tz.h"

int
manage_fail(struct manage_err *err, enum manage_status status, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
manage_store_fail(struct store *st, struct manage_err *err, const char *what)
{
	enum manage_status s;

	switch (store_errcode(st)) {
	case STORE_EEXIST:
		s = MANAGE_EEXIST;
		break;
	case STORE_EINVAL:
		s = MANAGE_EINVAL;
		break;
	case STORE_ENOENT:
		s = MANAGE_ENOENT;
		break;
	case STORE_EREPLICA:
		/* The store's message names the primary; what was tried adds
		 * nothing to it. */
		return manage_fail(err, MANAGE_EREPLICA, "%s", store_errmsg(st));
	default:
		s = MANAGE_EDB;
	}
	return manage_fail(err, s, "%s: %s", what, store_errmsg(st));
}

void
manage_actor_os(char actor[MANAGE_ACTOR_MAX])
{
	struct passwd *pw;
	uid_t uid = getuid();
	const char *p;

	pw = getpwuid(uid);
	if (pw == NULL || pw->pw_name == NULL || pw->pw_name[0] == '\0') {
		snprintf(actor, MANAGE_ACTOR_MAX, "uid:%u", (unsigned)uid);
		return;
	}
	/* A user name is the system's, but keep the log printable anyway. */
	for (p = pw->pw_name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-$", *p) == NULL) {
			snprintf(actor, MANAGE_ACTOR_MAX, "uid:%u", (unsigned)uid);
			return;
		}
	snprintf(actor, MANAGE_ACTOR_MAX, "uid:%u(%.64s)", (unsigned)uid, pw->pw_name);
}

int
manage_audit(struct store *st, const char *actor, int64_t member_id, int64_t badge_id,
    const char *fmt, ...)
{
	struct event ev;
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	memset(&ev, 0, sizeof(ev));
	ev.type = "admin_change";
	ev.member_id = member_id;
	ev.badge_id = badge_id;
	ev.detail = detail;
	ev.actor = actor;
	store_event_stamp(&ev);
	return store_append_event(st, &ev) == -1 ? -1 : 0;
}

bool
manage_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Characters that make one name look like another or hide part of it:
 * the bidirectional embeddings, overrides and isolates (U+202A-202E,
 * U+2066-2069) reorder what follows; the zero-width space and the byte
 * order mark (U+200B, U+FEFF) are invisible.  The zero-width joiner and
 * non-joiner (U+200D, U+200C) belong inside words of some scripts, so they
 * are refused only at the start or the end.
 */
static bool
hides_text(uint32_t cp, bool first, bool last)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200b || cp == 0xfeff ||
	    ((cp == 0x200c || cp == 0x200d) && (first || last));
}

/*
 * Text that ends up in JSON (seuilctl --json, MQTT presence, the lobby):
 * shorter than max, well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF: cJSON copies bytes as they are, and one bad
 * byte makes a whole presence payload unreadable), and no control
 * characters, which would also reach managers' terminals, nor characters
 * that hide text (hides_text).
 */
bool
manage_valid_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, i;

	if (strlen(s) >= max)
		return false;
	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0x80 && cp <= 0x9f) || hides_text(cp, p == (const unsigned char *)s,
		    p[n + 1] == '\0'))
			return false;
		p += n + 1;
	}
	return true;
}

/*
 * A NUL cuts a C string short, so a JSON text could hide a name's end:
 * "ali\u0000ce" would be decoded as "ali".  A text holding a NUL byte or
 * the escape of one is refused whole (the text "\u0000" itself, escaped,
 * is refused with it: nothing of seuil's needs it).
 */
bool
manage_json_has_nul(const char *text, size_t len)
{
	size_t i;

	if (memchr(text, '\0', len) != NULL)
		return true;
	for (i = 0; i + 6 <= len; i++)
		if (text[i] == '\\' && (text[i + 1] == 'u' || text[i + 1] == 'U') &&
		    memcmp(text + i + 2, "0000", 4) == 0)
			return true;
	return false;
}

/* A member or group name: no leading '-' (it would read as an option), not
 * all digits (it would read as an id). */
bool
manage_valid_name(const char *s, size_t max)
{
	if (*s == '\0' || *s == '-' || *s == ' ' || !manage_valid_text(s, max) ||
	    manage_all_digits(s))
		return false;
	return s[strlen(s) - 1] != ' ';
}

/* Group names appear in schedules and on command lines. */
bool
manage_valid_group_name(const char *s)
{
	const char *p;

	if (!manage_valid_name(s, sizeof(((struct access_group *)0)->name)))
		return false;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return false;
	return true;
}

bool
manage_looks_like_uid(const char *s)
{
	size_t digits = 0;

	for (; *s != '\0'; s++) {
		if (isxdigit((unsigned char)*s))
			digits++;
		else if (*s != ':' && *s != '-' && *s != ' ')
			return false;
	}
	return digits >= 8;
}

int
manage_member_find(struct store *st, const char *arg, struct member_row *m,
    struct manage_err *err)
{
	int rc = store_member_find(st, arg, m);

	if (rc == -1)
		return manage_store_fail(st, err, "member");
	if (rc == 0) {
		if (manage_looks_like_uid(arg))
			return manage_fail(err, MANAGE_ENOENT, "member not found (the argument "
			    "looks like a badge UID, which is not repeated here)");
		return manage_fail(err, MANAGE_ENOENT, "member '%s' not found", arg);
	}
	return 0;
}

/* "" or "none" clears a date. */
static int
set_date(const char *what, const char *arg, char out[11], struct manage_err *err)
{
	if (*arg == '\0' || strcmp(arg, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (tz_parse_date(arg, out) == -1)
		return manage_fail(err, MANAGE_EINVAL, "bad %s date '%s' (want YYYY-MM-DD)", what, arg);
	return 0;
}

int
manage_member_apply(const struct member_change *ch, struct member_row *m, struct manage_err *err)
{
	if (ch->name != NULL) {
		if (!manage_valid_name(ch->name, sizeof(m->name)))
			return manage_fail(err, MANAGE_EINVAL, "bad member name (printable UTF-8, "
			    "not all digits, not starting with '-', under %zu bytes)",
			    sizeof(m->name));
		snprintf(m->name, sizeof(m->name), "%s", ch->name);
	}
	if (ch->display != NULL) {
		if (!manage_valid_text(ch->display, sizeof(m->display_name)))
			return manage_fail(err, MANAGE_EINVAL, "bad display name (printable UTF-8, "
			    "under %zu bytes)", sizeof(m->display_name));
		snprintf(m->display_name, sizeof(m->display_name), "%s",
		    strcmp(ch->display, "none") == 0 ? "" : ch->display);
	}
	if (ch->email != NULL) {
		if (strcmp(ch->email, "none") != 0 && *ch->email != '\0' &&
		    (strlen(ch->email) >= sizeof(m->email) ||
		    strchr(ch->email, '@') == NULL || !manage_valid_text(ch->email, sizeof(m->email)) ||
		    strpbrk(ch->email, " \t\r\n") != NULL))
			return manage_fail(err, MANAGE_EINVAL, "bad email address");
		snprintf(m->email, sizeof(m->email), "%s",
		    strcmp(ch->email, "none") == 0 ? "" : ch->email);
	}
	if ((ch->from != NULL && set_date("--from", ch->from, m->valid_from, err) == -1) ||
	    (ch->until != NULL && set_date("--until", ch->until, m->valid_until, err) == -1))
		return -1;
	if (m->valid_from[0] != '\0' && m->valid_until[0] != '\0' &&
	    strcmp(m->valid_from, m->valid_until) > 0)
		return manage_fail(err, MANAGE_EINVAL, "valid from %s is after valid until %s",
		    m->valid_from, m->valid_until);
	if (ch->public != -1)
		m->public = ch->public == 1;
	return 0;
}

/* Resolve every group before writing anything. */
static int
resolve_groups(struct store *st, const struct member_change *ch, int64_t ids[],
    struct manage_err *err)
{
	struct access_group g;
	int i, rc;

	for (i = 0; i < ch->ngroups; i++) {
		rc = store_group_find(st, ch->groups[i], &g);
		if (rc == -1)
			return manage_store_fail(st, err, "group");
		if (rc == 0)
			return manage_fail(err, MANAGE_ENOENT, "group '%s' not found (add it with "
			    "`seuilctl group add`)", ch->groups[i]);
		ids[i] = g.id;
	}
	return 0;
}

static int
set_groups(struct store *st, int64_t member_id, const struct member_change *ch,
    const int64_t ids[], bool replace)
{
	int i;

	if (replace && store_member_clear_groups(st, member_id) == -1)
		return -1;
	for (i = 0; i < ch->ngroups; i++)
		if (store_member_add_group(st, member_id, ids[i]) == -1)
			return -1;
	return 0;
}

/* What an edit changed, for the audit detail: "name,email,groups". */
static void
change_fields(const struct member_change *ch, char *buf, size_t len)
{
	const struct { const void *set; const char *name; } f[] = {
		{ ch->name, "name" }, { ch->display, "display" }, { ch->email, "email" },
		{ ch->from, "from" }, { ch->until, "until" },
		{ ch->public != -1 ? "" : NULL, "public" },
		{ ch->set_groups ? "" : NULL, "groups" },
	};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].set != NULL)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? "," : "", f[i].name);
	if (buf[0] == '\0')
		snprintf(buf, len, "nothing");
}

int64_t
manage_member_add(struct store *st, const struct member_change *ch, const char *actor,
    struct manage_err *err)
{
	struct member_row m;
	int64_t gids[ACCESS_MAX_GROUPS], id;

	memset(&m, 0, sizeof(m));
	m.active = true;
	if (ch->name == NULL)
		return manage_fail(err, MANAGE_EINVAL, "a member needs a name");
	if (manage_member_apply(ch, &m, err) == -1 || resolve_groups(st, ch, gids, err) == -1)
		return -1;
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "add member");
	if ((id = store_member_add(st, &m, clock_wall_ms())) == -1 ||
	    set_groups(st, id, ch, gids, false) == -1 ||
	    manage_audit(st, actor, id, 0, "member add %lld", (long long)id) == -1 ||
	    store_commit(st) == -1) {
		manage_store_fail(st, err, "add member");
		store_rollback(st);
		return -1;
	}
	return id;
}

int
manage_member_edit(struct store *st, const char *arg, const struct member_change *ch,
    const char *actor, struct member_row *m, struct manage_err *err)
{
	int64_t gids[ACCESS_MAX_GROUPS];
	struct member_row before;
	char fields[96];

	/*
	 * The member is read inside the write transaction: the update writes
	 * every field back, so a row read before another writer's commit
	 * (`member disable`, an erase) would undo it.
	 */
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "edit member");
	if (manage_member_find(st, arg, m, err) == -1)
		goto fail;
	if (m->erased) {
		manage_fail(err, MANAGE_EINVAL, "member %lld was erased", (long long)m->id);
		goto fail;
	}
	before = *m;
	if (manage_member_apply(ch, m, err) == -1 || resolve_groups(st, ch, gids, err) == -1)
		goto fail;
	/* How the lobby names a member who chose it is theirs alone. */
	if (before.lobby_chosen_ms != 0 && (before.public != m->public ||
	    strcmp(before.display_name, m->display_name) != 0)) {
		manage_fail(err, MANAGE_EINVAL, "member %lld chose how the lobby names them "
		    "(public, display name): only they change it", (long long)m->id);
		goto fail;
	}
	change_fields(ch, fields, sizeof(fields));
	if (store_member_update(st, m) == -1 ||
	    (ch->set_groups && set_groups(st, m->id, ch, gids, true) == -1) ||
	    manage_audit(st, actor, m->id, 0, "member edit %lld: %s", (long long)m->id,
	    fields) == -1 || store_commit(st) == -1) {
		manage_store_fail(st, err, "edit member");
		goto fail;
	}
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int
manage_member_set_active(struct store *st, const char *arg, bool active, const char *actor,
    struct member_row *m, struct manage_err *err)
{
	const char *what = active ? "enable member" : "disable member";

	if (store_begin(st) == -1)
		return manage_store_fail(st, err, what);
	if (manage_member_find(st, arg, m, err) == -1)
		goto fail;
	if (active && m->erased) {
		manage_fail(err, MANAGE_EINVAL, "member %lld was erased", (long long)m->id);
		goto fail;
	}
	if (store_member_set_active(st, m->id, active) == -1 ||
	    manage_audit(st, actor, m->id, 0, "member %s %lld", active ? "enable" : "disable",
	    (long long)m->id) == -1 || store_commit(st) == -1) {
		manage_store_fail(st, err, what);
		goto fail;
	}
	m->active = active;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int
manage_member_erase(struct store *st, int64_t member_id, const char *actor,
    struct manage_err *err)
{
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "member erase");
	/* The event is written after the erase, which anonymises the member's
	 * events: this one keeps the id, which no longer names anyone. */
	if (store_member_erase(st, member_id, clock_wall_ms()) == -1 ||
	    manage_audit(st, actor, 0, 0, "member erase %lld", (long long)member_id) == -1 ||
	    store_commit(st) == -1) {
		manage_store_fail(st, err, "member erase");
		store_rollback(st);
		return -1;
	}
	return 0;
}
