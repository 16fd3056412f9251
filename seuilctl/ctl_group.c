/* seuilctl group add|list, schedule set */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"

/* Group names appear in schedules and on command lines: keep them to
 * [A-Za-z0-9_.-], not all digits. */
static bool
valid_group_name(const char *s)
{
	const char *p;

	if (!ctl_valid_name(s, sizeof(((struct access_group *)0)->name)))
		return false;
	for (p = s; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", *p) == NULL)
			return false;
	return true;
}

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
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	if (!valid_group_name(argv[optind])) {
		ctl_errx("bad group name (letters, digits, '_', '.', '-'; not all "
		    "digits; under %zu bytes)", sizeof(((struct access_group *)0)->name));
		return EX_DATAERR;
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if ((id = store_group_add(c->st, argv[optind])) == -1)
		return ctl_store_error(c, "group add");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddStringToObject(j, "name", argv[optind]);
		return ctl_json_print(j);
	}
	printf("%lld\n", (long long)id);
	return EX_OK;
}

static cJSON *
group_json(const struct access_group *g)
{
	cJSON *j = cJSON_CreateObject();
	char text[1024];

	schedule_text(g, text, sizeof(text));
	cJSON_AddNumberToObject(j, "id", (double)g->id);
	cJSON_AddStringToObject(j, "name", g->name);
	if (g->nwindows > 0)
		cJSON_AddStringToObject(j, "schedule", text);
	else
		cJSON_AddNullToObject(j, "schedule");
	return j;
}

static int
list_cb(const struct access_group *g, void *arg)
{
	cJSON *array = arg;
	char text[1024];

	if (array != NULL) {
		cJSON_AddItemToArray(array, group_json(g));
		return 0;
	}
	schedule_text(g, text, sizeof(text));
	printf("%-5lld %-20s %s\n", (long long)g->id, g->name, text);
	return 0;
}

int
ctl_group_list(struct ctl *c, int argc, char **argv)
{
	cJSON *array = NULL;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		array = cJSON_CreateArray();
	else
		printf("%-5s %-20s %s\n", "ID", "GROUP", "SCHEDULE");
	if (store_groups_list(c->st, list_cb, array) == -1) {
		cJSON_Delete(array);
		return ctl_store_error(c, "group list");
	}
	if (c->json)
		return ctl_json_print(array);
	return EX_OK;
}

int
ctl_schedule_set(struct ctl *c, int argc, char **argv)
{
	struct schedule_window w[ACCESS_MAX_WINDOWS];
	struct access_group g;
	char err[256], text[1024];
	int rc, n;

	if ((rc = ctl_args(c, argc, argv, 2, 2)) != -1)
		return rc;
	if (strcmp(argv[optind + 1], "always") == 0)
		n = 0;
	else if ((n = access_schedule_parse(argv[optind + 1], w, ACCESS_MAX_WINDOWS,
	    err, sizeof(err))) == -1) {
		ctl_errx("bad schedule: %s", err);
		return EX_DATAERR;
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	rc = store_group_find(c->st, argv[optind], &g);
	if (rc == -1)
		return ctl_store_error(c, "schedule set");
	if (rc == 0) {
		ctl_errx("group '%s' not found", argv[optind]);
		return EX_NOINPUT;
	}
	if (store_schedule_set(c->st, g.id, w, n) == -1)
		return ctl_store_error(c, "schedule set");
	memcpy(g.windows, w, sizeof(w[0]) * (size_t)n);
	g.nwindows = n;
	schedule_text(&g, text, sizeof(text));
	if (c->json)
		return ctl_json_print(group_json(&g));
	printf("%s: %s\n", g.name, text);
	return EX_OK;
}
