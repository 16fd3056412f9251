/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl group add|list, schedule set */
#include <stdio.h>
#include <strings.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"

static void
schedule_text(const struct access_group *g, char *buf, size_t len)
{
	if (g->nwindows == 0)
		snprintf(buf, len, "always");
	else
		access_schedule_format(g->windows, g->nwindows, buf, len);
}

int
ctl_group_add(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	control_req_init(&req, CONTROL_GROUP_ADD);
	req.group = argv[optind];
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		id = control_reply_int(&rep, "id");
		control_reply_free(&rep);
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if ((id = manage_group_add(c->st, argv[optind], c->actor, &err)) == -1)
		return ctl_manage_error(&err);
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddStringToObject(j, "name", argv[optind]);
		return ctl_json_print(c, j);
	}
	printf("%lld\n", (long long)id);
	return EX_OK;
}

static int
list_cb(const struct access_group *g, void *arg)
{
	char text[ACCESS_SCHEDULE_TEXT_MAX];

	(void)arg;
	schedule_text(g, text, sizeof(text));
	printf("%-5lld %-20s %s%s\n", (long long)g->id, g->name, text,
	    g->offline_ok ? " (offline_ok)" : "");
	return 0;
}

int
ctl_group_list(struct ctl *c, int argc, char **argv)
{
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, render_groups(c->st));
	printf("%-5s %-20s %s\n", "ID", "GROUP", "SCHEDULE");
	if (store_groups_list(c->st, list_cb, NULL) == -1)
		return ctl_store_error(c, "group list");
	return EX_OK;
}

int
ctl_schedule_set(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	struct access_group g;
	char text[ACCESS_SCHEDULE_TEXT_MAX];
	int rc;

	if ((rc = ctl_args(c, argc, argv, 2, 2)) != EX_OK)
		return rc;
	control_req_init(&req, CONTROL_SCHEDULE_SET);
	req.group = argv[optind];
	req.schedule = argv[optind + 1];
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		control_reply_free(&rep);
		if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		if ((rc = store_group_find(c->st, argv[optind], &g)) != 1)
			return rc == 0 ? EX_NOINPUT : ctl_store_error(c, "schedule set");
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if (manage_schedule_set(c->st, argv[optind], argv[optind + 1], c->actor, &g,
	    &err) == -1)
		return ctl_manage_error(&err);
	if (c->json)
		return ctl_json_print(c, render_group(&g));
	schedule_text(&g, text, sizeof(text));
	printf("%s: %s\n", g.name, text);
	return EX_OK;
}

/* "yes" or "no" (and their synonyms in the configuration's booleans). */
static int
yes_no(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
	    strcasecmp(s, "on") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
	    strcasecmp(s, "off") == 0)
		return 0;
	return -1;
}

int
ctl_group_edit(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offline-ok", required_argument, NULL, 'o' },
		CTL_COMMON_OPTS
	};
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	struct access_group g;
	int ch, rc, offline_ok = -1;

	while ((ch = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if ((offline_ok = yes_no(optarg)) == -1) {
				ctl_errx("--offline-ok is yes or no");
				return EX_DATAERR;
			}
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	control_req_init(&req, CONTROL_GROUP_EDIT);
	req.group = argv[optind];
	req.offline_ok = offline_ok;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		control_reply_free(&rep);
		if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		if ((rc = store_group_find(c->st, argv[optind], &g)) != 1)
			return rc == 0 ? EX_NOINPUT : ctl_store_error(c, "group edit");
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if (manage_group_edit(c->st, argv[optind], offline_ok, c->actor, &g, &err) == -1)
		return ctl_manage_error(&err);
	if (c->json)
		return ctl_json_print(c, render_group(&g));
	printf("%s: offline_ok %s\n", g.name, g.offline_ok ? "yes" : "no");
	return EX_OK;
}
