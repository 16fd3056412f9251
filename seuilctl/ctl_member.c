/* seuilctl member add|list|show|edit|disable|enable */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "tz.h"

/* The options add and edit share; NULL or -1 means "not given". */
struct member_opts {
	const char	*name;
	const char	*display;
	const char	*email;
	const char	*from;
	const char	*until;
	const char	*groups[ACCESS_MAX_GROUPS];
	int		 ngroups;
	bool		 no_groups;
	int		 public;
};

enum { OPT_DISPLAY = 256, OPT_EMAIL, OPT_GROUP, OPT_NO_GROUPS, OPT_FROM,
    OPT_UNTIL, OPT_PUBLIC, OPT_ANONYMOUS, OPT_NAME };

static const struct option member_longopts[] = {
	{ "display", required_argument, NULL, OPT_DISPLAY },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "public", no_argument, NULL, OPT_PUBLIC },
	{ "anonymous", no_argument, NULL, OPT_ANONYMOUS },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "no-groups", no_argument, NULL, OPT_NO_GROUPS },
	CTL_COMMON_OPTS
};

static int
parse_member_opts(struct ctl *c, int argc, char **argv, struct member_opts *o,
    bool edit)
{
	int ch, rc;

	memset(o, 0, sizeof(*o));
	o->public = -1;
	while ((ch = getopt_long(argc, argv, ":", member_longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DISPLAY:
			o->display = optarg;
			break;
		case OPT_EMAIL:
			o->email = optarg;
			break;
		case OPT_GROUP:
			if (o->ngroups == ACCESS_MAX_GROUPS) {
				ctl_errx("at most %d groups", ACCESS_MAX_GROUPS);
				return EX_DATAERR;
			}
			o->groups[o->ngroups++] = optarg;
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_UNTIL:
			o->until = optarg;
			break;
		case OPT_PUBLIC:
		case OPT_ANONYMOUS:
			if (o->public != -1 && o->public != (ch == OPT_PUBLIC)) {
				ctl_errx("--public and --anonymous exclude each other");
				return ctl_usage(c);
			}
			o->public = ch == OPT_PUBLIC;
			break;
		case OPT_NAME:
		case OPT_NO_GROUPS:
			if (!edit) {
				ctl_errx("unknown option '%s'", argv[optind - 1]);
				return ctl_usage(c);
			}
			if (ch == OPT_NAME)
				o->name = optarg;
			else
				o->no_groups = true;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != -1)
				return rc;
		}
	}
	if (o->no_groups && o->ngroups > 0) {
		ctl_errx("--group and --no-groups exclude each other");
		return ctl_usage(c);
	}
	return -1;
}

/* "" or "none" clears a date. */
static int
set_date(const char *what, const char *arg, char out[11])
{
	if (*arg == '\0' || strcmp(arg, "none") == 0) {
		out[0] = '\0';
		return EX_OK;
	}
	if (tz_parse_date(arg, out) == -1) {
		ctl_errx("bad %s date '%s' (want YYYY-MM-DD)", what, arg);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Apply the options to *m, validating each. */
static int
apply_opts(const struct member_opts *o, struct member_row *m)
{
	int rc;

	if (o->name != NULL) {
		if (!ctl_valid_name(o->name, sizeof(m->name))) {
			ctl_errx("bad member name (printable UTF-8, not all digits, "
			    "not starting with '-', under %zu bytes)", sizeof(m->name));
			return EX_DATAERR;
		}
		snprintf(m->name, sizeof(m->name), "%s", o->name);
	}
	if (o->display != NULL) {
		if (!ctl_valid_text(o->display, sizeof(m->display_name))) {
			ctl_errx("bad display name (printable UTF-8, under %zu bytes)",
			    sizeof(m->display_name));
			return EX_DATAERR;
		}
		snprintf(m->display_name, sizeof(m->display_name), "%s", o->display);
	}
	if (o->email != NULL) {
		if (*o->email != '\0' && (strlen(o->email) >= sizeof(m->email) ||
		    strchr(o->email, '@') == NULL || strpbrk(o->email, " \t\r\n") != NULL)) {
			ctl_errx("bad email address '%s'", o->email);
			return EX_DATAERR;
		}
		snprintf(m->email, sizeof(m->email), "%s", o->email);
	}
	if (o->from != NULL && (rc = set_date("--from", o->from, m->valid_from)) != EX_OK)
		return rc;
	if (o->until != NULL && (rc = set_date("--until", o->until, m->valid_until)) != EX_OK)
		return rc;
	if (m->valid_from[0] != '\0' && m->valid_until[0] != '\0' &&
	    strcmp(m->valid_from, m->valid_until) > 0) {
		ctl_errx("valid from %s is after valid until %s", m->valid_from,
		    m->valid_until);
		return EX_DATAERR;
	}
	if (o->public != -1)
		m->public = o->public == 1;
	return EX_OK;
}

/* Erasure is final: an erased row gets no personal data, badge or access
 * back. */
static int
not_erased(const struct member_row *m)
{
	if (m->erased) {
		ctl_errx("member %lld was erased", (long long)m->id);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Resolve every --group before writing anything. */
static int
resolve_groups(struct ctl *c, const struct member_opts *o, int64_t ids[])
{
	struct access_group g;
	int i, rc;

	for (i = 0; i < o->ngroups; i++) {
		rc = store_group_find(c->st, o->groups[i], &g);
		if (rc == -1)
			return ctl_store_error(c, "group");
		if (rc == 0) {
			ctl_errx("group '%s' not found (add it with `seuilctl group "
			    "add`)", o->groups[i]);
			return EX_NOINPUT;
		}
		ids[i] = g.id;
	}
	return EX_OK;
}

static int
set_groups(struct ctl *c, int64_t member_id, const struct member_opts *o,
    const int64_t ids[], bool replace)
{
	int i;

	if (replace && store_member_clear_groups(c->st, member_id) == -1)
		return -1;
	for (i = 0; i < o->ngroups; i++)
		if (store_member_add_group(c->st, member_id, ids[i]) == -1)
			return -1;
	return 0;
}

int
ctl_member_add(struct ctl *c, int argc, char **argv)
{
	struct member_opts o;
	struct member_row m;
	int64_t gids[ACCESS_MAX_GROUPS], id;
	int rc;

	if ((rc = parse_member_opts(c, argc, argv, &o, false)) != -1)
		return rc;
	if (argc - optind != 1)
		return ctl_usage(c);
	memset(&m, 0, sizeof(m));
	m.active = true;
	o.name = argv[optind];
	if ((rc = apply_opts(&o, &m)) != EX_OK)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK || (rc = resolve_groups(c, &o, gids)) != EX_OK)
		return rc;

	if (store_begin(c->st) == -1)
		return ctl_store_error(c, "add member");
	if ((id = store_member_add(c->st, &m, clock_wall_ms())) == -1 ||
	    set_groups(c, id, &o, gids, false) == -1 || store_commit(c->st) == -1) {
		rc = ctl_store_error(c, "add member");
		store_rollback(c->st);
		return rc;
	}
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddStringToObject(j, "name", m.name);
		return ctl_json_print(j);
	}
	printf("%lld\n", (long long)id);
	return EX_OK;
}

static void
groups_text(struct ctl *c, int64_t member_id, char *buf, size_t len)
{
	struct access_groups ag;
	int i;

	buf[0] = '\0';
	if (store_member_groups(c->st, member_id, &ag) == -1) {
		snprintf(buf, len, "?");
		return;
	}
	for (i = 0; i < ag.ngroups; i++) {
		if (i > 0)
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, ag.groups[i].name, len - strlen(buf) - 1);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

cJSON *
ctl_member_json(struct ctl *c, const struct member_row *m)
{
	struct access_groups ag;
	cJSON *j = cJSON_CreateObject(), *a;
	char t[32];
	int i;

	cJSON_AddNumberToObject(j, "id", (double)m->id);
	cJSON_AddStringToObject(j, "name", m->name);
	ctl_json_text(j, "display_name", m->display_name);
	ctl_json_text(j, "email", m->email);
	cJSON_AddStringToObject(j, "status", m->active ? "active" : "disabled");
	ctl_json_text(j, "valid_from", m->valid_from);
	ctl_json_text(j, "valid_until", m->valid_until);
	cJSON_AddBoolToObject(j, "public", m->public);
	ctl_format_utc(m->created_ms, t, sizeof(t));
	cJSON_AddStringToObject(j, "created", t);
	cJSON_AddBoolToObject(j, "erased", m->erased);
	a = cJSON_AddArrayToObject(j, "groups");
	if (store_member_groups(c->st, m->id, &ag) == 0)
		for (i = 0; i < ag.ngroups; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(ag.groups[i].name));
	return j;
}

static const char *
validity(const struct member_row *m, char *buf, size_t len)
{
	if (m->valid_from[0] == '\0' && m->valid_until[0] == '\0')
		return "always";
	snprintf(buf, len, "%s..%s", m->valid_from[0] ? m->valid_from : "",
	    m->valid_until[0] ? m->valid_until : "");
	return buf;
}

struct list_ctx {
	struct ctl	*c;
	cJSON		*array;
};

static int
list_cb(const struct member_row *m, void *arg)
{
	struct list_ctx *x = arg;
	char groups[256], valid[32];

	if (x->array != NULL) {
		cJSON_AddItemToArray(x->array, ctl_member_json(x->c, m));
		return 0;
	}
	groups_text(x->c, m->id, groups, sizeof(groups));
	printf("%-5lld %-20s %-9s %-10s %-22s %s\n", (long long)m->id, m->name,
	    m->erased ? "erased" : m->active ? "active" : "disabled",
	    m->public ? "public" : "anonymous", validity(m, valid, sizeof(valid)),
	    groups);
	return 0;
}

int
ctl_member_list(struct ctl *c, int argc, char **argv)
{
	struct list_ctx x = { c, NULL };
	int rc, n;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		x.array = cJSON_CreateArray();
	else
		printf("%-5s %-20s %-9s %-10s %-22s %s\n", "ID", "NAME", "STATUS",
		    "MQTT", "VALID", "GROUPS");
	if ((n = store_members_list(c->st, list_cb, &x)) == -1) {
		cJSON_Delete(x.array);
		return ctl_store_error(c, "member list");
	}
	if (c->json)
		return ctl_json_print(x.array);
	return EX_OK;
}

struct show_ctx {
	struct ctl	*c;
	cJSON		*array;
	int64_t		 member_id;
	int64_t		 arrived_ms;
	char		 door[CONFIG_NAME_MAX + 1];
};

static int
show_badge_cb(const struct badge_row *b, void *arg)
{
	struct show_ctx *x = arg;
	char seen[32];

	if (x->array != NULL) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)b->id);
		cJSON_AddStringToObject(j, "hint", b->hint);
		cJSON_AddStringToObject(j, "label", b->label);
		cJSON_AddStringToObject(j, "status", b->active ? "active" : "revoked");
		cJSON_AddItemToArray(x->array, j);
		return 0;
	}
	ctl_format_time(b->last_seen_ms, seen, sizeof(seen));
	printf("  badge %lld  hint %s  %s  last seen %s%s%s\n", (long long)b->id,
	    b->hint, b->active ? "active" : "revoked", seen,
	    b->label[0] ? "  " : "", b->label);
	return 0;
}

static int
show_visit_cb(const struct visit_row *v, void *arg)
{
	struct show_ctx *x = arg;

	if (v->member_id == x->member_id && x->arrived_ms == 0) {
		x->arrived_ms = v->arrived_ms;
		snprintf(x->door, sizeof(x->door), "%s", v->door);
	}
	return 0;
}

int
ctl_member_show(struct ctl *c, int argc, char **argv)
{
	struct show_ctx x;
	struct member_row m;
	char groups[512], valid[32], t[32];
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.member_id = m.id;
	if (store_visits_open(c->st, show_visit_cb, &x) == -1)
		return ctl_store_error(c, "member show");
	if (c->json) {
		cJSON *j = ctl_member_json(c, &m);

		x.array = cJSON_AddArrayToObject(j, "badges");
		if (store_badges_list(c->st, m.id, show_badge_cb, &x) == -1) {
			cJSON_Delete(j);
			return ctl_store_error(c, "member show");
		}
		if (x.arrived_ms != 0) {
			cJSON *p = cJSON_AddObjectToObject(j, "present");

			ctl_format_utc(x.arrived_ms, t, sizeof(t));
			cJSON_AddStringToObject(p, "since", t);
			cJSON_AddStringToObject(p, "door", x.door);
		} else
			cJSON_AddNullToObject(j, "present");
		return ctl_json_print(j);
	}
	groups_text(c, m.id, groups, sizeof(groups));
	ctl_format_time(m.created_ms, t, sizeof(t));
	printf("member %lld: %s\n", (long long)m.id, m.name);
	printf("  display name  %s\n", m.display_name[0] ? m.display_name : "-");
	printf("  email         %s\n", m.email[0] ? m.email : "-");
	printf("  status        %s\n", m.erased ? "erased" : m.active ? "active" : "disabled");
	printf("  valid         %s\n", validity(&m, valid, sizeof(valid)));
	printf("  on MQTT       %s\n", m.public ? "by display name (public)" : "anonymous");
	printf("  groups        %s\n", groups);
	printf("  created       %s\n", t);
	if (x.arrived_ms != 0) {
		ctl_format_time(x.arrived_ms, t, sizeof(t));
		printf("  present       since %s (door %s)\n", t, x.door[0] ? x.door : "-");
	} else
		printf("  present       no\n");
	if (store_badges_list(c->st, m.id, show_badge_cb, &x) == -1)
		return ctl_store_error(c, "member show");
	return EX_OK;
}

int
ctl_member_edit(struct ctl *c, int argc, char **argv)
{
	struct member_opts o;
	struct member_row m;
	int64_t gids[ACCESS_MAX_GROUPS];
	int rc;

	if ((rc = parse_member_opts(c, argc, argv, &o, true)) != -1)
		return rc;
	if (argc - optind != 1)
		return ctl_usage(c);
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	/*
	 * The member is read inside the write transaction: the update writes
	 * every field back, so a row read before another writer's commit
	 * (`member disable`, an erase) would undo it.
	 */
	if (store_begin(c->st) == -1)
		return ctl_store_error(c, "edit member");
	if ((rc = ctl_member(c, argv[optind], &m)) != EX_OK ||
	    (rc = not_erased(&m)) != EX_OK ||
	    (rc = apply_opts(&o, &m)) != EX_OK || (rc = resolve_groups(c, &o, gids)) != EX_OK) {
		store_rollback(c->st);
		return rc;
	}
	if (store_member_update(c->st, &m) == -1 ||
	    ((o.ngroups > 0 || o.no_groups) && set_groups(c, m.id, &o, gids, true) == -1) ||
	    store_commit(c->st) == -1) {
		rc = ctl_store_error(c, "edit member");
		store_rollback(c->st);
		return rc;
	}
	if (c->json)
		return ctl_json_print(ctl_member_json(c, &m));
	printf("member %lld (%s) updated\n", (long long)m.id, m.name);
	return EX_OK;
}

static int
set_active(struct ctl *c, int argc, char **argv, bool active)
{
	struct member_row m;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (store_begin(c->st) == -1)
		return ctl_store_error(c, active ? "enable member" : "disable member");
	if ((rc = ctl_member(c, argv[optind], &m)) != EX_OK ||
	    (active && (rc = not_erased(&m)) != EX_OK)) {
		store_rollback(c->st);
		return rc;
	}
	if (store_member_set_active(c->st, m.id, active) == -1 ||
	    store_commit(c->st) == -1) {
		rc = ctl_store_error(c, active ? "enable member" : "disable member");
		store_rollback(c->st);
		return rc;
	}
	m.active = active;
	if (c->json)
		return ctl_json_print(ctl_member_json(c, &m));
	printf("member %lld (%s) %s\n", (long long)m.id, m.name,
	    active ? "enabled" : "disabled");
	return EX_OK;
}

int
ctl_member_disable(struct ctl *c, int argc, char **argv)
{
	return set_active(c, argc, argv, false);
}

int
ctl_member_enable(struct ctl *c, int argc, char **argv)
{
	return set_active(c, argc, argv, true);
}
