/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl member add|list|show|edit|disable|enable|export|erase */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "fold.h"
#include "tz.h"

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

/* The options of add and edit, then exactly one operand. */
static int
parse_member_opts(struct ctl *c, int argc, char **argv, struct member_change *o,
    bool edit)
{
	bool no_groups = false;
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
				no_groups = true;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (no_groups && o->ngroups > 0) {
		ctl_errx("--group and --no-groups exclude each other");
		return ctl_usage(c);
	}
	o->set_groups = no_groups || o->ngroups > 0;
	if (argc - optind != 1)
		return ctl_usage(c);
	return EX_OK;
}

int
ctl_member_add(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	int64_t id;
	int rc;

	control_req_init(&req, CONTROL_MEMBER_ADD);
	if ((rc = parse_member_opts(c, argc, argv, &req.change, false)) != EX_OK)
		return rc;
	req.change.name = argv[optind];
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		id = control_reply_int(&rep, "id");
		control_reply_free(&rep);
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if ((id = manage_member_add(c->st, &req.change, c->actor, &err)) == -1)
		return ctl_manage_error(&err);
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddStringToObject(j, "name", req.change.name);
		return ctl_json_print(c, j);
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
	const char	*search;	/* NULL: every member */
};

static int
list_cb(const struct member_row *m, void *arg)
{
	struct list_ctx *x = arg;
	char groups[256], valid[32];

	if (x->search != NULL && !fold_contains(m->name, x->search) &&
	    !fold_contains(m->display_name, x->search))
		return 0;
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
	enum { OPT_SEARCH = 256 };
	static const struct option opts[] = {
		{ "search", required_argument, NULL, OPT_SEARCH },
		CTL_COMMON_OPTS
	};
	struct list_ctx x = { c, NULL };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == OPT_SEARCH)
			x.search = optarg;
		else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (optind != argc)
		return ctl_usage(c);
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, render_members_find(c->st, x.search, false, 0));
	printf("%-5s %-20s %-9s %-10s %-22s %s\n", "ID", "NAME", "STATUS",
	    "MQTT", "VALID", "GROUPS");
	if (store_members_list(c->st, list_cb, &x) == -1)
		return ctl_store_error(c, "member list");
	return EX_OK;
}

static int
show_badge_cb(const struct badge_row *b, void *arg)
{
	char seen[32];

	(void)arg;
	ctl_format_time(b->last_seen_ms, seen, sizeof(seen));
	printf("  badge %lld  hint %s%s  %s  last seen %s%s%s\n", (long long)b->id,
	    b->hint, b->kind == BADGE_DESFIRE ? " (DESFire)" : "",
	    b->active ? "active" : "revoked", seen,
	    b->label[0] ? "  " : "", b->label);
	return 0;
}

int
ctl_member_show(struct ctl *c, int argc, char **argv)
{
	struct member_row m;
	const cJSON *present;
	cJSON *j;
	char groups[512], valid[32], t[32];
	int64_t since;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK || (rc = ctl_store(c)) != EX_OK ||
	    (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	/* One source for both forms: the JSON seuil-web serves too. */
	if ((j = render_member_show(c->st, &m)) == NULL)
		return ctl_store_error(c, "member show");
	if (c->json)
		return ctl_json_print(c, j);
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
	present = cJSON_GetObjectItemCaseSensitive(j, "present");
	if (cJSON_IsObject(present) && tz_parse_utc(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(present, "since")), &since) == 0) {
		const char *door = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(present, "door"));

		ctl_format_time(since, t, sizeof(t));
		printf("  present       since %s (door %s)\n", t,
		    door != NULL && door[0] != '\0' ? door : "-");
	} else
		printf("  present       no\n");
	cJSON_Delete(j);
	if (store_badges_list(c->st, m.id, show_badge_cb, NULL) == -1)
		return ctl_store_error(c, "member show");
	return EX_OK;
}

/*
 * A change to member M through seuild (the member as it is after, read
 * back into *m), or in the store when no daemon runs: direct(c, M, m,
 * err) makes it there.
 */
static int
member_change(struct ctl *c, struct control_req *req, struct member_row *m,
    int (*direct)(struct ctl *, const struct control_req *, struct member_row *,
    struct manage_err *))
{
	struct control_reply rep;
	struct manage_err err;
	int64_t id;
	int rc;

	if ((rc = ctl_change(c, req, &rep)) == EX_OK) {
		id = control_reply_int(&rep, "id");
		control_reply_free(&rep);
		if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		if ((rc = store_member_get(c->st, id, m)) != 1)
			return rc == 0 ? EX_NOINPUT : ctl_store_error(c, "member");
		return EX_OK;
	}
	if (rc != CTL_DIRECT || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (direct(c, req, m, &err) == -1)
		return ctl_manage_error(&err);
	return EX_OK;
}

static int
edit_direct(struct ctl *c, const struct control_req *req, struct member_row *m,
    struct manage_err *err)
{
	return manage_member_edit(c->st, req->member_name, &req->change, c->actor, m, err);
}

static int
active_direct(struct ctl *c, const struct control_req *req, struct member_row *m,
    struct manage_err *err)
{
	return manage_member_set_active(c->st, req->member_name,
	    req->cmd == CONTROL_MEMBER_ENABLE, c->actor, m, err);
}

int
ctl_member_edit(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct member_row m;
	int rc;

	control_req_init(&req, CONTROL_MEMBER_EDIT);
	if ((rc = parse_member_opts(c, argc, argv, &req.change, true)) != EX_OK)
		return rc;
	req.member_name = argv[optind];
	if ((rc = member_change(c, &req, &m, edit_direct)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, render_member(c->st, &m));
	printf("member %lld (%s) updated\n", (long long)m.id, m.name);
	return EX_OK;
}

static int
set_active(struct ctl *c, int argc, char **argv, bool active)
{
	struct control_req req;
	struct member_row m;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	control_req_init(&req, active ? CONTROL_MEMBER_ENABLE : CONTROL_MEMBER_DISABLE);
	req.member_name = argv[optind];
	if ((rc = member_change(c, &req, &m, active_direct)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, render_member(c->st, &m));
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

/* The right of access: JSON with or without --json. */
int
ctl_member_export(struct ctl *c, int argc, char **argv)
{
	struct member_row m;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK || (rc = ctl_store(c)) != EX_OK ||
	    (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	return ctl_json_print(c, render_member_export(c->st, &c->conf, &m, clock_wall_ms()));
}

static int
count_badge(const struct badge_row *b, void *arg)
{
	(void)b;
	(void)arg;
	return 0;
}

static int
count_visit(const struct visit_row *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

static int
count_event(const struct event_row *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/* No daemon runs: the visit closed, the erasure written, the WAL copied
 * back here. */
static int
erase_direct(struct ctl *c, struct member_row *m, bool *was_present)
{
	struct manage_err err;
	bool daemon;
	int rc;

	if ((rc = ctl_checkout_member(c, m, was_present, &daemon)) != EX_OK) {
		ctl_errx("%s not erased", m->name);
		return rc;
	}
	if (manage_member_erase(c->st, m->id, c->actor, &err) == -1)
		return ctl_manage_error(&err);
	/* Old copies of the pages live on in the WAL until it is copied
	 * back and truncated. */
	rc = store_checkpoint(c->st);
	if (rc == -1)
		return ctl_store_error(c, "member erase: checkpoint");
	if (rc == 1) {
		ctl_errx("member %lld erased, but the database is busy: old copies may "
		    "remain in %s-wal until the next checkpoint; run `seuilctl member "
		    "erase %lld --yes` again later", (long long)m->id, c->conf.database,
		    (long long)m->id);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

int
ctl_member_erase(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		CTL_COMMON_OPTS
	};
	struct control_req req;
	struct control_reply rep;
	struct member_row m;
	bool yes = false, was_present = false;
	int ch, rc, nb, nv, ne;

	while ((ch = getopt_long(argc, argv, ":y", opts, NULL)) != -1) {
		if (ch == 'y') {
			yes = true;
			continue;
		}
		if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if ((nb = store_badges_list(c->st, m.id, count_badge, NULL)) == -1 ||
	    (nv = store_visits_between(c->st, 0, 0, m.id, count_visit, NULL)) == -1 ||
	    (ne = store_member_events(c->st, m.id, count_event, NULL)) == -1)
		return ctl_store_error(c, "member erase");
	if (!yes) {
		ctl_errx("member erase deletes personal data and cannot be undone: "
		    "add --yes\n"
		    "  It checks %s out if present, deletes %d badge%s and the group links,\n"
		    "  renames the member erased-%lld and clears display name, email and\n"
		    "  validity dates, and unlinks %d event%s and %d visit%s from the member\n"
		    "  (kept anonymised, so counts stay).  To give the member a copy first:\n"
		    "  seuilctl member export %lld", m.name, nb, nb == 1 ? "" : "s",
		    (long long)m.id, ne, ne == 1 ? "" : "s", nv, nv == 1 ? "" : "s",
		    (long long)m.id);
		return EX_USAGE;
	}

	control_req_init(&req, CONTROL_MEMBER_ERASE);
	req.member = m.id;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		/* seuild checks M out (presence is its own), then erases. */
		was_present = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep.json,
		    "was_present"));
		control_reply_free(&rep);
	} else if (rc != CTL_DIRECT) {
		ctl_errx("%s not erased", m.name);
		return rc;
	} else if ((rc = erase_direct(c, &m, &was_present)) != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "member_id", (double)m.id);
		cJSON_AddBoolToObject(j, "was_present", was_present);
		cJSON_AddNumberToObject(j, "badges_deleted", nb);
		cJSON_AddNumberToObject(j, "events_anonymised", ne);
		cJSON_AddNumberToObject(j, "visits_anonymised", nv);
		explicit_bzero(&m, sizeof(m));
		return ctl_json_print(c, j);
	}
	printf("member %lld erased%s: %d badge%s deleted, %d event%s and %d visit%s "
	    "anonymised\n", (long long)m.id, was_present ? " (checked out first)" : "",
	    nb, nb == 1 ? "" : "s", ne, ne == 1 ? "" : "s", nv, nv == 1 ? "" : "s");
	explicit_bzero(&m, sizeof(m));
	return EX_OK;
}

/* member invite [M] [--reader R] [--timeout S]: a code for the member's
 * own page, for M (admin) or for whoever taps their badge at the desk. */
int
ctl_member_invite(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		CTL_COMMON_OPTS
	};
	struct control_req req;
	struct control_reply rep;
	long timeout = 0;
	bool absent;
	int ch, rc;

	control_req_init(&req, CONTROL_MEMBER_INVITE);
	while ((ch = getopt_long(argc, argv, ":r:t:", opts, NULL)) != -1) {
		if (ch == 'r')
			req.reader = optarg;
		else if (ch == 't') {
			if ((rc = ctl_tap_timeout(optarg, &timeout)) != EX_OK)
				return rc;
		} else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind > 1)
		return ctl_usage(c);
	if (argc - optind == 1)
		req.member_name = argv[optind];
	else
		fprintf(stderr, "tap the member's badge at the desk reader\n");
	req.timeout = timeout;
	if ((rc = ctl_call(c, &req, req.member_name == NULL ? (int)(timeout ? timeout : 60) *
	    1000 + 5000 : 0, &rep, &absent, false)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, rep.json);
	printf("code %s for %s, until %s (single use; then set a password at once)\n",
	    control_reply_str(&rep, "code"), control_reply_str(&rep, "member"),
	    control_reply_str(&rep, "expires"));
	control_reply_free(&rep);
	return EX_OK;
}
