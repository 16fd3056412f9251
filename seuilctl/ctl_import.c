/* seuilctl member import FILE [--dry-run] [--prune] (core/import.c) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "import.h"
#include "manage.h"

#define IMPORT_MAX	(5 * 1024 * 1024)	/* as seuil-web's cap */

static void
print_list(const cJSON *diff, const char *key, const char *what)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(diff, key))
		printf("%-9s %s\n", what, cJSON_IsString(v) ? v->valuestring :
		    cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring);
}

enum { OPT_DRY = 256, OPT_PRUNE };

int
ctl_member_import(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		CTL_COMMON_OPTS
	};
	char actor[MANAGE_ACTOR_MAX], err[512], *buf;
	struct import_opts o = { .actor = actor };
	const cJSON *ch, *f;
	size_t len = 0;
	cJSON *diff;
	FILE *in;
	int ch_, rc;

	while ((ch_ = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch_ == OPT_DRY)
			o.dry_run = true;
		else if (ch_ == OPT_PRUNE)
			o.prune = true;
		else if ((rc = ctl_opt(c, ch_, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if ((in = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "r")) == NULL) {
		ctl_errx("%s: %s", argv[optind], strerror(errno));
		return EX_NOINPUT;
	}
	if ((buf = malloc(IMPORT_MAX + 1)) == NULL) {
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	len = fread(buf, 1, IMPORT_MAX + 1, in);
	if (in != stdin)
		fclose(in);
	if (len > IMPORT_MAX) {
		free(buf);
		ctl_errx("%s: larger than 5 MiB", argv[optind]);
		return EX_DATAERR;
	}
	if ((rc = ctl_store(c)) != EX_OK) {
		free(buf);
		return rc;
	}
	manage_actor_os(actor);
	diff = import_csv(c->st, buf, len, &o, err, sizeof(err));
	free(buf);
	if (diff == NULL) {
		ctl_errx("%s:%s", argv[optind], err);
		return EX_DATAERR;
	}
	if (c->json)
		return ctl_json_print(c, diff);
	print_list(diff, "added", "add");
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(diff, "changed")) {
		printf("%-9s %s:", "change", cJSON_GetObjectItemCaseSensitive(ch, "name")->valuestring);
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ch, "fields"))
			printf(" %s", f->valuestring);
		printf("\n");
	}
	print_list(diff, "enabled", "enable");
	print_list(diff, "disabled", "disable");
	printf("%d added, %d changed, %d enabled, %d disabled, %d unchanged%s\n",
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, "added")),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, "changed")),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, "enabled")),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, "disabled")),
	    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(diff, "unchanged")),
	    o.dry_run ? " (dry run: nothing changed)" : "");
	cJSON_Delete(diff);
	return EX_OK;
}
