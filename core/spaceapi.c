/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SpaceAPI document and file.  The file lives in a folder a web server (or
 * anyone in its group) may write, so it is written without trusting any
 * name in that folder: everything goes through one directory descriptor,
 * the temporary file is created exclusively and never through a symlink,
 * and the rename replaces only a regular file.
 */
#include "spaceapi.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render_json.h"

bool
spaceapi_open(const struct config *conf, const struct spaceapi_state *s)
{
	return conf->spaceapi_open_from == SPACEAPI_OPEN_OFFICE_HOURS ? s->office :
	    s->count > 0;
}

/* Add key: v unless it is empty. */
static void
add_set(cJSON *o, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(o, key, v);
}

char *
spaceapi_json(const struct config *conf, const struct spaceapi_state *st)
{
	cJSON *o, *a, *p, *s, *i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	a = cJSON_AddArrayToObject(o, "api_compatibility");
	cJSON_AddItemToArray(a, cJSON_CreateString("15"));
	cJSON_AddStringToObject(o, "space", conf->spaceapi_space[0] ? conf->spaceapi_space :
	    conf->site_name);
	/* Required by the schema: there, empty, when not configured. */
	cJSON_AddStringToObject(o, "logo", conf->spaceapi_logo);
	cJSON_AddStringToObject(o, "url", conf->spaceapi_url);
	p = cJSON_AddObjectToObject(o, "location");
	add_set(p, "address", conf->spaceapi_address);
	if (conf->spaceapi_lat[0] != '\0' && conf->spaceapi_lon[0] != '\0') {
		cJSON_AddNumberToObject(p, "lat", strtod(conf->spaceapi_lat, NULL));
		cJSON_AddNumberToObject(p, "lon", strtod(conf->spaceapi_lon, NULL));
	}
	cJSON_AddStringToObject(p, "timezone", conf->timezone);
	p = cJSON_AddObjectToObject(o, "contact");
	add_set(p, "email", conf->spaceapi_email);
	add_set(p, "mastodon", conf->spaceapi_mastodon);
	add_set(p, "matrix", conf->spaceapi_matrix);
	s = cJSON_AddObjectToObject(o, "state");
	if (st->known)
		cJSON_AddBoolToObject(s, "open", spaceapi_open(conf, st));
	if (st->known && st->lastchange_ms > 0)
		cJSON_AddNumberToObject(s, "lastchange", (double)(st->lastchange_ms / 1000));
	if (conf->spaceapi_icon_open[0] != '\0' && conf->spaceapi_icon_closed[0] != '\0') {
		i = cJSON_AddObjectToObject(s, "icon");
		cJSON_AddStringToObject(i, "open", conf->spaceapi_icon_open);
		cJSON_AddStringToObject(i, "closed", conf->spaceapi_icon_closed);
	}
	if (conf->spaceapi_people) {
		p = cJSON_AddObjectToObject(o, "sensors");
		a = cJSON_AddArrayToObject(p, "people_now_present");
		s = cJSON_CreateObject();
		cJSON_AddNumberToObject(s, "value", st->count);
		cJSON_AddItemToArray(a, s);
	}
	return render_json_print(o);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * No fsync: this runs on seuild's loop, which never waits on the disk
 * (docs/architecture.md, Runtime).  The rename alone keeps readers from
 * seeing half a file; after a power cut the daemon writes the file again
 * when it starts.
 */
int
spaceapi_write(const char *path, const char *data)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	const char *base, *slash;
	struct stat st;
	int dfd = -1, fd = -1, saved, tries;
	bool bad;

	if ((slash = strrchr(path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		if ((size_t)(slash - path) >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		base = slash + 1;
	}
	if (base[0] == '\0' || snprintf(tmp, sizeof(tmp), "%s.tmp", base) >= (int)sizeof(tmp)) {
		errno = base[0] == '\0' ? EISDIR : ENAMETOOLONG;
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		errno = ELOOP;
		goto fail;
	}
	/* A stale temporary (a crash) or a planted one: remove the name (never
	 * what it points to) and create our own. */
	for (tries = 0; tries < 2; tries++) {
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd != -1 || errno != EEXIST || unlinkat(dfd, tmp, 0) == -1)
			break;
	}
	if (fd == -1)
		goto fail;
	bad = write_all(fd, data, strlen(data)) == -1 || write_all(fd, "\n", 1) == -1;
	bad |= close(fd) == -1;
	fd = -1;
	if (bad || renameat(dfd, tmp, dfd, base) == -1) {
		saved = errno;
		unlinkat(dfd, tmp, 0);
		errno = saved;
		goto fail;
	}
	close(dfd);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	close(dfd);
	errno = saved;
	return -1;
}
