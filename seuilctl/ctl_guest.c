/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl guest add|list|lend|end|export|erase|pool (core/guest.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "guest.h"

/* A guest id operand. */
static int
guest_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		ctl_errx("'%s' is not a guest id (guest list shows them)", s);
		return EX_DATAERR;
	}
	*id = v;
	return EX_OK;
}

static void
print_guest(const struct guest_row *g, const char *sponsor)
{
	char ends[32], ended[32];

	ctl_format_time(g->ends_ms, ends, sizeof(ends));
	ctl_format_time(g->ended_ms, ended, sizeof(ended));
	printf("%-5lld %-20s %-16s %-19s %s%s%s\n", (long long)g->id, g->name,
	    sponsor != NULL ? sponsor : "-", ends, g->ended_ms ? "ended " : "open",
	    g->ended_ms ? ended : "", g->ended_ms == 0 && g->loaner[0] ? "" : "");
	if (g->ended_ms == 0 && g->loaner[0] != '\0')
		printf("      loaner %s\n", g->loaner);
}

/* Print guest id as it is now. */
static int
show(struct ctl *c, int64_t id)
{
	struct guest_row g;
	struct member_row m;
	int rc;

	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if ((rc = store_guest_get(c->st, id, &g)) != 1)
		return rc == 0 ? EX_NOINPUT : ctl_store_error(c, "guest");
	if (c->json)
		return ctl_json_print(c, guest_json(c->st, &g));
	print_guest(&g, g.sponsor_id != 0 && store_member_get(c->st, g.sponsor_id, &m) == 1 ?
	    m.name : NULL);
	return EX_OK;
}

int
ctl_guest_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sponsor", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "badge", required_argument, NULL, 'b' },
		CTL_COMMON_OPTS
	};
	struct guest_new n = { 0 };
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	const char *until = NULL;
	int64_t id;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":s:u:b:", opts, NULL)) != -1) {
		switch (ch) {
		case 's': n.sponsor = optarg; break;
		case 'u': until = optarg; break;
		case 'b': n.loaner = optarg; break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind != 1 || n.sponsor == NULL)
		return ctl_usage(c);
	n.name = argv[optind];
	if (until != NULL && guest_parse_until(until, &n.until_ms, &err) == -1)
		return ctl_manage_error(&err);
	control_req_init(&req, CONTROL_GUEST_ADD);
	req.change.name = n.name;
	req.member_name = n.sponsor;
	req.until = until;
	req.label = n.loaner;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		id = control_reply_int(&rep, "id");
		control_reply_free(&rep);
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if ((id = guest_add(c->st, &c->conf, &n, clock_wall_ms(), c->actor, NULL,
	    &err)) == -1)
		return ctl_manage_error(&err);
	return show(c, id);
}

int
ctl_guest_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "sponsor", required_argument, NULL, 's' },
		CTL_COMMON_OPTS
	};
	struct member_row m = { .id = 0 };
	const char *sponsor = NULL;
	bool all = false;
	cJSON *a, *g;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":as:", opts, NULL)) != -1) {
		if (ch == 'a')
			all = true;
		else if (ch == 's')
			sponsor = optarg;
		else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc != optind)
		return ctl_usage(c);
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (sponsor != NULL && (rc = ctl_member(c, sponsor, &m)) != EX_OK)
		return rc;
	if ((a = guest_list_json(c->st, m.id, !all)) == NULL)
		return ctl_store_error(c, "guest list");
	if (c->json)
		return ctl_json_print(c, a);
	printf("%-5s %-20s %-16s %-19s %s\n", "ID", "NAME", "SPONSOR", "ENDS", "PASS");
	cJSON_ArrayForEach(g, a) {
		struct guest_row r = { 0 };

		r.id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "id"));
		if (store_guest_get(c->st, r.id, &r) == 1)
			print_guest(&r, cJSON_GetStringValue(cJSON_GetObjectItem(g, "sponsor")));
	}
	cJSON_Delete(a);
	return EX_OK;
}

/* lend, end, erase: a request with the guest (and a label), or the same
 * change made here without seuild. */
static int
change(struct ctl *c, enum control_cmd cmd, int64_t id, const char *label)
{
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	int rc;

	control_req_init(&req, cmd);
	req.guest = id;
	req.label = label;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		control_reply_free(&rep);
		return EX_OK;
	}
	if (rc != CTL_DIRECT)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	switch (cmd) {
	case CONTROL_GUEST_LEND:
		rc = guest_lend(c->st, id, label, c->actor, &err);
		break;
	case CONTROL_GUEST_END:
		/* Its visit too: no daemon keeps it. */
		if ((rc = guest_end(c->st, id, clock_wall_ms(), c->actor, NULL, &err)) == 0 &&
		    store_member_checkout(c->st, -id, clock_wall_ms(), "pass_end") == -1)
			return ctl_store_error(c, "guest end");
		break;
	default:
		rc = guest_erase(c->st, id, c->actor, &err);
		break;
	}
	return rc == -1 ? ctl_manage_error(&err) : EX_OK;
}

int
ctl_guest_lend(struct ctl *c, int argc, char **argv)
{
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 2, 2)) != EX_OK ||
	    (rc = guest_id(argv[optind], &id)) != EX_OK ||
	    (rc = change(c, CONTROL_GUEST_LEND, id, argv[optind + 1])) != EX_OK)
		return rc;
	return show(c, id);
}

int
ctl_guest_end(struct ctl *c, int argc, char **argv)
{
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK ||
	    (rc = guest_id(argv[optind], &id)) != EX_OK ||
	    (rc = change(c, CONTROL_GUEST_END, id, NULL)) != EX_OK)
		return rc;
	return show(c, id);
}

int
ctl_guest_export(struct ctl *c, int argc, char **argv)
{
	struct guest_row g;
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK ||
	    (rc = guest_id(argv[optind], &id)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if ((rc = store_guest_get(c->st, id, &g)) != 1) {
		if (rc == 0)
			ctl_errx("no guest %lld", (long long)id);
		return rc == 0 ? EX_NOINPUT : ctl_store_error(c, "guest export");
	}
	c->json = true;
	return ctl_json_print(c, guest_export_json(c->st, &g, clock_wall_ms()));
}

int
ctl_guest_erase(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		CTL_COMMON_OPTS
	};
	bool yes = false;
	int64_t id;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":y", opts, NULL)) != -1) {
		if (ch == 'y')
			yes = true;
		else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if ((rc = guest_id(argv[optind], &id)) != EX_OK)
		return rc;
	if (!yes) {
		ctl_errx("guest erase deletes the guest's name and pass and cannot be undone: "
		    "add --yes (their events keep only the sponsor)");
		return EX_USAGE;
	}
	if ((rc = change(c, CONTROL_GUEST_ERASE, id, NULL)) != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddBoolToObject(j, "erased", 1);
		return ctl_json_print(c, j);
	}
	printf("guest %lld erased\n", (long long)id);
	return EX_OK;
}

/* guest pool add UID|- --label L | add --label L [--reader R] [--timeout S]
 * | list | remove LABEL */
int
ctl_guest_pool(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		CTL_COMMON_OPTS
	};
	const char *label = NULL, *reader = NULL, *verb, *uid = NULL;
	char line[128] = "", hint[UID_HINT_LEN];
	uint8_t mac[UID_MAC_LEN];
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	struct uid u;
	long timeout = 0;
	int64_t id;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":l:r:t:", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': label = optarg; break;
		case 'r': reader = optarg; break;
		case 't':
			if ((rc = ctl_tap_timeout(optarg, &timeout)) != EX_OK)
				return rc;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind < 1)
		return ctl_usage(c);
	verb = argv[optind];
	if (strcmp(verb, "list") == 0) {
		cJSON *a, *l;

		if (argc - optind != 1 || (rc = ctl_store(c)) != EX_OK)
			return rc != EX_OK ? rc : ctl_usage(c);
		if ((a = guest_pool_json(c->st)) == NULL)
			return ctl_store_error(c, "guest pool");
		if (c->json)
			return ctl_json_print(c, a);
		cJSON_ArrayForEach(l, a) {
			const cJSON *to = cJSON_GetObjectItem(l, "lent_to");

			printf("%-16s hint %s  %s", cJSON_GetStringValue(cJSON_GetObjectItem(l,
			    "label")), cJSON_GetStringValue(cJSON_GetObjectItem(l, "hint")),
			    cJSON_IsNumber(to) ? "lent to guest " : "in the pool");
			if (cJSON_IsNumber(to))
				printf("%.0f", to->valuedouble);
			putchar('\n');
		}
		cJSON_Delete(a);
		return EX_OK;
	}
	if (strcmp(verb, "remove") == 0) {
		if (argc - optind != 2)
			return ctl_usage(c);
		control_req_init(&req, CONTROL_LOANER_REMOVE);
		req.label = argv[optind + 1];
		if ((rc = ctl_change(c, &req, &rep)) == EX_OK)
			control_reply_free(&rep);
		else if (rc != CTL_DIRECT)
			return rc;
		else if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		else if (guest_loaner_remove(c->st, req.label, c->actor, &err) == -1)
			return ctl_manage_error(&err);
		printf("loaner %s removed from the pool\n", req.label);
		return EX_OK;
	}
	if (strcmp(verb, "add") != 0 || argc - optind > 2 || label == NULL)
		return ctl_usage(c);
	if (argc - optind == 2) {
		uid = argv[optind + 1];
		if (strcmp(uid, "-") == 0) {
			if (ctl_read_uid_stdin(line, sizeof(line)) == -1)
				return EX_DATAERR;
			uid = line;
		}
	}
	control_req_init(&req, CONTROL_LOANER_ADD);
	req.label = label;
	req.uid = uid;
	req.reader = reader;
	req.timeout = timeout;
	rc = ctl_call(c, &req, uid == NULL ? (int)(timeout ? timeout : 60) * 1000 + 5000 : 0,
	    &rep, &(bool){ false }, uid != NULL);
	if (rc == EX_OK) {
		explicit_bzero(line, sizeof(line));
		printf("loaner %s (hint %s) added to the pool%s%s\n", label,
		    control_reply_str(&rep, "hint") ? control_reply_str(&rep, "hint") : "?",
		    control_reply_str(&rep, "reader") ? " at reader " : "",
		    control_reply_str(&rep, "reader") ? control_reply_str(&rep, "reader") : "");
		control_reply_free(&rep);
		return EX_OK;
	}
	if (uid == NULL || rc != EX_UNAVAILABLE) {
		explicit_bzero(line, sizeof(line));
		return rc;
	}
	/* No daemon: here, with the key. */
	if ((rc = ctl_store(c)) != EX_OK || uid_parse(uid, &u, (char[128]){ 0 }, 128) == -1) {
		explicit_bzero(line, sizeof(line));
		if (rc == EX_OK)
			ctl_errx("bad UID");
		return rc != EX_OK ? rc : EX_DATAERR;
	}
	explicit_bzero(line, sizeof(line));
	if ((rc = ctl_uid_mac(c, &u, mac, hint)) != EX_OK)
		return rc;
	id = guest_loaner_add(c->st, mac, hint, label, clock_wall_ms(), c->actor, &err);
	explicit_bzero(mac, sizeof(mac));
	if (id == -1)
		return ctl_manage_error(&err);
	printf("loaner %s (hint %s) added to the pool\n", label, hint);
	return EX_OK;
}
