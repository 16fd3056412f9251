/*
 * seuild.conf parser.
 *
 * inih splits "key = value" lines and strips comments; everything else is
 * ours.  Debian builds inih without INI_HANDLER_LINENO, so the parse goes
 * through ini_parse_stream() with our own reader: it reads whole lines with
 * getline(), counts them, refuses lines inih would silently split
 * (INI_MAX_LINE), and handles section headers itself.  Owning the headers
 * matters because inih truncates long section names without a word and never
 * tells the handler about an empty section, while an empty [door.NAME] is a
 * valid door with every default.  Leading blanks are stripped before inih
 * sees a line, so an indented key is a key and never a continuation of the
 * previous value (inih's multi-line mode would otherwise swallow it).
 *
 * One table lists every key of DESIGN §4 in order, with its type, range and
 * where it lives: the handler parses through it and config_print() walks it,
 * so the canonical form cannot forget a key.
 *
 * Errors are collected with their line and printed sorted by line once the
 * whole file has been read, so `seuild -n` reports everything top to bottom.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ini.h>

#include "access.h"
#include "tz.h"

#define SEC	INT64_C(1000)
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

#define LINE_MAX_NUM	1023	/* highest GPIO line offset we accept */
#define LINE_CONTENT_MAX (INI_MAX_LINE - 2)	/* room for '\n' and NUL */

enum sect {
	S_NONE,		/* before the first header */
	S_SKIP,		/* a bad or duplicate header: ignore its keys */
	S_SITE,
	S_STORE,
	S_DOOR,
	S_READER,
	S_PRESENCE,
	S_SECURITY,
	S_MQTT,
	S_CONTROL,
	S_WEB,
	S_BACKUP,
	S_COUNT
};

static const char *const sect_names[S_COUNT] = {
	[S_SITE] = "site", [S_STORE] = "store", [S_DOOR] = "door",
	[S_READER] = "reader", [S_PRESENCE] = "presence",
	[S_SECURITY] = "security", [S_MQTT] = "mqtt", [S_CONTROL] = "control",
	[S_WEB] = "web",
	[S_BACKUP] = "backup",
};

enum ktype {
	K_STR,		/* string; .required: must not be empty */
	K_NAME,		/* [a-z0-9_-]{1,32} */
	K_TZ,		/* tz database zone */
	K_DUR,		/* duration in ms, .min..max */
	K_BOOL,
	K_INT,		/* .min..max */
	K_LINE,		/* GPIO line 0..1023 */
	K_OPTLINE,	/* GPIO line 0..1023, empty = -1 */
	K_ENUM,		/* index into .names, stored in an enum field */
	K_HHMM,		/* minutes after midnight */
};

struct key {
	enum sect	 sect;
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	size_t		 size;
	int64_t		 min, max;
	const char *const *names;
	bool		 required;	/* K_STR: must not be empty */
	bool		 whole_sec;	/* K_DUR: no milliseconds */
	bool		 empty_ok;	/* K_NAME: empty means none */
};

static const char *const gpio_names[] = { "gpiod", "sim", NULL };
static const char *const driver_names[] = { "libnfc", "sim", NULL };
static const char *const direction_names[] = { "in", "out", "toggle", NULL };
static const char *const unsynced_names[] =
    { "members_only", "deny", "ignore", NULL };
static const char *const sandbox_names[] = { "required", "best_effort", NULL };

/* K_ENUM values are stored with memcpy of an int. */
_Static_assert(sizeof(enum gpio_backend) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_driver) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_direction) == sizeof(int), "enum size");
_Static_assert(sizeof(enum unsynced_policy) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_sandbox) == sizeof(int), "enum size");

#define FIELD(type, m) \
	.off = offsetof(type, m), .size = sizeof(((type *)0)->m)
#define CF(m)	FIELD(struct config, m)
#define DF(m)	FIELD(struct door_conf, m)
#define RF(m)	FIELD(struct reader_conf, m)

/* DESIGN §4, in its order: config_print() follows this table. */
static const struct key keys[] = {
	{ S_SITE, "name", K_NAME, CF(site_name) },
	{ S_SITE, "timezone", K_TZ, CF(timezone) },

	{ S_STORE, "database", K_STR, CF(database), .required = true },
	{ S_STORE, "uid_key_file", K_STR, CF(uid_key_file), .required = true },
	{ S_STORE, "event_retention", K_DUR, CF(event_retention_ms),
	    .min = DAY, .max = 3650 * DAY },
	{ S_STORE, "visit_retention", K_DUR, CF(visit_retention_ms),
	    .min = DAY, .max = 3650 * DAY },

	{ S_DOOR, "gpio", K_ENUM, DF(gpio), .names = gpio_names },
	{ S_DOOR, "chip", K_STR, DF(chip), .required = true },
	{ S_DOOR, "relay_line", K_LINE, DF(relay_line) },
	{ S_DOOR, "relay_active_low", K_BOOL, DF(relay_active_low) },
	{ S_DOOR, "unlock_time", K_DUR, DF(unlock_ms),
	    .min = SEC, .max = CONFIG_UNLOCK_CAP_MS },
	{ S_DOOR, "contact_line", K_OPTLINE, DF(contact_line) },
	{ S_DOOR, "contact_open_high", K_BOOL, DF(contact_open_high) },
	{ S_DOOR, "held_open_time", K_DUR, DF(held_open_ms),
	    .min = SEC, .max = DAY },
	{ S_DOOR, "exit_line", K_OPTLINE, DF(exit_line) },
	{ S_DOOR, "sim_dir", K_STR, DF(sim_dir) },

	{ S_READER, "driver", K_ENUM, RF(driver), .names = driver_names },
	{ S_READER, "connstring", K_STR, RF(connstring) },
	{ S_READER, "door", K_NAME, RF(door), .empty_ok = true },
	{ S_READER, "direction", K_ENUM, RF(direction),
	    .names = direction_names },
	{ S_READER, "enrol", K_BOOL, RF(enrol) },
	{ S_READER, "feedback_chip", K_STR, RF(feedback_chip) },
	{ S_READER, "green_line", K_OPTLINE, RF(green_line) },
	{ S_READER, "red_line", K_OPTLINE, RF(red_line) },
	{ S_READER, "buzzer_line", K_OPTLINE, RF(buzzer_line) },
	{ S_READER, "feedback_active_low", K_BOOL, RF(feedback_active_low) },
	{ S_READER, "sim_fifo", K_STR, RF(sim_fifo) },

	{ S_PRESENCE, "expire_after", K_DUR, CF(expire_after_ms),
	    .min = SEC, .max = 30 * DAY },
	{ S_PRESENCE, "day_ends_at", K_HHMM, CF(day_ends_at_min) },
	{ S_PRESENCE, "toggle_guard", K_DUR, CF(toggle_guard_ms),
	    .min = 0, .max = 10 * MIN },

	{ S_SECURITY, "lockout_failures", K_INT, CF(lockout_failures),
	    .min = 1, .max = LOCKOUT_MAX_FAILURES },
	{ S_SECURITY, "lockout_window", K_DUR, CF(lockout_window_ms),
	    .min = SEC, .max = DAY },
	{ S_SECURITY, "lockout_time", K_DUR, CF(lockout_time_ms),
	    .min = SEC, .max = 15 * MIN },
	{ S_SECURITY, "unsynced_clock", K_ENUM, CF(unsynced_clock),
	    .names = unsynced_names },
	{ S_SECURITY, "reader_sandbox", K_ENUM, CF(reader_sandbox),
	    .names = sandbox_names },

	{ S_MQTT, "enabled", K_BOOL, CF(mqtt_enabled) },
	{ S_MQTT, "host", K_STR, CF(mqtt_host), .required = true },
	{ S_MQTT, "port", K_INT, CF(mqtt_port), .min = 1, .max = 65535 },
	{ S_MQTT, "base_topic", K_STR, CF(mqtt_base_topic), .required = true },
	{ S_MQTT, "client_id", K_STR, CF(mqtt_client_id), .required = true },
	{ S_MQTT, "username", K_STR, CF(mqtt_username) },
	{ S_MQTT, "password_file", K_STR, CF(mqtt_password_file) },
	{ S_MQTT, "ca_file", K_STR, CF(mqtt_ca_file) },
	{ S_MQTT, "cert_file", K_STR, CF(mqtt_cert_file) },
	{ S_MQTT, "key_file", K_STR, CF(mqtt_key_file) },
	/* libmosquitto takes whole seconds, at least 5, at most 65535. */
	{ S_MQTT, "keepalive", K_DUR, CF(mqtt_keepalive_ms),
	    .min = 5 * SEC, .max = 65535 * SEC, .whole_sec = true },
	{ S_MQTT, "remote_unlock", K_BOOL, CF(mqtt_remote_unlock) },
	{ S_MQTT, "homeassistant", K_BOOL, CF(mqtt_homeassistant) },
	{ S_MQTT, "spaceapi_file", K_STR, CF(mqtt_spaceapi_file) },

	{ S_CONTROL, "socket", K_STR, CF(control_socket), .required = true },
	{ S_CONTROL, "read_group", K_NAME, CF(control_read_group) },
	{ S_CONTROL, "operate_group", K_NAME, CF(control_operate_group) },

	{ S_WEB, "listen", K_STR, CF(web_listen), .required = true },
	{ S_WEB, "tls_cert", K_STR, CF(web_tls_cert) },
	{ S_WEB, "tls_key", K_STR, CF(web_tls_key) },
	{ S_WEB, "session_timeout", K_DUR, CF(web_session_timeout_ms),
	    .min = MIN, .max = 30 * DAY },

	/* The nightly backup (seuil-backup.timer): empty dir, none. */
	{ S_BACKUP, "dir", K_STR, CF(backup_dir) },
	{ S_BACKUP, "keep", K_INT, CF(backup_keep), .min = 1, .max = 1000 },
};

#define NKEYS		(sizeof(keys) / sizeof(keys[0]))
/* Instance 0 holds the single sections, then one per door and reader. */
#define NINST		(1 + CONFIG_MAX_DOORS + CONFIG_MAX_READERS)
#define DOOR_INST(i)	(1 + (i))
#define READER_INST(i)	(1 + CONFIG_MAX_DOORS + (i))

struct cerr {
	int	 line;
	int	 seq;
	char	*msg;
};

struct parse {
	struct config	*conf;
	FILE		*in;
	char		*buf;		/* getline() buffer */
	size_t		 bufcap;
	int		 lineno;
	int		 read_errno;	/* getline() failed: not EOF */

	enum sect	 sect;		/* section of the current line */
	int		 inst;		/* its instance (seen[] row) */
	int		 idx;		/* door or reader index */
	char		 sect_text[INI_MAX_LINE];	/* for messages */

	int		 sect_line[S_COUNT];		/* single sections */
	int		 door_line[CONFIG_MAX_DOORS];
	int		 reader_line[CONFIG_MAX_READERS];
	int		 seen[NINST][NKEYS];		/* line of each key */
	bool		 bad[NINST][NKEYS];		/* its value was refused */

	struct cerr	*errs;
	int		 nerrs;
	int		 errcap;
	int		 lost;		/* errors we had no memory to keep */
};

static void perr(struct parse *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parse *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	struct cerr *n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (p->nerrs == p->errcap) {
		int cap = p->errcap ? p->errcap * 2 : 16;

		if ((n = realloc(p->errs, (size_t)cap * sizeof(*n))) == NULL) {
			p->lost++;
			return;
		}
		p->errs = n;
		p->errcap = cap;
	}
	if ((p->errs[p->nerrs].msg = strdup(msg)) == NULL) {
		p->lost++;
		return;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	p->nerrs++;
}

static int
cerr_cmp(const void *a, const void *b)
{
	const struct cerr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool
valid_name(const char *s)
{
	size_t n = 0;

	/* Explicit ranges: islower() would follow the locale. */
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= CONFIG_NAME_MAX;
}

static const struct { const char *name; int64_t ms; } units[] = {
	{ "d", DAY }, { "h", HOUR }, { "m", MIN }, { "s", SEC }, { "ms", 1 },
};
#define NUNITS	(sizeof(units) / sizeof(units[0]))

int64_t
config_parse_duration(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	for (i = 0; i < NUNITS; i++) {
		if (strcmp(s, units[i].name) != 0)
			continue;
		if (v > INT64_MAX / units[i].ms)
			return -1;
		return v * units[i].ms;
	}
	return -1;
}

/* Index in units[] of the largest unit ms is a whole number of. */
static size_t
largest_unit(int64_t ms)
{
	size_t i;

	/* Zero is exact in every unit; seconds read best. */
	if (ms == 0)
		return NUNITS - 2;
	for (i = 0; i < NUNITS - 1; i++)
		if (ms % units[i].ms == 0)
			break;
	return i;
}

void
config_format_duration(int64_t ms, char *buf, size_t len)
{
	size_t u = largest_unit(ms);

	snprintf(buf, len, "%" PRId64 "%s", ms / units[u].ms, units[u].name);
}

/* "1s..60s": the maximum in the minimum's unit when that stays short. */
static void
format_range(int64_t min, int64_t max, char *buf, size_t len)
{
	char a[32], b[32];
	size_t u = largest_unit(min);

	config_format_duration(min, a, sizeof(a));
	if (max % units[u].ms == 0 && max / units[u].ms < 100)
		snprintf(b, sizeof(b), "%" PRId64 "%s", max / units[u].ms,
		    units[u].name);
	else
		config_format_duration(max, b, sizeof(b));
	snprintf(buf, len, "%s..%s", a, b);
}

/* 1 true, 0 false, -1 not a boolean. */
static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Unsigned decimal, no sign or blanks; -1 if bad or over max. */
static int64_t
parse_uint(const char *s, int64_t max)
{
	int64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return *s == '\0' ? v : -1;
}

/* "in, out or toggle" */
static void
enum_hint(const char *const *names, char *buf, size_t len)
{
	size_t n, i, off = 0;

	for (n = 0; names[n] != NULL; n++)
		;
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
}

/* The one place that derives [mqtt] base_topic and client_id from
 * site.name (DESIGN §4): at defaults, and again after parsing for the
 * keys the file did not set. */
static void
mqtt_default_names(struct config *conf, bool topic, bool client)
{
	if (topic)
		snprintf(conf->mqtt_base_topic, sizeof(conf->mqtt_base_topic),
		    "seuil/%s", conf->site_name);
	if (client)
		snprintf(conf->mqtt_client_id, sizeof(conf->mqtt_client_id),
		    "seuild-%s", conf->site_name);
}

void
config_defaults(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->site_name, sizeof(conf->site_name), "lab");
	snprintf(conf->timezone, sizeof(conf->timezone), "Europe/Paris");

	snprintf(conf->database, sizeof(conf->database),
	    "/var/lib/seuil/seuil.db");
	snprintf(conf->uid_key_file, sizeof(conf->uid_key_file),
	    "/etc/seuil/uid.key");
	conf->event_retention_ms = 90 * DAY;
	conf->visit_retention_ms = 400 * DAY;

	conf->expire_after_ms = 12 * HOUR;
	conf->day_ends_at_min = 4 * 60;
	conf->toggle_guard_ms = 10 * SEC;

	conf->lockout_failures = 5;
	conf->lockout_window_ms = 60 * SEC;
	conf->lockout_time_ms = 30 * SEC;
	conf->unsynced_clock = UNSYNCED_MEMBERS_ONLY;
	conf->reader_sandbox = READER_SANDBOX_REQUIRED;

	conf->mqtt_enabled = true;
	snprintf(conf->mqtt_host, sizeof(conf->mqtt_host), "localhost");
	conf->mqtt_port = 1883;
	mqtt_default_names(conf, true, true);
	conf->mqtt_keepalive_ms = 30 * SEC;
	conf->mqtt_remote_unlock = false;
	conf->mqtt_homeassistant = true;

	snprintf(conf->control_socket, sizeof(conf->control_socket),
	    "/run/seuil/control.sock");
	snprintf(conf->control_read_group, sizeof(conf->control_read_group), "seuil");
	snprintf(conf->control_operate_group, sizeof(conf->control_operate_group), "seuil");

	snprintf(conf->web_listen, sizeof(conf->web_listen), "127.0.0.1:8443");
	conf->web_session_timeout_ms = 8 * HOUR;

	conf->backup_keep = 7;
}

static void
door_defaults(struct door_conf *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->gpio = GPIO_GPIOD;
	snprintf(d->chip, sizeof(d->chip), "gpiochip0");
	d->relay_line = 17;
	d->relay_active_low = false;
	d->unlock_ms = 5 * SEC;
	d->contact_line = -1;
	d->contact_open_high = true;
	d->held_open_ms = 30 * SEC;
	d->exit_line = -1;
}

static void
reader_defaults(struct reader_conf *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->driver = READER_LIBNFC;
	r->door_index = -1;
	r->direction = DIRECTION_IN;
	r->green_line = r->red_line = r->buzzer_line = -1;
}

/* Where the fields of a key of the current section live. */
static char *
key_base(struct config *conf, enum sect s, int idx)
{
	if (s == S_DOOR)
		return (char *)&conf->doors[idx];
	if (s == S_READER)
		return (char *)&conf->readers[idx];
	return (char *)conf;
}

static const char *
ckey_base(const struct config *conf, enum sect s, int idx)
{
	if (s == S_DOOR)
		return (const char *)&conf->doors[idx];
	if (s == S_READER)
		return (const char *)&conf->readers[idx];
	return (const char *)conf;
}

static int
key_find(enum sect s, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The line a key was set on, or its section's header line if it was not. */
static int
key_line(const struct parse *p, enum sect s, int idx, const char *name)
{
	int k = key_find(s, name), inst = 0, line;

	if (s == S_DOOR)
		inst = DOOR_INST(idx);
	else if (s == S_READER)
		inst = READER_INST(idx);
	if (k >= 0 && (line = p->seen[inst][k]) > 0)
		return line;
	if (s == S_DOOR)
		return p->door_line[idx];
	if (s == S_READER)
		return p->reader_line[idx];
	return p->sect_line[s];
}

/* Parse value into its field; false (and an error) if it is bad. */
static bool
set_value(struct parse *p, const struct key *k, char *base, const char *value)
{
	char *field = base + k->off;
	char hint[80];
	int64_t v;
	int iv, line = p->lineno;

	switch (k->type) {
	case K_STR:
		if (k->required && *value == '\0') {
			perr(p, line, "empty value for %s", k->name);
			return false;
		}
		if (strlen(value) >= k->size) {
			perr(p, line, "value too long for %s (at most %zu "
			    "characters)", k->name, k->size - 1);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_NAME:
		if (value[0] == '\0' && k->empty_ok) {
			field[0] = '\0';
			return true;
		}
		if (!valid_name(value)) {
			perr(p, line, "bad name '%s' for %s (use 1 to %d of "
			    "a-z, 0-9, '_' and '-')", value, k->name,
			    CONFIG_NAME_MAX);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_TZ:
		if (strlen(value) >= k->size || !tz_valid(value)) {
			perr(p, line, "unknown timezone '%s' for %s (use a tz "
			    "database name such as Europe/Paris)", value,
			    k->name);
			return false;
		}
		memcpy(field, value, strlen(value) + 1);
		return true;
	case K_DUR:
		if ((v = config_parse_duration(value)) < 0) {
			perr(p, line, "bad duration '%s' for %s (use e.g. "
			    "500ms, 5s, 10m, 12h, 30d)", value, k->name);
			return false;
		}
		if (v < k->min || v > k->max) {
			format_range(k->min, k->max, hint, sizeof(hint));
			perr(p, line, "%s '%s' out of range (%s)", k->name,
			    value, hint);
			return false;
		}
		if (k->whole_sec && v % SEC != 0) {
			perr(p, line, "%s '%s' must be whole seconds",
			    k->name, value);
			return false;
		}
		memcpy(field, &v, sizeof(v));
		return true;
	case K_BOOL:
		if ((iv = parse_bool(value)) < 0) {
			perr(p, line, "bad boolean '%s' for %s (use true or "
			    "false)", value, k->name);
			return false;
		}
		*(bool *)field = iv;
		return true;
	case K_INT:
		if ((v = parse_uint(value, INT_MAX)) < 0) {
			if (isdigit((unsigned char)*value) &&
			    strspn(value, "0123456789") == strlen(value))
				perr(p, line, "%s '%s' out of range "
				    "(%" PRId64 "..%" PRId64 ")", k->name,
				    value, k->min, k->max);
			else
				perr(p, line, "bad number '%s' for %s (use "
				    "%" PRId64 "..%" PRId64 ")", value,
				    k->name, k->min, k->max);
			return false;
		}
		if (v < k->min || v > k->max) {
			perr(p, line, "%s '%s' out of range (%" PRId64 "..%"
			    PRId64 ")", k->name, value, k->min, k->max);
			return false;
		}
		iv = (int)v;
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_LINE:
	case K_OPTLINE:
		if (k->type == K_OPTLINE && *value == '\0') {
			iv = -1;
			memcpy(field, &iv, sizeof(iv));
			return true;
		}
		if ((v = parse_uint(value, LINE_MAX_NUM)) < 0) {
			perr(p, line, "bad line number '%s' for %s (use "
			    "0..%d%s)", value, k->name, LINE_MAX_NUM,
			    k->type == K_OPTLINE ? ", or leave empty for none"
			    : "");
			return false;
		}
		iv = (int)v;
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_ENUM:
		for (iv = 0; k->names[iv] != NULL; iv++)
			if (strcmp(value, k->names[iv]) == 0)
				break;
		if (k->names[iv] == NULL) {
			enum_hint(k->names, hint, sizeof(hint));
			perr(p, line, "bad value '%s' for %s (use %s)", value,
			    k->name, hint);
			return false;
		}
		memcpy(field, &iv, sizeof(iv));
		return true;
	case K_HHMM:
		if ((iv = tz_parse_hhmm(value, strlen(value), false)) < 0) {
			perr(p, line, "bad time '%s' for %s (use HH:MM, "
			    "00:00..23:59)", value, k->name);
			return false;
		}
		memcpy(field, &iv, sizeof(iv));
		return true;
	}
	return false;
}

/* inih calls this for every "key = value" after our reader has handed it
 * the line, so p->lineno is the line being parsed. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	int k, first;

	(void)section;	/* the reader tracks sections; see the top */
	switch (p->sect) {
	case S_NONE:
		perr(p, p->lineno, "key '%s' outside any section", name);
		return 1;
	case S_SKIP:
		return 1;
	default:
		break;
	}
	if ((k = key_find(p->sect, name)) < 0) {
		perr(p, p->lineno, "unknown key '%s' in [%s]", name,
		    p->sect_text);
		return 1;
	}
	if ((first = p->seen[p->inst][k]) > 0) {
		perr(p, p->lineno, "duplicate key '%s' in [%s] (first at "
		    "line %d)", name, p->sect_text, first);
		return 1;
	}
	p->seen[p->inst][k] = p->lineno;
	if (!set_value(p, &keys[k], key_base(p->conf, p->sect, p->idx),
	    value))
		p->bad[p->inst][k] = true;
	return 1;
}

/* A "[...]" line: find which section it opens and check it. */
static void
on_section(struct parse *p, const char *text)
{
	struct config *conf = p->conf;
	const char *dot, *name;
	size_t len;
	int s, i;

	p->sect = S_SKIP;
	snprintf(p->sect_text, sizeof(p->sect_text), "%s", text);
	dot = strchr(text, '.');
	len = dot ? (size_t)(dot - text) : strlen(text);
	for (s = S_SITE; s < S_COUNT; s++)
		if (strlen(sect_names[s]) == len &&
		    strncmp(text, sect_names[s], len) == 0)
			break;
	if (s == S_COUNT) {
		perr(p, p->lineno, "unknown section [%s]", text);
		return;
	}
	if (s != S_DOOR && s != S_READER) {
		if (dot != NULL) {
			perr(p, p->lineno, "unknown section [%s]", text);
			return;
		}
		if (p->sect_line[s] > 0) {
			perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->sect_line[s]);
			return;
		}
		p->sect_line[s] = p->lineno;
		p->sect = s;
		p->inst = 0;
		p->idx = 0;
		return;
	}

	if (dot == NULL) {
		perr(p, p->lineno, "section [%s] needs a name: [%s.NAME]",
		    text, text);
		return;
	}
	name = dot + 1;
	if (!valid_name(name)) {
		perr(p, p->lineno, "bad %s name '%s' (use 1 to %d of a-z, "
		    "0-9, '_' and '-')", sect_names[s], name,
		    CONFIG_NAME_MAX);
		return;
	}
	if (s == S_DOOR) {
		if ((i = config_door_index(conf, name)) >= 0) {
			perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->door_line[i]);
			return;
		}
		if (conf->ndoors == CONFIG_MAX_DOORS) {
			perr(p, p->lineno, "too many doors (at most %d)",
			    CONFIG_MAX_DOORS);
			return;
		}
		i = conf->ndoors++;
		door_defaults(&conf->doors[i], name);
		p->door_line[i] = p->lineno;
		p->inst = DOOR_INST(i);
	} else {
		if ((i = config_reader_index(conf, name)) >= 0) {
			perr(p, p->lineno, "duplicate section [%s] (first at "
			    "line %d)", text, p->reader_line[i]);
			return;
		}
		if (conf->nreaders == CONFIG_MAX_READERS) {
			perr(p, p->lineno, "too many readers (at most %d)",
			    CONFIG_MAX_READERS);
			return;
		}
		i = conf->nreaders++;
		reader_defaults(&conf->readers[i], name);
		p->reader_line[i] = p->lineno;
		p->inst = READER_INST(i);
	}
	p->sect = s;
	p->idx = i;
}

/*
 * Like inih's find_chars_or_comment(): the first of chars, or the start of
 * an inline comment (';' after a blank), or the end of the string.  Used to
 * recognise exactly the lines inih would reject, so that every such line is
 * reported rather than only the first.
 */
static const char *
find_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && strchr(chars, *s) == NULL &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static bool
is_comment_or_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' || *s == ';' || *s == '#';
}

/* A header line, s at its '['.  Returns false on a syntax error. */
static bool
section_line(struct parse *p, char *s)
{
	char *start = s + 1, *end;
	const char *close;

	close = find_or_comment(start, "]");
	if (*close != ']') {
		perr(p, p->lineno, "syntax error: missing ']'");
		return false;
	}
	if (!is_comment_or_blank(close + 1)) {
		perr(p, p->lineno, "syntax error: text after ']'");
		return false;
	}
	end = start + (close - start);
	*end = '\0';
	while (isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = '\0';
	on_section(p, start);
	return true;
}

/* ini_reader: hand inih one line at a time; see the comment at the top. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n;
	char *s;
	size_t len;
	const char *sep;

	errno = 0;
	if ((n = getline(&p->buf, &p->bufcap, p->in)) < 0) {
		if (errno != 0 && !feof(p->in))
			p->read_errno = errno;
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	len = (size_t)n;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	str[0] = '\0';
	if (len > LINE_CONTENT_MAX || len + 2 > (size_t)num) {
		perr(p, p->lineno, "line too long (%zu characters, at most "
		    "%d)", len, LINE_CONTENT_MAX);
		return str;
	}
	if (strlen(s) != len) {
		perr(p, p->lineno, "NUL byte in line");
		return str;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		section_line(p, s);
		return str;
	}
	if (*s != '\0' && *s != ';' && *s != '#') {
		sep = find_or_comment(s, "=:");
		if (*sep != '=' && *sep != ':') {
			perr(p, p->lineno, "syntax error: expected '[section]' "
			    "or 'key = value'");
			return str;
		}
		if (sep == s) {
			perr(p, p->lineno, "syntax error: missing key before "
			    "'%c'", *sep);
			return str;
		}
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

/* Blanks and quotes are legal in a topic but here they are a quoted
 * value or a '#' comment after the value, which inih keeps as text. */
static bool
valid_topic(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && strpbrk(t, "+#\"' \t") == NULL && t[0] != '/' &&
	    t[n - 1] != '/';
}

/* A host name, an IPv4 or an IPv6 address: anything else (quotes, a
 * trailing "# comment") would only fail later, at every connection. */
static bool
valid_host(const char *h)
{
	return *h != '\0' && strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") == strlen(h);
}

/* Whether a key's value was refused: its error is already reported, so
 * checks must not add consequences of the default standing in for it. */
static bool
key_bad(const struct parse *p, enum sect s, int idx, const char *name)
{
	int inst = s == S_DOOR ? DOOR_INST(idx) :
	    s == S_READER ? READER_INST(idx) : 0;

	return p->bad[inst][key_find(s, name)];
}

/*
 * [web]: listen is host:port (an IPv6 host in brackets).  The console's
 * passwords and session cookies must never cross the LAN in clear: a
 * listen address other than loopback needs tls_cert and tls_key (or a
 * reverse proxy in front, on loopback).
 */
static void
check_web(struct parse *p)
{
	struct config *conf = p->conf;
	int line = key_line(p, S_WEB, 0, "listen");
	bool tls = conf->web_tls_cert[0] != '\0' || conf->web_tls_key[0] != '\0';
	struct sockaddr_storage ss;

	if ((conf->web_tls_cert[0] == '\0') != (conf->web_tls_key[0] == '\0'))
		perr(p, key_line(p, S_WEB, 0, conf->web_tls_cert[0] ? "tls_cert" :
		    "tls_key"), "[web] tls_cert and tls_key go together");
	if (key_bad(p, S_WEB, 0, "listen"))
		return;
	if (config_web_addr(conf->web_listen, &ss) == -1) {
		perr(p, line, "bad listen '%s' (want HOST:PORT, e.g. "
		    "127.0.0.1:8443 or [::1]:8443, with a numeric address)",
		    conf->web_listen);
		return;
	}
	if (!tls && !config_addr_loopback(&ss))
		perr(p, line, "listen %s is not a loopback address: set tls_cert "
		    "and tls_key (`seuilctl web cert` makes a first one), or "
		    "listen on 127.0.0.1 behind a reverse proxy",
		    conf->web_listen);
}

/*
 * Where a reader's feedback goes: simulated (every output, to
 * <sim_fifo>.feedback) when its door is simulated or feedback_chip = sim,
 * else GPIO lines on feedback_chip or the door's chip.
 */
static void
check_feedback(struct parse *p, int i)
{
	struct config *conf = p->conf;
	struct reader_conf *r = &conf->readers[i];
	const struct door_conf *d = r->door_index >= 0 ? &conf->doors[r->door_index] : NULL;
	bool lines = r->green_line >= 0 || r->red_line >= 0 || r->buzzer_line >= 0;

	r->feedback_sim = false;
	r->feedback_gpio_chip[0] = '\0';
	if (strcmp(r->feedback_chip, "sim") == 0 ||
	    (r->feedback_chip[0] == '\0' && d != NULL && d->gpio == GPIO_SIM)) {
		if (r->driver != READER_SIM) {
			if (r->feedback_chip[0] != '\0')
				perr(p, key_line(p, S_READER, i, "feedback_chip"), "reader '%s': "
				    "feedback_chip = sim needs driver = sim (the feedback goes "
				    "to <sim_fifo>.feedback)", r->name);
			return;
		}
		r->feedback_sim = true;
		return;
	}
	if (!lines)
		return;
	if (r->feedback_chip[0] != '\0') {
		_Static_assert(sizeof(r->feedback_gpio_chip) == sizeof(r->feedback_chip), "size");
		memcpy(r->feedback_gpio_chip, r->feedback_chip, sizeof(r->feedback_chip));
	} else if (d != NULL) {
		_Static_assert(sizeof(r->feedback_gpio_chip) == sizeof(d->chip), "size");
		memcpy(r->feedback_gpio_chip, d->chip, sizeof(d->chip));
	} else {
		perr(p, p->reader_line[i], "reader '%s': feedback lines need feedback_chip "
		    "(a desk reader has no door whose chip they could share)", r->name);
	}
}

/*
 * One GPIO line has one use: two would let an input drive the strike, one
 * door's relay open another, or a LED pulse a strike.  Every line of every
 * door (gpio = gpiod) and every reader's feedback is checked against all.
 */
static void
check_lines(struct parse *p)
{
	struct config *conf = p->conf;
	struct line_use {
		enum sect	 sect;
		int		 idx;
		const char	*key;
		const char	*chip;
		int		 line;
		char		 owner[CONFIG_NAME_MAX + 16];
	} use[CONFIG_MAX_DOORS * 3 + CONFIG_MAX_READERS * 3];
	int n = 0;

	for (int i = 0; i < conf->ndoors; i++) {
		const struct door_conf *d = &conf->doors[i];
		const char *names[3] = { "relay_line", "contact_line", "exit_line" };
		int lines[3] = { d->relay_line, d->contact_line, d->exit_line };

		if (d->gpio != GPIO_GPIOD || key_bad(p, S_DOOR, i, "gpio"))
			continue;
		for (int k = 0; k < 3; k++) {
			if (lines[k] < 0 || key_bad(p, S_DOOR, i, names[k]))
				continue;
			use[n] = (struct line_use){ S_DOOR, i, names[k], d->chip, lines[k], "" };
			snprintf(use[n++].owner, sizeof(use[0].owner), "door '%s'", d->name);
		}
	}
	for (int i = 0; i < conf->nreaders; i++) {
		const struct reader_conf *r = &conf->readers[i];
		const char *names[3] = { "green_line", "red_line", "buzzer_line" };
		int lines[3] = { r->green_line, r->red_line, r->buzzer_line };

		if (r->feedback_sim || r->feedback_gpio_chip[0] == '\0')
			continue;
		for (int k = 0; k < 3; k++) {
			if (lines[k] < 0 || key_bad(p, S_READER, i, names[k]))
				continue;
			use[n] = (struct line_use){ S_READER, i, names[k], r->feedback_gpio_chip,
			    lines[k], "" };
			snprintf(use[n++].owner, sizeof(use[0].owner), "reader '%s'", r->name);
		}
	}
	for (int b = 0; b < n; b++) {
		for (int a = 0; a < b; a++) {
			if (use[a].line != use[b].line || strcmp(use[a].chip, use[b].chip) != 0)
				continue;
			if (use[a].sect == use[b].sect && use[a].idx == use[b].idx)
				perr(p, key_line(p, use[b].sect, use[b].idx, use[b].key),
				    "%s: %s and %s are both line %d", use[b].owner,
				    use[a].key, use[b].key, use[b].line);
			else
				perr(p, key_line(p, use[b].sect, use[b].idx, use[b].key),
				    "%s: %s %d on %s is also %s of %s", use[b].owner,
				    use[b].key, use[b].line, use[b].chip, use[a].key,
				    use[a].owner);
			break;
		}
	}
}

/* Checks that involve more than one key, once the whole file is read. */
static void
check_all(struct parse *p)
{
	struct config *conf = p->conf;
	int i;

	if (conf->ndoors == 0)
		perr(p, 0, "no door: at least one [door.NAME] section is "
		    "needed");

	for (i = 0; i < conf->ndoors; i++) {
		struct door_conf *d = &conf->doors[i];

		if (key_bad(p, S_DOOR, i, "gpio"))
			continue;
		if (d->gpio == GPIO_SIM && d->sim_dir[0] == '\0')
			perr(p, key_line(p, S_DOOR, i, "gpio"), "door '%s': "
			    "gpio = sim needs sim_dir", d->name);
	}

	for (i = 0; i < conf->nreaders; i++) {
		struct reader_conf *r = &conf->readers[i];

		if (key_bad(p, S_READER, i, "driver"))
			;	/* its error is enough */
		else if (r->driver == READER_SIM && r->sim_fifo[0] == '\0')
			perr(p, key_line(p, S_READER, i, "driver"), "reader "
			    "'%s': driver = sim needs sim_fifo", r->name);
		else if (r->driver == READER_LIBNFC &&
		    r->connstring[0] == '\0')
			perr(p, key_line(p, S_READER, i, "driver"), "reader "
			    "'%s': driver = libnfc needs a connstring (e.g. "
			    "pn532_uart:/dev/ttyAMA0)", r->name);
		if (r->door[0] == '\0') {
			/* A desk reader only enrols: it opens nothing. */
			if (!key_bad(p, S_READER, i, "door") && !r->enrol)
				perr(p, p->reader_line[i], "reader '%s' needs "
				    "door = NAME (or enrol = true for a desk "
				    "reader that opens nothing)", r->name);
			continue;
		}
		if ((r->door_index = config_door_index(conf, r->door)) < 0)
			perr(p, key_line(p, S_READER, i, "door"), "unknown "
			    "door '%s' for reader '%s'", r->door, r->name);
	}

	for (i = 0; i < conf->nreaders; i++)
		check_feedback(p, i);
	check_lines(p);

	/* Derived defaults follow site.name unless set. */
	mqtt_default_names(conf, p->seen[0][key_find(S_MQTT, "base_topic")] == 0,
	    p->seen[0][key_find(S_MQTT, "client_id")] == 0);
	if (p->seen[0][key_find(S_MQTT, "base_topic")] > 0 &&
	    !valid_topic(conf->mqtt_base_topic))
		perr(p, key_line(p, S_MQTT, 0, "base_topic"), "bad base_topic "
		    "'%s' (no '+', '#', blanks or quotes, no leading or "
		    "trailing '/')", conf->mqtt_base_topic);
	if (p->seen[0][key_find(S_MQTT, "host")] > 0 &&
	    !key_bad(p, S_MQTT, 0, "host") && !valid_host(conf->mqtt_host))
		perr(p, key_line(p, S_MQTT, 0, "host"), "bad host '%s' (a host "
		    "name or an IP address, without quotes; comments after a "
		    "value start with ';')", conf->mqtt_host);
}

int
config_load(const char *path, struct config *conf, FILE *errs)
{
	struct parse *p;
	int i, rc, ret;

	config_defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", path);

	/* Big (the seen table): keep it off the stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(errs, "%s:0: %s\n", path, strerror(errno));
		return -1;
	}
	p->conf = conf;
	if ((p->in = fopen(path, "r")) == NULL) {
		fprintf(errs, "%s:0: cannot open: %s\n", path, strerror(errno));
		free(p);
		return -1;
	}

	rc = ini_parse_stream(read_line, p, on_key, p);
	if (rc > 0)	/* a line inih refused that our reader let through */
		perr(p, rc, "syntax error");
	else if (rc < 0)
		perr(p, 0, "out of memory");

	if (p->read_errno != 0) {
		fprintf(errs, "%s:%d: cannot read: %s\n", path, p->lineno + 1,
		    strerror(p->read_errno));
		ret = -1;
	} else {
		check_all(p);
		check_web(p);
		if (p->nerrs > 0)
			qsort(p->errs, (size_t)p->nerrs, sizeof(*p->errs),
			    cerr_cmp);
		for (i = 0; i < p->nerrs; i++)
			fprintf(errs, "%s:%d: %s\n", path, p->errs[i].line,
			    p->errs[i].msg);
		if (p->lost > 0)
			fprintf(errs, "%s:0: %d more errors (out of memory)\n",
			    path, p->lost);
		ret = p->nerrs + p->lost;
	}

	for (i = 0; i < p->nerrs; i++)
		free(p->errs[i].msg);
	free(p->errs);
	free(p->buf);
	fclose(p->in);
	free(p);
	return ret;
}

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
		fprintf(out, "[%s]\n", sect_names[s]);
	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s)
			print_key(&keys[i], ckey_base(conf, s, idx), out);
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

const char *
config_reader_door(const struct reader_conf *r)
{
	return r->door_index >= 0 ? r->door : NULL;
}

int
config_door_index(const struct config *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->ndoors; i++)
		if (strcmp(conf->doors[i].name, name) == 0)
			return i;
	return -1;
}

int
config_reader_index(const struct config *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->nreaders; i++)
		if (strcmp(conf->readers[i].name, name) == 0)
			return i;
	return -1;
}

int
config_web_addr(const char *listen, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char *end;
	long port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || (n = (size_t)(colon - listen)) == 0 || n >= sizeof(host))
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return -1;
	memcpy(host, listen, n);
	host[n] = '\0';
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -1;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	return 0;
}

bool
config_addr_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

const char *
config_direction_name(enum reader_direction d)
{
	if ((unsigned)d < sizeof(direction_names) / sizeof(direction_names[0])
	    - 1)
		return direction_names[d];
	return "?";
}
