/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The lobby screens' documents (daemon/mqtt_lobby.c): the logo travels as
 * a data URL of at most 64 KiB of a real image, never through a link; the
 * B/lobby document carries what [lobby] sets and null for the rest.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "config.h"
#include "mqtt_lobby.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-lobby.XXXXXX";

static const char *
write_file(const char *name, const void *data, size_t len)
{
	static char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fwrite(data, 1, len, f);
	fclose(f);
	return path;
}

static void
test_logo_as_data_url(void)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR tiny";
	unsigned char back[64];
	char err[300], *url = NULL;
	const char *p = write_file("logo.png", png, sizeof(png) - 1);
	int n;

	EXPECT_INT(mqtt_lobby_logo(p, &url, err, sizeof(err)), 0);
	EXPECT(url != NULL && strncmp(url, "data:image/png;base64,", 22) == 0);
	if (url != NULL) {
		n = EVP_DecodeBlock(back, (const unsigned char *)url + 22, (int)strlen(url + 22));
		/* EVP_DecodeBlock counts the padding's zero bytes too. */
		EXPECT(n >= (int)sizeof(png) - 1 && memcmp(back, png, sizeof(png) - 1) == 0);
	}
	free(url);
	EXPECT_INT(mqtt_lobby_logo("", &url, err, sizeof(err)), 0);
	EXPECT(url == NULL);
}

static void
test_svg_and_others(void)
{
	static const char svg[] = "\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>";
	char err[300], *url = NULL;

	EXPECT_INT(mqtt_lobby_logo(write_file("l.svg", svg, sizeof(svg) - 1), &url, err,
	    sizeof(err)), 0);
	EXPECT(url != NULL && strncmp(url, "data:image/svg+xml;base64,", 26) == 0);
	free(url);
	EXPECT_INT(mqtt_lobby_logo(write_file("l.gif", "GIF89a....", 10), &url, err,
	    sizeof(err)), 0);
	EXPECT(url != NULL && strncmp(url, "data:image/gif;", 15) == 0);
	free(url);
}

static void
test_bad_logos_refused(void)
{
	char err[300], *url = NULL, link[320], *big;
	const char *p;

	EXPECT_INT(mqtt_lobby_logo(write_file("notes.txt", "hello", 5), &url, err,
	    sizeof(err)), -1);
	EXPECT(strstr(err, "not a PNG, JPEG, GIF, WebP or SVG") != NULL && url == NULL);
	big = calloc(1, CONFIG_LOBBY_LOGO_MAX + 1);
	memcpy(big, "\x89PNG\r\n\x1a\n", 8);
	EXPECT_INT(mqtt_lobby_logo(write_file("big.png", big, CONFIG_LOBBY_LOGO_MAX + 1), &url,
	    err, sizeof(err)), -1);
	EXPECT(strstr(err, "larger than 64 KiB") != NULL);
	free(big);
	p = write_file("real.png", "\x89PNG\r\n\x1a\nxx", 10);
	snprintf(link, sizeof(link), "%s/link.png", dir);
	EXPECT_INT(symlink(p, link), 0);
	EXPECT_INT(mqtt_lobby_logo(link, &url, err, sizeof(err)), -1);	/* no link followed */
	EXPECT_INT(mqtt_lobby_logo("/nonexistent/logo.png", &url, err, sizeof(err)), -1);
	EXPECT(strstr(err, "/nonexistent/logo.png") != NULL);
	EXPECT_INT(mqtt_lobby_logo(dir, &url, err, sizeof(err)), -1);
	EXPECT(url == NULL);
}

static void
test_document(void)
{
	struct config conf;
	cJSON *j;
	char *s;

	config_defaults(&conf);
	snprintf(conf.lobby_title, sizeof(conf.lobby_title), "La Ruche");
	snprintf(conf.lobby_colour_text, sizeof(conf.lobby_colour_text), "#fff");
	s = mqtt_lobby_json(&conf, "data:image/png;base64,AAAA", false, 0);
	j = cJSON_Parse(s);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "title")), "La Ruche");
	EXPECT(cJSON_IsNull(cJSON_GetObjectItem(j, "message")));
	EXPECT(cJSON_IsNull(cJSON_GetObjectItem(j, "colour_background")));
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "colour_text")), "#fff");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "logo")),
	    "data:image/png;base64,AAAA");
	EXPECT(cJSON_IsFalse(cJSON_GetObjectItem(j, "clock_synced")));
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "updated")),
	    "1970-01-01T00:00:00Z");
	cJSON_Delete(j);
	cJSON_free(s);
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_logo_as_data_url);
	RUN(test_svg_and_others);
	RUN(test_bad_logos_refused);
	RUN(test_document);
	rc = TEST_REPORT();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
