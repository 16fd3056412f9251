/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SpaceAPI document (core/spaceapi.c): v15's required fields and
 * types, filled from [spaceapi]; and its file in a folder someone else may
 * write: a symlink planted at the temporary name or at the target never
 * leads the write to another file.
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

static const cJSON *
get_path(const cJSON *o, const char *a, const char *b)
{
	o = cJSON_GetObjectItemCaseSensitive(o, a);
	return b != NULL ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
}

/* SpaceAPI v15's required fields and the types of those we give
 * (schema.spaceapi.io/15.json): api_compatibility holds "15"; space, logo
 * and url are strings; contact is an object; location, when there, is an
 * object of at least one property with lat and lon numbers together;
 * state.open a boolean; state.icon both URLs; people_now_present items
 * have a number value. */
static bool
v15_valid(const cJSON *o)
{
	const cJSON *v, *l = get_path(o, "location", NULL), *icon = get_path(o, "state", "icon");
	bool has15 = false;

	cJSON_ArrayForEach(v, get_path(o, "api_compatibility", NULL))
		has15 |= cJSON_IsString(v) && strcmp(v->valuestring, "15") == 0;
	if (!has15 || !cJSON_IsString(get_path(o, "space", NULL)) ||
	    !cJSON_IsString(get_path(o, "logo", NULL)) || !cJSON_IsString(get_path(o, "url", NULL)) ||
	    !cJSON_IsObject(get_path(o, "contact", NULL)))
		return false;
	if (l != NULL && (!cJSON_IsObject(l) || cJSON_GetArraySize(l) < 1 ||
	    (get_path(l, "lat", NULL) == NULL) != (get_path(l, "lon", NULL) == NULL) ||
	    (get_path(l, "lat", NULL) != NULL && (!cJSON_IsNumber(get_path(l, "lat", NULL)) ||
	    !cJSON_IsNumber(get_path(l, "lon", NULL))))))
		return false;
	if ((v = get_path(o, "state", "open")) != NULL && !cJSON_IsBool(v))
		return false;
	if (icon != NULL && (!cJSON_IsString(get_path(icon, "open", NULL)) ||
	    !cJSON_IsString(get_path(icon, "closed", NULL))))
		return false;
	cJSON_ArrayForEach(v, get_path(o, "sensors", "people_now_present"))
		if (!cJSON_IsNumber(get_path(v, "value", NULL)) || get_path(v, "names", NULL) != NULL)
			return false;
	return true;
}

static cJSON *
doc(const struct config *c, int count, bool office, bool known)
{
	struct spaceapi_state st = { .count = count, .office = office, .known = known,
	    .lastchange_ms = 1795680843000LL };
	char *s = spaceapi_json(c, &st);
	cJSON *o = cJSON_Parse(s);

	cJSON_free(s);
	return o;
}

static void
test_json(void)
{
	struct config c;
	cJSON *o;

	/* Nothing configured: still publishable, the required fields empty. */
	config_defaults(&c);
	o = doc(&c, 3, false, true);
	EXPECT(v15_valid(o));
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "space", NULL)), "lab");
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "logo", NULL)), "");
	EXPECT(cJSON_IsTrue(get_path(o, "state", "open")));
	EXPECT_INT(cJSON_GetNumberValue(get_path(o, "state", "lastchange")), 1795680843);
	EXPECT_INT(cJSON_GetNumberValue(get_path(cJSON_GetArrayItem(get_path(o, "sensors",
	    "people_now_present"), 0), "value", NULL)), 3);
	cJSON_Delete(o);

	/* Every key: filled from [spaceapi]. */
	snprintf(c.spaceapi_space, sizeof(c.spaceapi_space), "Lab Paris");
	snprintf(c.spaceapi_logo, sizeof(c.spaceapi_logo), "https://lab.example/logo.png");
	snprintf(c.spaceapi_url, sizeof(c.spaceapi_url), "https://lab.example/");
	snprintf(c.spaceapi_email, sizeof(c.spaceapi_email), "hello@lab.example");
	snprintf(c.spaceapi_mastodon, sizeof(c.spaceapi_mastodon), "@lab@social.example");
	snprintf(c.spaceapi_matrix, sizeof(c.spaceapi_matrix), "#lab:matrix.example");
	snprintf(c.spaceapi_address, sizeof(c.spaceapi_address), "1 rue X, Paris");
	snprintf(c.spaceapi_lat, sizeof(c.spaceapi_lat), "48.85");
	snprintf(c.spaceapi_lon, sizeof(c.spaceapi_lon), "-2.35");
	snprintf(c.spaceapi_icon_open, sizeof(c.spaceapi_icon_open), "https://lab.example/o.png");
	snprintf(c.spaceapi_icon_closed, sizeof(c.spaceapi_icon_closed), "https://lab.example/c.png");
	o = doc(&c, 0, true, true);
	EXPECT(v15_valid(o));
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "space", NULL)), "Lab Paris");
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "url", NULL)), "https://lab.example/");
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "contact", "matrix")), "#lab:matrix.example");
	EXPECT_STR(cJSON_GetStringValue(get_path(o, "contact", "email")), "hello@lab.example");
	EXPECT(cJSON_GetNumberValue(get_path(o, "location", "lon")) == -2.35);
	EXPECT_STR(cJSON_GetStringValue(get_path(get_path(o, "state", "icon"), "closed", NULL)),
	    "https://lab.example/c.png");
	EXPECT(cJSON_IsFalse(get_path(o, "state", "open")));	/* presence: nobody */
	cJSON_Delete(o);

	/* open_from = office_hours follows the doors, not the count. */
	c.spaceapi_open_from = SPACEAPI_OPEN_OFFICE_HOURS;
	o = doc(&c, 0, true, true);
	EXPECT(cJSON_IsTrue(get_path(o, "state", "open")));
	cJSON_Delete(o);
	o = doc(&c, 5, false, true);
	EXPECT(cJSON_IsFalse(get_path(o, "state", "open")));
	cJSON_Delete(o);
	/* Not known (seuil-web without seuild): no open, still valid. */
	o = doc(&c, 5, false, false);
	EXPECT(v15_valid(o));
	EXPECT(get_path(o, "state", "open") == NULL);
	cJSON_Delete(o);

	/* people = false: no count at all. */
	c.spaceapi_people = false;
	o = doc(&c, 5, false, true);
	EXPECT(v15_valid(o));
	EXPECT(get_path(o, "sensors", NULL) == NULL);
	cJSON_Delete(o);
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
