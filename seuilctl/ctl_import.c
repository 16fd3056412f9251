/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl member import FILE [--dry-run] [--prune [--reenable]]
 * [--create-groups]
 * (core/import.c): the preview is made here, on seuilctl's own connection;
 * applying is seuild's when it runs (the file goes to it as a sealed
 * descriptor, and it plans again under the write lock), else done here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "import.h"
#include "manage.h"

static void
print_list(const cJSON *diff, const char *key, const char *what)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(diff, key))
		printf("%-9s %s\n", what, cJSON_IsString(v) ? v->valuestring : "?");
}

static int
count(const cJSON *diff, const char *key)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, key));
}

static void
print_diff(const cJSON *diff)
{
	const cJSON *ch, *f, *name;

	print_list(diff, "new_groups", "new group");
	print_list(diff, "added", "add");
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(diff, "changed")) {
		name = cJSON_GetObjectItemCaseSensitive(ch, "name");
		printf("%-9s %s:", "change", cJSON_IsString(name) ? name->valuestring : "?");
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ch, "fields"))
			printf(" %s", cJSON_IsString(f) ? f->valuestring : "?");
		printf("\n");
	}
	print_list(diff, "enabled", "enable");
	print_list(diff, "disabled", "disable");
	/* Said loudly: access the file seems to give, which it does not. */
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(diff, "kept_disabled"))
		printf("%-9s %s: DISABLED, stays disabled (--prune --reenable enables it)\n",
		    "keep", cJSON_IsString(ch) ? ch->valuestring : "?");
}

static int
report_errors(const char *file, const struct import_errors *errs)
{
	int i;

	for (i = 0; i < errs->n; i++) {
		const struct import_error *e = &errs->e[i];

		if (e->line == 0)
			ctl_errx("%s: %s", file, e->message);
		else if (e->column == 0)
			ctl_errx("%s:%d: %s", file, e->line, e->message);
		else
			ctl_errx("%s:%d:%d: %s%s%s", file, e->line, e->column,
			    e->field[0] ? e->field : "", e->field[0] ? ": " : "", e->message);
	}
	if (errs->more)
		ctl_errx("%s: more errors than %d; fix these first", file, IMPORT_MAX_ERRORS);
	for (i = 0; i < errs->nmissing; i++)
		ctl_errx("%s: group '%s' does not exist (--create-groups adds it)", file,
		    errs->missing[i]);
	ctl_errx("%s: nothing imported", file);
	return errs->n > 0 && errs->e[0].line == 0 ? EX_IOERR : EX_DATAERR;
}

/* Read FILE ("-": standard input) whole, within the payload's cap. */
static int
read_file(const char *path, char **buf, size_t *len)
{
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

	if (in == NULL) {
		ctl_errx("%s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	if ((*buf = malloc(CONTROL_PAYLOAD_MAX + 1)) == NULL) {
		if (in != stdin)
			fclose(in);
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	*len = fread(*buf, 1, CONTROL_PAYLOAD_MAX + 1, in);
	if (in != stdin)
		fclose(in);
	if (*len > CONTROL_PAYLOAD_MAX) {
		free(*buf);
		ctl_errx("%s: larger than 5 MiB", path);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Apply: through seuild, or here without it.  The counts in *n. */
static int
apply(struct ctl *c, const char *file, const char *buf, size_t len,
    const struct import_opts *o, struct import_counts *n)
{
	struct control_req req;
	struct control_reply rep;
	struct import_errors errs;
	char err[256];
	int rc;

	control_req_init(&req, CONTROL_IMPORT);
	req.prune = o->prune;
	req.reenable = o->reenable;
	req.create_groups = o->create_groups;
	if ((req.fd = control_payload_fd(buf, len, err, sizeof(err))) == -1) {
		ctl_errx("%s: %s", file, err);
		return EX_OSERR;
	}
	rc = ctl_change(c, &req, &rep);
	control_req_clear(&req);
	if (rc == EX_OK) {
		memset(n, 0, sizeof(*n));
		n->added = (int)control_reply_int(&rep, "added");
		n->changed = (int)control_reply_int(&rep, "changed");
		n->disabled = (int)control_reply_int(&rep, "disabled");
		n->enabled = (int)control_reply_int(&rep, "enabled");
		n->unchanged = (int)control_reply_int(&rep, "unchanged");
		n->groups_added = (int)control_reply_int(&rep, "groups_added");
		control_reply_free(&rep);
		return EX_OK;
	}
	if (rc != CTL_DIRECT)
		return rc;
	if (import_apply(c->st, buf, len, o, n, &errs) == -1)
		return report_errors(file, &errs);
	return EX_OK;
}

enum { OPT_DRY = 256, OPT_PRUNE, OPT_REENABLE, OPT_CREATE_GROUPS };

int
ctl_member_import(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		{ "reenable", no_argument, NULL, OPT_REENABLE },
		{ "create-groups", no_argument, NULL, OPT_CREATE_GROUPS },
		CTL_COMMON_OPTS
	};
	struct import_opts o = { .actor = c->actor };
	struct import_errors errs;
	struct import_counts n;
	const char *file;
	bool dry = false;
	size_t len = 0;
	cJSON *diff;
	char *buf;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == OPT_DRY)
			dry = true;
		else if (ch == OPT_PRUNE)
			o.prune = true;
		else if (ch == OPT_REENABLE)
			o.reenable = true;
		else if (ch == OPT_CREATE_GROUPS)
			o.create_groups = true;
		else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if (o.reenable && !o.prune) {
		ctl_errx("--reenable goes with --prune");
		return ctl_usage(c);
	}
	file = argv[optind];
	if ((rc = read_file(file, &buf, &len)) != EX_OK)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK) {
		free(buf);
		return rc;
	}
	if ((diff = import_preview(c->st, buf, len, &o, &errs)) == NULL) {
		free(buf);
		return report_errors(file, &errs);
	}
	if (!dry && (rc = apply(c, file, buf, len, &o, &n)) != EX_OK) {
		free(buf);
		cJSON_Delete(diff);
		return rc;
	}
	free(buf);
	if (!dry)
		cJSON_ReplaceItemInObjectCaseSensitive(diff, "applied", cJSON_CreateTrue());
	if (c->json)
		return ctl_json_print(c, diff);
	print_diff(diff);
	if (dry)
		printf("%d added, %d changed, %d enabled, %d disabled, %d unchanged (dry run: "
		    "nothing changed)\n", count(diff, "added"), count(diff, "changed"),
		    count(diff, "enabled"), count(diff, "disabled"),
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(diff, "unchanged")));
	else
		printf("%d added, %d changed, %d enabled, %d disabled, %d unchanged\n",
		    n.added, n.changed, n.enabled, n.disabled, n.unchanged);
	if (!dry && (n.added != count(diff, "added") || n.changed != count(diff, "changed") ||
	    n.disabled != count(diff, "disabled") || n.enabled != count(diff, "enabled")))
		printf("(the members changed meanwhile: the counts are what was applied)\n");
	cJSON_Delete(diff);
	return EX_OK;
}
