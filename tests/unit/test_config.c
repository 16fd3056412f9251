/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Config parser tests.  Golden files: every tests/config/NAME.conf is
 * loaded; a valid one must print (config_print) exactly NAME.expected, an
 * invalid one must report exactly NAME.errors.  Run from the repository
 * root.  SEUIL_UPDATE_GOLDEN=1 rewrites the golden files from the current
 * output (then read the diff before committing it).
 */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "testhelp.h"

#define GOLDEN_DIR	"tests/config"

static char *
slurp(const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	int c;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	{
		FILE *m = open_memstream(&buf, &len);

		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

static int
spit(const char *path, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/*
 * Load text through a temporary file.  *errs gets the error lines with the
 * file name replaced by "conf" so cases can compare them; the caller frees.
 */
static int
load_text(const char *text, struct config *conf, char **errs)
{
	char path[] = "/tmp/seuil-test-config.XXXXXX";
	char *raw = NULL, *out = NULL, *p;
	size_t rawlen = 0, outlen = 0, plen;
	FILE *e, *o;
	int fd, n;

	if ((fd = mkstemp(path)) < 0)
		return -2;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return -2;
	}
	close(fd);
	e = open_memstream(&raw, &rawlen);
	n = config_load(path, conf, e);
	fclose(e);
	unlink(path);

	plen = strlen(path);
	o = open_memstream(&out, &outlen);
	for (p = raw; *p != '\0'; ) {
		if (strncmp(p, path, plen) == 0) {
			fputs("conf", o);
			p += plen;
		} else
			fputc(*p++, o);
	}
	fclose(o);
	free(raw);
	if (errs != NULL)
		*errs = out;
	else
		free(out);
	return n;
}

/* One error expected: its "conf:LINE: message" line, newline excluded. */
static void
expect_error(const char *text, const char *want, const char *file,
    int line)
{
	struct config *conf = malloc(sizeof(*conf));
	char *errs = NULL, want_line[1024];
	int n;

	n = load_text(text, conf, &errs);
	snprintf(want_line, sizeof(want_line), "%s\n", want);
	if (n != 1 || strcmp(errs, want_line) != 0) {
		printf("#   %s:%d: %d errors:\n%s#   expected:\n%s", file, line,
		    n, errs, want_line);
		th_current_failed = 1;
	}
	free(errs);
	free(conf);
}
#define EXPECT_ERROR(text, want) expect_error(text, want, __FILE__, __LINE__)

/* Zero errors expected. */
static struct config *
load_ok(const char *text, const char *file, int line)
{
	struct config *conf = malloc(sizeof(*conf));
	char *errs = NULL;
	int n;

	n = load_text(text, conf, &errs);
	if (n != 0) {
		printf("#   %s:%d: %d errors:\n%s", file, line, n, errs);
		th_current_failed = 1;
	}
	free(errs);
	return conf;
}
#define LOAD_OK(text) load_ok(text, __FILE__, __LINE__)

#define DOOR "[door.front]\n"
#define LIBNFC_READER "[reader.front-in]\nconnstring = pn532_uart:/dev/ttyS0\n" \
	"door = front\n"

static void
test_duration_parse(void)
{
	EXPECT_INT(config_parse_duration("500ms"), 500);
	EXPECT_INT(config_parse_duration("5s"), 5000);
	EXPECT_INT(config_parse_duration("10m"), 600000);
	EXPECT_INT(config_parse_duration("12h"), 43200000);
	EXPECT_INT(config_parse_duration("30d"), INT64_C(2592000000));
	EXPECT_INT(config_parse_duration("0s"), 0);
	EXPECT_INT(config_parse_duration("0ms"), 0);
	EXPECT_INT(config_parse_duration("007s"), 7000);
	EXPECT_INT(config_parse_duration(""), -1);
	EXPECT_INT(config_parse_duration("5"), -1);
	EXPECT_INT(config_parse_duration("s"), -1);
	EXPECT_INT(config_parse_duration("5x"), -1);
	EXPECT_INT(config_parse_duration("5 s"), -1);
	EXPECT_INT(config_parse_duration(" 5s"), -1);
	EXPECT_INT(config_parse_duration("-5s"), -1);
	EXPECT_INT(config_parse_duration("+5s"), -1);
	EXPECT_INT(config_parse_duration("5S"), -1);
	EXPECT_INT(config_parse_duration("1.5s"), -1);
	EXPECT_INT(config_parse_duration("5sec"), -1);
	EXPECT_INT(config_parse_duration("1w"), -1);
	EXPECT_INT(config_parse_duration(NULL), -1);
	/* Overflow is refused, not wrapped. */
	EXPECT_INT(config_parse_duration("9223372036854775807ms"), INT64_MAX);
	EXPECT_INT(config_parse_duration("9223372036854775808ms"), -1);
	EXPECT_INT(config_parse_duration("9223372036854775807s"), -1);
	EXPECT_INT(config_parse_duration("106751991167d"),
	    INT64_C(106751991167) * 86400000);
	EXPECT_INT(config_parse_duration("106751991168d"), -1);
}

static void
test_duration_format(void)
{
	char buf[32];
	static const struct { int64_t ms; const char *s; } cases[] = {
		{ 0, "0s" }, { 1, "1ms" }, { 500, "500ms" }, { 1000, "1s" },
		{ 1500, "1500ms" }, { 60000, "1m" }, { 90000, "90s" },
		{ 3600000, "1h" }, { 5400000, "90m" }, { 86400000, "1d" },
		{ 90 * INT64_C(86400000), "90d" }, { 36 * 3600000, "36h" },
		{ 86400001, "86400001ms" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_format_duration(cases[i].ms, buf, sizeof(buf));
		EXPECT_STR(buf, cases[i].s);
		/* Every formatted duration parses back to itself. */
		EXPECT_INT(config_parse_duration(buf), cases[i].ms);
	}
}

static void
test_booleans(void)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE",
	    "Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "False",
	    "OFF" };
	char text[256];
	struct config *conf;
	size_t i;

	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), DOOR "relay_active_low = %s\n"
		    "contact_open_high = %s\n", yes[i], no[i]);
		conf = LOAD_OK(text);
		EXPECT(conf->doors[0].relay_active_low);
		EXPECT(!conf->doors[0].contact_open_high);
		free(conf);
	}
	EXPECT_ERROR(DOOR "relay_active_low = maybe\n", "conf:2: bad boolean "
	    "'maybe' for relay_active_low (use true or false)");
	EXPECT_ERROR(DOOR "relay_active_low =\n", "conf:2: bad boolean '' for "
	    "relay_active_low (use true or false)");
	EXPECT_ERROR(DOOR "[mqtt]\nenabled = 2\n", "conf:3: bad boolean '2' "
	    "for enabled (use true or false)");
}

static void
test_names(void)
{
	static const char *const good[] = { "a", "front", "front-in",
	    "door_2", "0", "-", "abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "Front", "front door", "fr.ont",
	    "é", "abcdefghijklmnopqrstuvwxyz0123456", "a/b" };
	char text[256], want[256];
	struct config *conf;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[site]\nname = %s\n[door.%s]\n",
		    good[i], good[i]);
		conf = LOAD_OK(text);
		EXPECT_STR(conf->site_name, good[i]);
		EXPECT_STR(conf->doors[0].name, good[i]);
		free(conf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), DOOR "[site]\nname = %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "conf:3: bad name '%s' for name "
		    "(use 1 to 32 of a-z, 0-9, '_' and '-')", bad[i]);
		EXPECT_ERROR(text, want);
		snprintf(text, sizeof(text), DOOR "[door.%s]\n", bad[i]);
		snprintf(want, sizeof(want), "conf:2: bad door name '%s' (use "
		    "1 to 32 of a-z, 0-9, '_' and '-')", bad[i]);
		EXPECT_ERROR(text, want);
	}
	EXPECT_ERROR(DOOR "[site]\nname =\n", "conf:3: bad name '' for name "
	    "(use 1 to 32 of a-z, 0-9, '_' and '-')");
	EXPECT_ERROR(DOOR "[reader.]\n", "conf:2: bad reader name '' (use 1 to "
	    "32 of a-z, 0-9, '_' and '-')");
	EXPECT_ERROR(DOOR "[door]\n", "conf:2: section [door] needs a name: "
	    "[door.NAME]");
}

static void
test_defaults(void)
{
	struct config *conf = LOAD_OK(DOOR);

	EXPECT_STR(conf->site_name, "lab");
	EXPECT_STR(conf->timezone, "Europe/Paris");
	EXPECT_STR(conf->database, "/var/lib/seuil/seuil.db");
	EXPECT_STR(conf->uid_key_file, "/etc/seuil/uid.key");
	EXPECT_INT(conf->event_retention_ms, 90 * INT64_C(86400000));
	EXPECT_INT(conf->visit_retention_ms, 400 * INT64_C(86400000));
	EXPECT_INT(conf->ndoors, 1);
	EXPECT_INT(conf->nreaders, 0);
	EXPECT_STR(conf->doors[0].name, "front");
	EXPECT_INT(conf->doors[0].gpio, GPIO_GPIOD);
	EXPECT_STR(conf->doors[0].chip, "gpiochip0");
	EXPECT_INT(conf->doors[0].relay_line, 17);
	EXPECT(!conf->doors[0].relay_active_low);
	EXPECT_INT(conf->doors[0].unlock_ms, 5000);
	EXPECT_INT(conf->doors[0].contact_line, -1);
	EXPECT(conf->doors[0].contact_open_high);
	EXPECT_INT(conf->doors[0].held_open_ms, 30000);
	EXPECT_INT(conf->doors[0].exit_line, -1);
	EXPECT_STR(conf->doors[0].sim_dir, "");
	EXPECT_INT(conf->expire_after_ms, 8 * 3600000);	/* docs/lobby.md says why */
	EXPECT_INT(conf->day_ends_at_min, 240);
	EXPECT_INT(conf->toggle_guard_ms, 10000);
	EXPECT_INT(conf->lockout_failures, 5);
	EXPECT_INT(conf->lockout_window_ms, 60000);
	EXPECT_INT(conf->lockout_time_ms, 30000);
	EXPECT_INT(conf->unsynced_clock, UNSYNCED_MEMBERS_ONLY);
	EXPECT(conf->mqtt_enabled);
	EXPECT_STR(conf->mqtt_host, "localhost");
	EXPECT_INT(conf->mqtt_port, 1883);
	EXPECT_STR(conf->mqtt_base_topic, "seuil/lab");
	EXPECT_STR(conf->mqtt_client_id, "seuild-lab");
	EXPECT_STR(conf->mqtt_username, "");
	EXPECT_INT(conf->mqtt_keepalive_ms, 30000);
	EXPECT(!conf->mqtt_remote_unlock);
	EXPECT(conf->mqtt_homeassistant);
	EXPECT_STR(conf->mqtt_spaceapi_file, "");
	EXPECT_STR(conf->control_socket, "/run/seuil/control.sock");
	free(conf);

	/* config_defaults alone agrees with the file defaults. */
	conf = malloc(sizeof(*conf));
	config_defaults(conf);
	EXPECT_INT(conf->ndoors, 0);
	EXPECT_STR(conf->mqtt_base_topic, "seuil/lab");
	EXPECT_INT(conf->mqtt_keepalive_ms, 30000);
	free(conf);
}

static void
test_derived_mqtt(void)
{
	struct config *conf;

	/* Derived from site.name wherever [site] is in the file. */
	conf = LOAD_OK("[mqtt]\nport = 8883\n" DOOR "[site]\nname = hq\n");
	EXPECT_STR(conf->mqtt_base_topic, "seuil/hq");
	EXPECT_STR(conf->mqtt_client_id, "seuild-hq");
	EXPECT_INT(conf->mqtt_port, 8883);
	free(conf);

	conf = LOAD_OK("[site]\nname = hq\n" DOOR "[mqtt]\nbase_topic = "
	    "building/b/access\nclient_id = door-pi\n");
	EXPECT_STR(conf->mqtt_base_topic, "building/b/access");
	EXPECT_STR(conf->mqtt_client_id, "door-pi");
	free(conf);

	/* With a login, the id is the login (what a broker that binds ids to
	 * logins makes it anyway); an explicit client_id still wins. */
	conf = LOAD_OK(DOOR "[mqtt]\nusername = door-lab\n[site]\nname = hq\n");
	EXPECT_STR(conf->mqtt_client_id, "door-lab");
	free(conf);
	conf = LOAD_OK(DOOR "[mqtt]\nclient_id = door-pi\nusername = door-lab\n");
	EXPECT_STR(conf->mqtt_client_id, "door-pi");
	free(conf);

	EXPECT_ERROR(DOOR "[mqtt]\nbase_topic = seuil/#\n", "conf:3: bad "
	    "base_topic 'seuil/#' (no '+', '#', blanks or quotes, no leading or trailing '/')");
	EXPECT_ERROR(DOOR "[mqtt]\nbase_topic = seuil/\n", "conf:3: bad "
	    "base_topic 'seuil/' (no '+', '#', blanks or quotes, no leading or trailing '/')");
	EXPECT_ERROR(DOOR "[mqtt]\nclient_id =\n", "conf:3: empty value for "
	    "client_id");
	/* Only ';' starts a comment after a value: '#' and quotes stay in it. */
	EXPECT_ERROR(DOOR "[mqtt]\nbase_topic = \"seuil/lab\"\n", "conf:3: bad "
	    "base_topic '\"seuil/lab\"' (no '+', '#', blanks or quotes, no "
	    "leading or trailing '/')");
	EXPECT_ERROR(DOOR "[mqtt]\nhost = 10.0.0.2 # the broker\n", "conf:3: "
	    "bad host '10.0.0.2 # the broker' (a host name or an IP address, "
	    "without quotes; comments after a value start with ';')");
	EXPECT_ERROR(DOOR "[mqtt]\nhost = \"broker.lan\"\n", "conf:3: bad host "
	    "'\"broker.lan\"' (a host name or an IP address, without quotes; "
	    "comments after a value start with ';')");
	conf = LOAD_OK(DOOR "[mqtt]\nhost = broker-1.lan ; the broker\n");
	EXPECT_STR(conf->mqtt_host, "broker-1.lan");
	free(conf);
	conf = LOAD_OK(DOOR "[mqtt]\nhost = fd00::1\n");
	EXPECT_STR(conf->mqtt_host, "fd00::1");
	free(conf);
}

static void
test_example(void)
{
	struct config *conf = malloc(sizeof(*conf));
	char *errs = NULL;
	size_t len = 0;
	FILE *e = open_memstream(&errs, &len);
	int n;

	n = config_load("config/seuild.conf.example", conf, e);
	fclose(e);
	EXPECT_INT(n, 0);
	if (n != 0)
		printf("%s", errs);
	EXPECT_INT(conf->ndoors, 1);
	EXPECT_STR(conf->doors[0].name, "front");
	EXPECT_INT(conf->doors[0].gpio, GPIO_GPIOD);
	EXPECT_INT(conf->doors[0].relay_line, 17);
	EXPECT_INT(conf->nreaders, 1);
	EXPECT_STR(conf->readers[0].name, "front-in");
	EXPECT_INT(conf->readers[0].driver, READER_LIBNFC);
	EXPECT_STR(conf->readers[0].connstring, "pn532_uart:/dev/ttyAMA0");
	EXPECT_INT(conf->readers[0].door_index, 0);
	EXPECT_STR(conf->path, "config/seuild.conf.example");
	free(errs);

	/* The example shows every default: it prints like the defaults of a
	 * file with only its door and reader. */
	{
		struct config *min;
		char *a = NULL, *b = NULL;
		size_t alen = 0, blen = 0;
		FILE *fa = open_memstream(&a, &alen);
		FILE *fb = open_memstream(&b, &blen);

		min = LOAD_OK(DOOR "[reader.front-in]\nconnstring = "
		    "pn532_uart:/dev/ttyAMA0\ndoor = front\n");
		config_print(conf, fa);
		config_print(min, fb);
		fclose(fa);
		fclose(fb);
		EXPECT_STR(a, b);
		free(a);
		free(b);
		free(min);
	}
	free(conf);
}

/* Printing is canonical: what it prints loads back to the same thing. */
static void
test_roundtrip(void)
{
	static const char *const sources[] = {
		"config/seuild.conf.example",
		GOLDEN_DIR "/valid-full.conf",
		GOLDEN_DIR "/valid-minimal.conf",
	};
	size_t i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		struct config *a = malloc(sizeof(*a)), *b;
		char *first = NULL, *second = NULL, *errs = NULL;
		size_t flen = 0, slen = 0, elen = 0;
		FILE *f, *e = open_memstream(&errs, &elen);

		EXPECT_INT(config_load(sources[i], a, e), 0);
		fclose(e);
		free(errs);
		f = open_memstream(&first, &flen);
		config_print(a, f);
		fclose(f);
		b = LOAD_OK(first);
		f = open_memstream(&second, &slen);
		config_print(b, f);
		fclose(f);
		EXPECT_STR(second, first);
		/* Fixed-size plain data: equal configs compare equal. */
		EXPECT(memcmp(a->doors, b->doors, sizeof(a->doors)) == 0);
		EXPECT(memcmp(a->readers, b->readers, sizeof(a->readers)) == 0);
		free(first);
		free(second);
		free(a);
		free(b);
	}
}

static void
test_golden(void)
{
	glob_t g;
	size_t i;
	int update = getenv("SEUIL_UPDATE_GOLDEN") != NULL;

	if (glob(GOLDEN_DIR "/*.conf", 0, NULL, &g) != 0) {
		printf("#   no %s/*.conf (run from the repository root)\n",
		    GOLDEN_DIR);
		th_current_failed = 1;
		return;
	}
	EXPECT(g.gl_pathc >= 12);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *conf_path = g.gl_pathv[i];
		char stem[512], exp_path[600], err_path[600];
		char *out = NULL, *errs = NULL, *want;
		size_t olen = 0, elen = 0;
		struct config *conf = malloc(sizeof(*conf));
		FILE *o = open_memstream(&out, &olen);
		FILE *e = open_memstream(&errs, &elen);
		int n;

		snprintf(stem, sizeof(stem), "%.*s",
		    (int)(strlen(conf_path) - 5), conf_path);
		snprintf(exp_path, sizeof(exp_path), "%s.expected", stem);
		snprintf(err_path, sizeof(err_path), "%s.errors", stem);

		n = config_load(conf_path, conf, e);
		if (n == 0)
			config_print(conf, o);
		fclose(o);
		fclose(e);

		if (update) {
			unlink(n == 0 ? err_path : exp_path);
			spit(n == 0 ? exp_path : err_path, n == 0 ? out : errs);
		}
		if ((want = slurp(exp_path)) != NULL) {
			if (n != 0 || strcmp(out, want) != 0) {
				printf("#   %s: %d errors, output:\n%s%s",
				    conf_path, n, out, errs);
				th_current_failed = 1;
			}
		} else if ((want = slurp(err_path)) != NULL) {
			if (n <= 0 || strcmp(errs, want) != 0) {
				printf("#   %s: %d errors:\n%s#   expected:\n"
				    "%s", conf_path, n, errs, want);
				th_current_failed = 1;
			}
		} else {
			printf("#   %s: no .expected or .errors file\n",
			    conf_path);
			th_current_failed = 1;
		}
		free(want);
		free(out);
		free(errs);
		free(conf);
	}
	globfree(&g);
}

static void
test_missing_file(void)
{
	struct config *conf = malloc(sizeof(*conf));
	char *errs = NULL;
	size_t len = 0;
	FILE *e = open_memstream(&errs, &len);

	EXPECT_INT(config_load("/nonexistent/seuild.conf", conf, e), -1);
	fclose(e);
	EXPECT_STR(errs, "/nonexistent/seuild.conf:0: cannot open: No such "
	    "file or directory\n");
	free(errs);
	free(conf);
}

static void
test_syntax(void)
{
	struct config *conf;

	EXPECT_ERROR(DOOR "relay_line 17\n", "conf:2: syntax error: expected "
	    "'[section]' or 'key = value'");
	EXPECT_ERROR(DOOR "= 17\n", "conf:2: syntax error: missing key before "
	    "'='");
	EXPECT_ERROR(DOOR "[site\n", "conf:2: syntax error: missing ']'");
	EXPECT_ERROR(DOOR "[site] x\n", "conf:2: syntax error: text after ']'");
	EXPECT_ERROR("relay_line = 17\n" DOOR, "conf:1: key 'relay_line' "
	    "outside any section");
	EXPECT_ERROR(DOOR "[site.x]\n", "conf:2: unknown section [site.x]");

	/* Comments, blanks, inline comments, indentation, CRLF, BOM, ':' */
	conf = LOAD_OK("\xEF\xBB\xBF; comment\r\n# another\r\n\r\n"
	    "  [door.front]  ; the door\r\n"
	    "\trelay_line = 22   ; inline\r\n"
	    "    unlock_time: 7s\r\n"
	    "sim_dir = /tmp/a;not a comment\r\n");
	EXPECT_INT(conf->doors[0].relay_line, 22);
	EXPECT_INT(conf->doors[0].unlock_ms, 7000);
	EXPECT_STR(conf->doors[0].sim_dir, "/tmp/a;not a comment");
	free(conf);
	EXPECT_ERROR(DOOR "exit_line = 4;x\n", "conf:2: bad line number '4;x' "
	    "for exit_line (use 0..1023, or leave empty for none)");

	/* Indented keys are keys, not continuations of the previous value. */
	conf = LOAD_OK(DOOR "chip = gpiochip1\n  relay_line = 5\n");
	EXPECT_STR(conf->doors[0].chip, "gpiochip1");
	EXPECT_INT(conf->doors[0].relay_line, 5);
	free(conf);

	/* An empty file has no door. */
	EXPECT_ERROR("", "conf:0: no door: at least one [door.NAME] section "
	    "is needed");
}

static void
test_long_line(void)
{
	char text[1024], want[256];
	struct config *conf;
	int pad;

	/* 198 characters is the longest inih takes whole. */
	pad = 198 - (int)strlen("sim_dir = /");
	snprintf(text, sizeof(text), DOOR "sim_dir = /%0*d\n", pad, 0);
	conf = LOAD_OK(text);
	EXPECT_INT(strlen(conf->doors[0].sim_dir), 1 + pad);
	free(conf);

	snprintf(text, sizeof(text), DOOR "sim_dir = /%0*d\n", pad + 1, 0);
	EXPECT_ERROR(text, "conf:2: line too long (199 characters, at most "
	    "198)");

	/* Not split: the rest of the line must not become a key. */
	snprintf(text, sizeof(text), DOOR "; %0*d relay_line = 3\n", 300, 0);
	snprintf(want, sizeof(want), "conf:2: line too long (%zu characters, "
	    "at most 198)", strlen(text) - strlen(DOOR) - 1);
	EXPECT_ERROR(text, want);
}

static void
test_unknown(void)
{
	EXPECT_ERROR(DOOR "x = 1\n", "conf:2: unknown key 'x' in [door.front]");
	EXPECT_ERROR(DOOR "Relay_line = 1\n", "conf:2: unknown key "
	    "'Relay_line' in [door.front]");
	EXPECT_ERROR(DOOR "[site]\ndoor = front\n", "conf:3: unknown key "
	    "'door' in [site]");
	EXPECT_ERROR(DOOR "[sites]\nname = x\n", "conf:2: unknown section "
	    "[sites]");
	EXPECT_ERROR(DOOR "[Site]\n", "conf:2: unknown section [Site]");
}

static void
test_duplicates(void)
{
	EXPECT_ERROR(DOOR "unlock_time = 3s\nunlock_time = 4s\n", "conf:3: "
	    "duplicate key 'unlock_time' in [door.front] (first at line 2)");
	EXPECT_ERROR(DOOR "[site]\n[site]\n", "conf:3: duplicate section "
	    "[site] (first at line 2)");
	/* Keys of a refused duplicate section are not reported again. */
	EXPECT_ERROR(DOOR "relay_line = 3\n" DOOR "relay_line = 4\n",
	    "conf:3: duplicate section [door.front] (first at line 1)");
	EXPECT_ERROR(DOOR LIBNFC_READER LIBNFC_READER, "conf:5: duplicate "
	    "section [reader.front-in] (first at line 2)");
	/* A door and a reader may share a name. */
	free(LOAD_OK(DOOR "[reader.front]\nconnstring = x\ndoor = front\n"));
}

static void
test_values(void)
{
	struct config *conf;

	EXPECT_ERROR(DOOR "unlock_time = 5x\n", "conf:2: bad duration '5x' for "
	    "unlock_time (use e.g. 500ms, 5s, 10m, 12h, 30d)");
	EXPECT_ERROR(DOOR "unlock_time = 61s\n", "conf:2: unlock_time '61s' "
	    "out of range (1s..60s)");
	EXPECT_ERROR(DOOR "unlock_time = 999ms\n", "conf:2: unlock_time "
	    "'999ms' out of range (1s..60s)");
	conf = LOAD_OK(DOOR "unlock_time = 60s\n");
	EXPECT_INT(conf->doors[0].unlock_ms, 60000);
	free(conf);
	conf = LOAD_OK(DOOR "unlock_time = 1500ms\n");
	EXPECT_INT(conf->doors[0].unlock_ms, 1500);
	free(conf);

	EXPECT_ERROR(DOOR "relay_line = 1024\n", "conf:2: bad line number "
	    "'1024' for relay_line (use 0..1023)");
	EXPECT_ERROR(DOOR "relay_line =\n", "conf:2: bad line number '' for "
	    "relay_line (use 0..1023)");
	EXPECT_ERROR(DOOR "contact_line = -1\n", "conf:2: bad line number "
	    "'-1' for contact_line (use 0..1023, or leave empty for none)");
	conf = LOAD_OK(DOOR "relay_line = 0\ncontact_line = 1023\n"
	    "exit_line =\n");
	EXPECT_INT(conf->doors[0].relay_line, 0);
	EXPECT_INT(conf->doors[0].contact_line, 1023);
	EXPECT_INT(conf->doors[0].exit_line, -1);
	free(conf);

	EXPECT_ERROR(DOOR LIBNFC_READER "direction = sideways\n", "conf:5: "
	    "bad value 'sideways' for direction (use in, out or toggle)");
	EXPECT_ERROR(DOOR "gpio = sysfs\n", "conf:2: bad value 'sysfs' for "
	    "gpio (use gpiod or sim)");
	EXPECT_ERROR(DOOR LIBNFC_READER "driver = pcsc\n", "conf:5: bad value "
	    "'pcsc' for driver (use libnfc or sim)");
	EXPECT_ERROR(DOOR "[security]\nunsynced_clock = allow\n", "conf:3: bad "
	    "value 'allow' for unsynced_clock (use members_only, deny or "
	    "ignore)");
	conf = LOAD_OK(DOOR LIBNFC_READER "direction = toggle\n[security]\n"
	    "unsynced_clock = deny\n");
	EXPECT_INT(conf->readers[0].direction, DIRECTION_TOGGLE);
	EXPECT_INT(conf->unsynced_clock, UNSYNCED_DENY);
	free(conf);

	EXPECT_ERROR(DOOR "[presence]\nday_ends_at = 24:00\n", "conf:3: bad "
	    "time '24:00' for day_ends_at (use HH:MM, 00:00..23:59)");
	EXPECT_ERROR(DOOR "[presence]\nday_ends_at = 4h\n", "conf:3: bad "
	    "time '4h' for day_ends_at (use HH:MM, 00:00..23:59)");
	EXPECT_ERROR(DOOR "[presence]\nday_ends_at = 04:60\n", "conf:3: bad "
	    "time '04:60' for day_ends_at (use HH:MM, 00:00..23:59)");
	conf = LOAD_OK(DOOR "[presence]\nday_ends_at = 23:59\n");
	EXPECT_INT(conf->day_ends_at_min, 23 * 60 + 59);
	free(conf);
	conf = LOAD_OK(DOOR "[presence]\nday_ends_at = 0:05\n");
	EXPECT_INT(conf->day_ends_at_min, 5);
	free(conf);

	EXPECT_ERROR(DOOR "[mqtt]\nport = 0\n", "conf:3: port '0' out of range "
	    "(1..65535)");
	EXPECT_ERROR(DOOR "[mqtt]\nport = 65536\n", "conf:3: port '65536' out "
	    "of range (1..65535)");
	EXPECT_ERROR(DOOR "[mqtt]\nport = 99999999999999\n", "conf:3: port "
	    "'99999999999999' out of range (1..65535)");
	EXPECT_ERROR(DOOR "[mqtt]\nport = http\n", "conf:3: bad number 'http' "
	    "for port (use 1..65535)");
	conf = LOAD_OK(DOOR "[mqtt]\nport = 65535\n");
	EXPECT_INT(conf->mqtt_port, 65535);
	free(conf);

	EXPECT_ERROR(DOOR "[mqtt]\nkeepalive = 2s\n", "conf:3: keepalive '2s' "
	    "out of range (5s..65535s)");
	EXPECT_ERROR(DOOR "[mqtt]\nkeepalive = 5500ms\n", "conf:3: keepalive "
	    "'5500ms' must be whole seconds");
	EXPECT_ERROR(DOOR "[security]\nlockout_time = 16m\n", "conf:3: "
	    "lockout_time '16m' out of range (1s..15m)");
	EXPECT_ERROR(DOOR "[security]\nlockout_failures = 0\n", "conf:3: "
	    "lockout_failures '0' out of range (1..32)");
	EXPECT_ERROR(DOOR "[store]\nevent_retention = 1h\n", "conf:3: "
	    "event_retention '1h' out of range (1d..3650d)");
	conf = LOAD_OK(DOOR "[presence]\ntoggle_guard = 0s\n");
	EXPECT_INT(conf->toggle_guard_ms, 0);
	free(conf);

	EXPECT_ERROR(DOOR "chip =\n", "conf:2: empty value for chip");
	EXPECT_ERROR(DOOR "[store]\ndatabase =\n", "conf:3: empty value for "
	    "database");
	EXPECT_ERROR(DOOR "chip = /dev/gpiochip0123456789012345678901234567890"
	    "12345678901234567890\n", "conf:2: value too long for chip (at "
	    "most 63 characters)");
}

static void
test_timezone(void)
{
	struct config *conf;

	EXPECT_ERROR(DOOR "[site]\ntimezone = Mars/Olympus\n", "conf:3: "
	    "unknown timezone 'Mars/Olympus' for timezone (use a tz database "
	    "name such as Europe/Paris)");
	EXPECT_ERROR(DOOR "[site]\ntimezone =\n", "conf:3: unknown timezone '' "
	    "for timezone (use a tz database name such as Europe/Paris)");
	conf = LOAD_OK(DOOR "[site]\ntimezone = America/New_York\n");
	EXPECT_STR(conf->timezone, "America/New_York");
	free(conf);
}

static void
test_cross_checks(void)
{
	struct config *conf;

	EXPECT_ERROR(DOOR "[reader.r]\nconnstring = x\ndoor = back\n",
	    "conf:4: unknown door 'back' for reader 'r'");
	EXPECT_ERROR(DOOR "[reader.r]\nconnstring = x\n", "conf:2: reader 'r' "
	    "needs door = NAME (or enrol = true for a desk reader that opens nothing)");
	EXPECT_ERROR(DOOR "[reader.r]\nconnstring = x\nenrol = false\n", "conf:2: reader "
	    "'r' needs door = NAME (or enrol = true for a desk reader that opens nothing)");
	/* A desk reader: enrolment only, no door. */
	conf = LOAD_OK(DOOR "[reader.desk]\nconnstring = x\nenrol = true\n");
	EXPECT(conf->nreaders == 1 && conf->readers[0].enrol);
	EXPECT(conf->readers[0].door_index == -1);
	EXPECT(config_reader_door(&conf->readers[0]) == NULL);
	EXPECT(config_reader_index(conf, "desk") == 0 && config_reader_index(conf, "x") == -1);
	free(conf);
	/* Control roles: group names, defaults seuil. */
	conf = LOAD_OK(DOOR "[control]\nread_group = staff\n");
	EXPECT_STR(conf->control_read_group, "staff");
	EXPECT_STR(conf->control_operate_group, "seuil");
	free(conf);
	EXPECT_ERROR(DOOR "[control]\noperate_group = a b\n", "conf:3: bad name 'a b' for "
	    "operate_group (use 1 to 32 of a-z, 0-9, '_' and '-')");
	EXPECT_ERROR(DOOR "[reader.r]\ndoor = front\n", "conf:2: reader 'r': "
	    "driver = libnfc needs a connstring (e.g. pn532_uart:/dev/ttyAMA0)");
	EXPECT_ERROR(DOOR "[reader.r]\ndoor = front\ndriver = libnfc\n",
	    "conf:4: reader 'r': driver = libnfc needs a connstring (e.g. "
	    "pn532_uart:/dev/ttyAMA0)");
	EXPECT_ERROR(DOOR "[reader.r]\ndoor = front\ndriver = sim\n", "conf:4: "
	    "reader 'r': driver = sim needs sim_fifo");
	EXPECT_ERROR(DOOR "gpio = sim\n", "conf:2: door 'front': gpio = sim "
	    "needs sim_dir");
	EXPECT_ERROR(DOOR "contact_line = 17\n", "conf:2: door 'front': "
	    "relay_line and contact_line are both line 17");
	EXPECT_ERROR(DOOR "[door.back]\n", "conf:2: door 'back': relay_line "
	    "17 on gpiochip0 is also relay_line of door 'front'");

	/* A reader may name a door defined after it; door_index is set. */
	conf = LOAD_OK("[reader.a]\ndriver = sim\nsim_fifo = /tmp/a\n"
	    "door = back\n" DOOR "[door.back]\nrelay_line = 27\n"
	    "[reader.b]\nconnstring = x\ndoor = front\n");
	EXPECT_INT(conf->readers[0].door_index, 1);
	EXPECT_INT(conf->readers[1].door_index, 0);
	EXPECT_INT(config_door_index(conf, "back"), 1);
	EXPECT_INT(config_door_index(conf, "side"), -1);
	EXPECT_INT(config_reader_index(conf, "b"), 1);
	EXPECT_INT(config_reader_index(conf, "front"), -1);
	free(conf);

	/* Same lines on another chip, or simulated doors, do not clash. */
	free(LOAD_OK(DOOR "[door.back]\nchip = gpiochip1\n"));
	free(LOAD_OK("[door.a]\ngpio = sim\nsim_dir = /tmp/a\n"
	    "[door.b]\ngpio = sim\nsim_dir = /tmp/b\n"));
}

static void
test_limits(void)
{
	char text[4096];
	size_t off = 0;
	int i;

	for (i = 0; i <= CONFIG_MAX_DOORS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "[door.d%d]\nrelay_line = %d\n", i, i);
	EXPECT_ERROR(text, "conf:17: too many doors (at most 8)");

	off = (size_t)snprintf(text, sizeof(text), DOOR);
	for (i = 0; i <= CONFIG_MAX_READERS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "[reader.r%d]\nconnstring = x\ndoor = front\n", i);
	EXPECT_ERROR(text, "conf:50: too many readers (at most 16)");
}

static void
test_direction_name(void)
{
	EXPECT_STR(config_direction_name(DIRECTION_IN), "in");
	EXPECT_STR(config_direction_name(DIRECTION_OUT), "out");
	EXPECT_STR(config_direction_name(DIRECTION_TOGGLE), "toggle");
}

static void
test_all_errors_reported(void)
{
	struct config *conf = malloc(sizeof(*conf));
	char *errs = NULL;
	int n;

	/* Errors come out sorted by line, whole-file ones first. */
	n = load_text("[reader.r]\ndoor = nowhere\nx = 1\nconnstring = c\n"
	    "[site]\ntimezone = Nowhere/City\nname = Lab\n"
	    "bad line\n", conf, &errs);
	EXPECT_INT(n, 6);
	EXPECT_STR(errs,
	    "conf:0: no door: at least one [door.NAME] section is needed\n"
	    "conf:2: unknown door 'nowhere' for reader 'r'\n"
	    "conf:3: unknown key 'x' in [reader.r]\n"
	    "conf:6: unknown timezone 'Nowhere/City' for timezone (use a tz "
	    "database name such as Europe/Paris)\n"
	    "conf:7: bad name 'Lab' for name (use 1 to 32 of a-z, 0-9, '_' "
	    "and '-')\n"
	    "conf:8: syntax error: expected '[section]' or 'key = value'\n");
	free(errs);
	free(conf);
}

int
main(void)
{
	RUN(test_duration_parse);
	RUN(test_duration_format);
	RUN(test_booleans);
	RUN(test_names);
	RUN(test_defaults);
	RUN(test_derived_mqtt);
	RUN(test_example);
	RUN(test_roundtrip);
	RUN(test_golden);
	RUN(test_missing_file);
	RUN(test_syntax);
	RUN(test_long_line);
	RUN(test_unknown);
	RUN(test_duplicates);
	RUN(test_values);
	RUN(test_timezone);
	RUN(test_cross_checks);
	RUN(test_limits);
	RUN(test_direction_name);
	RUN(test_all_errors_reported);
	return TEST_REPORT();
}
