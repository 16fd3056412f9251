/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The canonical form of a configuration (`seuild -nv`): every key of the
 * table, in its order, with its value. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config_private.h"

static void
print_key(const struct key *k, const char *base, FILE *out)
{
	const char *field = base + k->off;
	char buf[32];
	int64_t v;
	int iv;

	fprintf(out, "%s =", k->name);
	switch (k->type) {
	case K_STR:
	case K_NAME:
	case K_TZ:
		if (*field != '\0')
			fprintf(out, " %s", field);
		break;
	case K_DUR:
		memcpy(&v, field, sizeof(v));
		config_format_duration(v, buf, sizeof(buf));
		fprintf(out, " %s", buf);
		break;
	case K_BOOL:
		fprintf(out, " %s", *(const bool *)field ? "true" : "false");
		break;
	case K_INT:
	case K_LINE:
	case K_OPTLINE:
		memcpy(&iv, field, sizeof(iv));
		if (iv >= 0 || k->type != K_OPTLINE)
			fprintf(out, " %d", iv);
		break;
	case K_ENUM:
		memcpy(&iv, field, sizeof(iv));
		fprintf(out, " %s", k->names[iv]);
		break;
	case K_AID: {
		uint32_t aid;

		memcpy(&aid, field, sizeof(aid));
		fprintf(out, " %06" PRIX32, aid);
		break;
	}
	case K_HHMM:
		memcpy(&iv, field, sizeof(iv));
		fprintf(out, " %02d:%02d", iv / 60, iv % 60);
		break;
	}
	fputc('\n', out);
}

static void
print_section(const struct config *conf, enum sect s, int idx, FILE *out)
{
	size_t i;

	if (s == S_DOOR)
		fprintf(out, "[door.%s]\n", conf->doors[idx].name);
	else if (s == S_READER)
		fprintf(out, "[reader.%s]\n", conf->readers[idx].name);
	else
		fprintf(out, "[%s]\n", config_sect_names[s]);
	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].sect == s)
			print_key(&config_keys[i], config_ckey_base(conf, s, idx), out);
}

void
config_print(const struct config *conf, FILE *out)
{
	int s, i;
	bool first = true;

	for (s = S_SITE; s < S_COUNT; s++) {
		int n = s == S_DOOR ? conf->ndoors :
		    s == S_READER ? conf->nreaders : 1;

		for (i = 0; i < n; i++) {
			if (!first)
				fputc('\n', out);
			first = false;
			print_section(conf, (enum sect)s, i, out);
		}
	}
}

