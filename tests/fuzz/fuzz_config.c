/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The configuration file (core/config.c config_load): written by an admin,
 * read by seuild as root at start and at every SIGHUP.
 * Oracle: every error line is "FILE:LINE: message"; a file that loads
 * without errors prints (config_print, as `seuild -nv` does) a canonical
 * form that loads again without errors and prints the same.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"

static char in_path[512], out_path[512];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(in_path, sizeof(in_path), "%s/in.conf", fuzz_tmpdir());
	snprintf(out_path, sizeof(out_path), "%s/out.conf", fuzz_tmpdir());
	return 0;
}

static char *
print_conf(const struct config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	FUZZ_ASSERT(f != NULL);
	config_print(c, f);
	FUZZ_ASSERT(fclose(f) == 0);
	return text;
}

static void
write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");

	FUZZ_ASSERT(f != NULL);
	FUZZ_ASSERT(fwrite(data, 1, size, f) == size);
	FUZZ_ASSERT(fclose(f) == 0);
}

/* Each line of errs is "path:LINE: message". */
static void
check_errors(const char *errs, size_t len, const char *path)
{
	size_t plen = strlen(path);
	const char *p = errs, *end = errs + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;

		FUZZ_ASSERT(nl != NULL);
		FUZZ_ASSERT((size_t)(nl - p) > plen + 3 && memcmp(p, path, plen) == 0 &&
		    p[plen] == ':');
		for (q = p + plen + 1; q < nl && *q >= '0' && *q <= '9'; q++)
			;
		FUZZ_ASSERT(q > p + plen + 1 && q + 1 < nl && q[0] == ':' && q[1] == ' ');
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config conf, again;	/* big: off the stack */
	char *errs = NULL, *text, *text2;
	size_t errlen = 0, len, len2;
	FILE *ef;
	int n;

	if (size > 64 * 1024)
		return -1;
	write_file(in_path, data, size);
	ef = open_memstream(&errs, &errlen);
	FUZZ_ASSERT(ef != NULL);
	n = config_load(in_path, &conf, ef);
	FUZZ_ASSERT(fclose(ef) == 0);
	check_errors(errs, errlen, in_path);
	FUZZ_ASSERT((n == 0) == (errlen == 0));
	free(errs);
	if (n != 0)
		return 0;

	FUZZ_ASSERT(conf.ndoors >= 0 && conf.ndoors <= CONFIG_MAX_DOORS);
	FUZZ_ASSERT(conf.nreaders >= 0 && conf.nreaders <= CONFIG_MAX_READERS);
	for (int i = 0; i < conf.ndoors; i++)
		FUZZ_ASSERT(conf.doors[i].unlock_ms >= 1000 &&
		    conf.doors[i].unlock_ms <= CONFIG_UNLOCK_CAP_MS);
	for (int i = 0; i < conf.nreaders; i++)
		FUZZ_ASSERT(conf.readers[i].door_index >= -1 &&
		    conf.readers[i].door_index < conf.ndoors);

	text = print_conf(&conf, &len);
	write_file(out_path, text, len);
	errs = NULL;
	ef = open_memstream(&errs, &errlen);
	FUZZ_ASSERT(ef != NULL);
	n = config_load(out_path, &again, ef);
	FUZZ_ASSERT(fclose(ef) == 0);
	if (n != 0)
		fprintf(stderr, "canonical form refused:\n%s\n--- errors:\n%s", text, errs);
	FUZZ_ASSERT(n == 0);
	free(errs);
	text2 = print_conf(&again, &len2);
	FUZZ_ASSERT(len == len2 && memcmp(text, text2, len) == 0);
	free(text);
	free(text2);
	return 0;
}
