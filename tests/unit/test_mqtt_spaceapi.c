/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SpaceAPI file (daemon/spaceapi.c) in a folder someone else may write:
 * a symlink planted at the temporary name or at the target never leads the
 * write to another file.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spaceapi.h"
#include "testhelp.h"

static char dir[256];

static void
path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void
put(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	path(p, sizeof(p), name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

/* The whole of a file, or "" (static buffer). */
static const char *
get(const char *name)
{
	static char buf[4096];
	char p[512];
	FILE *f;
	size_t n = 0;

	path(p, sizeof(p), name);
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static bool
is_symlink(const char *name)
{
	char p[512];
	struct stat st;

	path(p, sizeof(p), name);
	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

static void
plant(const char *name, const char *to)
{
	char p[512], t[512];

	path(p, sizeof(p), name);
	path(t, sizeof(t), to);
	unlink(p);
	EXPECT(symlink(t, p) == 0);
}

static void
test_json(void)
{
	struct config c;
	char *s;
	cJSON *o;

	memset(&c, 0, sizeof(c));
	snprintf(c.site_name, sizeof(c.site_name), "lab");
	snprintf(c.timezone, sizeof(c.timezone), "Europe/Paris");
	s = spaceapi_json(&c, 3, 1795680843000LL);
	o = cJSON_Parse(s);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(o, "api_compatibility"), 0)), "15");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "space")), "lab");
	EXPECT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "state"), "open")));
	EXPECT_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "state"), "lastchange")), 1795680843);
	cJSON_Delete(o);
	cJSON_free(s);
}

static void
test_write(void)
{
	char target[512];

	path(target, sizeof(target), "space.json");
	EXPECT_INT(spaceapi_write(target, "{\"a\":1}"), 0);
	EXPECT_STR(get("space.json"), "{\"a\":1}\n");
	EXPECT_INT(spaceapi_write(target, "{\"a\":2}"), 0);
	EXPECT_STR(get("space.json"), "{\"a\":2}\n");
	EXPECT(access(strcat(target, ".tmp"), F_OK) == -1);	/* nothing left over */
}

/* A symlink at the temporary name: it is removed, not followed. */
static void
test_symlink_at_tmp(void)
{
	char target[512];

	put("victim.db", "precious");
	put("space.json", "old\n");
	plant("space.json.tmp", "victim.db");
	path(target, sizeof(target), "space.json");
	EXPECT_INT(spaceapi_write(target, "{\"new\":true}"), 0);
	EXPECT_STR(get("victim.db"), "precious");
	EXPECT_STR(get("space.json"), "{\"new\":true}\n");
	EXPECT(!is_symlink("space.json"));
	/* and a stale regular temporary (a crash) is no obstacle */
	put("space.json.tmp", "half a fi");
	EXPECT_INT(spaceapi_write(target, "{\"n\":2}"), 0);
	EXPECT_STR(get("space.json"), "{\"n\":2}\n");
	EXPECT_STR(get("victim.db"), "precious");
}

/* A symlink (or anything but a regular file) at the target: refused. */
static void
test_symlink_at_target(void)
{
	char target[512], sub[512];

	put("victim.db", "precious");
	plant("space.json", "victim.db");
	plant("space.json.tmp", "victim.db");
	path(target, sizeof(target), "space.json");
	errno = 0;
	EXPECT_INT(spaceapi_write(target, "{\"new\":true}"), -1);
	EXPECT_INT(errno, ELOOP);
	EXPECT_STR(get("victim.db"), "precious");
	EXPECT(is_symlink("space.json"));

	path(sub, sizeof(sub), "adir");
	EXPECT(mkdir(sub, 0755) == 0);
	EXPECT_INT(spaceapi_write(sub, "{}"), -1);
	EXPECT_INT(errno, ELOOP);
	/* a dangling symlink too */
	plant("dangling.json", "nowhere");
	path(target, sizeof(target), "dangling.json");
	EXPECT_INT(spaceapi_write(target, "{}"), -1);
	EXPECT(access(strcat(sub, "/../nowhere"), F_OK) == -1);
}

int
main(void)
{
	char cmd[300];

	snprintf(dir, sizeof(dir), "%s/seuil-spaceapi-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_json);
	RUN(test_write);
	RUN(test_symlink_at_tmp);
	RUN(test_symlink_at_target);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_REPORT();
}
