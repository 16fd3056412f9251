/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lobby screens' retained documents (mqtt_lobby.h). */
#include "mqtt_lobby.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "render_json.h"

char *
mqtt_presence_json(const struct presence_person *people, int count, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject(), *a, *p;
	char ts[21];
	int i, named = 0;

	cJSON_AddNumberToObject(o, "count", count);
	a = cJSON_AddArrayToObject(o, "people");
	for (i = 0; i < count; i++) {
		if (people[i].name == NULL || people[i].name[0] == '\0')
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", people[i].name);
		clock_format_utc(people[i].since_ms, ts);
		cJSON_AddStringToObject(p, "since", ts);
		cJSON_AddItemToArray(a, p);
		named++;
	}
	cJSON_AddNumberToObject(o, "anonymous", count - named);
	clock_format_utc(now_ms, ts);
	cJSON_AddStringToObject(o, "updated", ts);
	return render_json_print(o);
}

/* The image type of a file by its first bytes, or NULL.  An SVG shown
 * as an image runs no script (the page puts it in an <img>). */
static const char *
image_type(const unsigned char *b, size_t n)
{
	size_t i = 0;

	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	if (i + 5 <= n && (memcmp(b + i, "<?xml", 5) == 0 || memcmp(b + i, "<svg", 4) == 0) &&
	    memmem(b, n, "<svg", 4) != NULL)
		return "image/svg+xml";
	return NULL;
}

int
mqtt_lobby_logo(const char *path, char **url, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	const char *type;
	struct stat sb;
	size_t n = 0, head;
	ssize_t got;
	int fd;

	*url = NULL;
	if (path[0] == '\0')
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "[lobby] logo %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > CONFIG_LOBBY_LOGO_MAX || sb.st_size == 0) {
		snprintf(err, errlen, "[lobby] logo %s: %s", path, !S_ISREG(sb.st_mode) ?
		    "not a regular file" : sb.st_size == 0 ? "empty" :
		    "larger than 64 KiB (it travels in every lobby document)");
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size)) == NULL) {
		snprintf(err, errlen, "[lobby] logo %s: out of memory", path);
		goto fail;
	}
	while (n < (size_t)sb.st_size && (got = read(fd, buf + n, (size_t)sb.st_size - n)) > 0)
		n += (size_t)got;
	if (n != (size_t)sb.st_size) {
		snprintf(err, errlen, "[lobby] logo %s: short read", path);
		goto fail;
	}
	if ((type = image_type(buf, n)) == NULL) {
		snprintf(err, errlen, "[lobby] logo %s: not a PNG, JPEG, GIF, WebP or SVG "
		    "image", path);
		goto fail;
	}
	head = strlen("data:") + strlen(type) + strlen(";base64,");
	if ((*url = malloc(head + 4 * ((n + 2) / 3) + 1)) == NULL) {
		snprintf(err, errlen, "[lobby] logo %s: out of memory", path);
		goto fail;
	}
	snprintf(*url, head + 1, "data:%s;base64,", type);
	EVP_EncodeBlock((unsigned char *)*url + head, buf, (int)n);
	free(buf);
	close(fd);
	return 0;
fail:
	free(buf);
	if (fd != -1)
		close(fd);
	return -1;
}

char *
mqtt_lobby_json(const struct config *conf, const char *logo_url, bool clock_synced,
    int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	char ts[21];

	render_json_text(o, "title", conf->lobby_title);
	render_json_text(o, "message", conf->lobby_message);
	render_json_text(o, "logo", logo_url);
	render_json_text(o, "colour_background", conf->lobby_colour_background);
	render_json_text(o, "colour_text", conf->lobby_colour_text);
	cJSON_AddBoolToObject(o, "clock_synced", clock_synced);
	clock_format_utc(now_ms, ts);
	cJSON_AddStringToObject(o, "updated", ts);
	return render_json_print(o);
}
