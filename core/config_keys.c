/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The configuration's keys (docs/design.md, Configuration): one table, in
 * the contract's order, with each key's type, range and where it lives,
 * and the defaults.  The parser (config.c), the checks (config_check.c)
 * and the canonical printer (config_print.c) all walk this table, so none
 * can forget a key.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "config_private.h"

const char *const config_sect_names[S_COUNT] = {
	[S_SITE] = "site", [S_STORE] = "store", [S_CREDENTIALS] = "credentials",
	[S_DOOR] = "door",
	[S_READER] = "reader", [S_PRESENCE] = "presence",
	[S_SECURITY] = "security", [S_MQTT] = "mqtt", [S_CONTROL] = "control",
	[S_WEB] = "web",
	[S_BACKUP] = "backup",
	[S_GUESTS] = "guests", [S_SPACEAPI] = "spaceapi",
	[S_REPORT] = "report",
	[S_LOBBY] = "lobby",
	[S_REPLICA] = "replica",
};

static const char *const gpio_names[] = { "gpiod", "sim", NULL };
static const char *const driver_names[] = { "libnfc", "sim", NULL };
const char *const config_direction_names[] = { "in", "out", "toggle", NULL };
static const char *const unsynced_names[] =
    { "members_only", "deny", "ignore", NULL };
static const char *const sandbox_names[] = { "required", "best_effort", NULL };
static const char *const credential_names[] = { "uid", "desfire", "both", NULL };
static const char *const last_out_names[] = { "none", "presence", NULL };
static const char *const open_from_names[] = { "presence", "office_hours", NULL };
static const char *const role_names[] = { "primary", "replica", NULL };
static const char *const expired_names[] = { "offline_groups", "keep", "deny", NULL };

/* K_ENUM values are stored with memcpy of an int. */
_Static_assert(sizeof(enum gpio_backend) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_driver) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_direction) == sizeof(int), "enum size");
_Static_assert(sizeof(enum unsynced_policy) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_sandbox) == sizeof(int), "enum size");
_Static_assert(sizeof(enum reader_credential) == sizeof(int), "enum size");
_Static_assert(sizeof(enum last_out) == sizeof(int), "enum size");
_Static_assert(sizeof(enum spaceapi_open) == sizeof(int), "enum size");
_Static_assert(sizeof(enum site_role) == sizeof(int), "enum size");
_Static_assert(sizeof(enum when_expired) == sizeof(int), "enum size");

#define FIELD(type, m) \
	.off = offsetof(type, m), .size = sizeof(((type *)0)->m)
#define CF(m)	FIELD(struct config, m)
#define DF(m)	FIELD(struct door_conf, m)
#define RF(m)	FIELD(struct reader_conf, m)

/* docs/design.md, Configuration, in its order: config_print() follows
 * this table. */
const struct key config_keys[] = {
	{ S_SITE, "name", K_NAME, CF(site_name) },
	{ S_SITE, "timezone", K_TZ, CF(timezone) },
	{ S_SITE, "node", K_NAME, CF(site_node), .empty_ok = true },
	{ S_SITE, "role", K_ENUM, CF(site_role), .names = role_names },
	{ S_SITE, "key_file", K_STR, CF(site_key_file), .required = true },
	{ S_SITE, "heartbeat", K_DUR, CF(site_heartbeat_ms), .min = SEC, .max = HOUR },

	{ S_STORE, "database", K_STR, CF(database), .required = true },
	{ S_STORE, "uid_key_file", K_STR, CF(uid_key_file), .required = true },
	{ S_STORE, "event_retention", K_DUR, CF(event_retention_ms),
	    .min = DAY, .max = 3650 * DAY },
	{ S_STORE, "visit_retention", K_DUR, CF(visit_retention_ms),
	    .min = DAY, .max = 3650 * DAY },

	{ S_CREDENTIALS, "aid", K_AID, CF(credentials_aid) },
	{ S_CREDENTIALS, "key_file", K_STR, CF(credentials_key_file), .required = true },
	{ S_CREDENTIALS, "picc_key_file", K_STR, CF(credentials_picc_key_file) },

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
	/* Office hours: checked together by config_check_all. */
	{ S_DOOR, "unlock_schedule", K_STR, DF(unlock_schedule) },
	{ S_DOOR, "first_in", K_STR, DF(first_in) },
	{ S_DOOR, "last_out", K_ENUM, DF(last_out), .names = last_out_names },
	{ S_DOOR, "continuous_duty", K_BOOL, DF(continuous_duty) },

	{ S_READER, "driver", K_ENUM, RF(driver), .names = driver_names },
	{ S_READER, "connstring", K_STR, RF(connstring) },
	{ S_READER, "door", K_NAME, RF(door), .empty_ok = true },
	{ S_READER, "direction", K_ENUM, RF(direction),
	    .names = config_direction_names },
	{ S_READER, "enrol", K_BOOL, RF(enrol) },
	{ S_READER, "credential", K_ENUM, RF(credential), .names = credential_names },
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
	{ S_CONTROL, "admin_group", K_NAME, CF(control_admin_group) },

	{ S_WEB, "listen", K_STR, CF(web_listen), .required = true },
	{ S_WEB, "tls_cert", K_STR, CF(web_tls_cert) },
	{ S_WEB, "tls_key", K_STR, CF(web_tls_key) },
	{ S_WEB, "session_timeout", K_DUR, CF(web_session_timeout_ms),
	    .min = MIN, .max = 30 * DAY },
	/* Checked by config_check_web; empty: the defaults seuil-web works out. */
	{ S_WEB, "host_names", K_STR, CF(web_host_names) },

	/* The nightly backup (seuil-backup.timer): empty dir, none. */
	{ S_BACKUP, "dir", K_STR, CF(backup_dir) },
	{ S_BACKUP, "keep", K_INT, CF(backup_keep), .min = 1, .max = 1000 },

	/* Guests a member vouches for (core/guest.c). */
	{ S_GUESTS, "sponsor_groups", K_STR, CF(guest_sponsor_groups) },
	{ S_GUESTS, "max_duration", K_DUR, CF(guest_max_ms), .min = HOUR, .max = 366 * DAY },
	{ S_GUESTS, "per_sponsor_per_day", K_INT, CF(guest_per_day), .min = 1, .max = 100 },
	{ S_GUESTS, "retention", K_DUR, CF(guest_retention_ms), .min = DAY, .max = 3650 * DAY },

	/* The SpaceAPI document (core/spaceapi.c); lat and lon are checked
	 * by config_check_all. */
	{ S_SPACEAPI, "space", K_STR, CF(spaceapi_space) },
	{ S_SPACEAPI, "logo", K_STR, CF(spaceapi_logo) },
	{ S_SPACEAPI, "url", K_STR, CF(spaceapi_url) },
	{ S_SPACEAPI, "contact_email", K_STR, CF(spaceapi_email) },
	{ S_SPACEAPI, "contact_mastodon", K_STR, CF(spaceapi_mastodon) },
	{ S_SPACEAPI, "contact_matrix", K_STR, CF(spaceapi_matrix) },
	{ S_SPACEAPI, "address", K_STR, CF(spaceapi_address) },
	{ S_SPACEAPI, "lat", K_STR, CF(spaceapi_lat) },
	{ S_SPACEAPI, "lon", K_STR, CF(spaceapi_lon) },
	{ S_SPACEAPI, "icon_open", K_STR, CF(spaceapi_icon_open) },
	{ S_SPACEAPI, "icon_closed", K_STR, CF(spaceapi_icon_closed) },
	{ S_SPACEAPI, "people", K_BOOL, CF(spaceapi_people) },
	{ S_SPACEAPI, "open_from", K_ENUM, CF(spaceapi_open_from), .names = open_from_names },
	/* Insight reuses access data for planning: docs/web.md, Insight. */
	{ S_REPORT, "insight", K_BOOL, CF(report_insight) },

	/* What seuild publishes on B/lobby for the lobby screen; checked by
	 * config_check_lobby, the logo read by seuild. */
	{ S_LOBBY, "title", K_STR, CF(lobby_title) },
	{ S_LOBBY, "message", K_STR, CF(lobby_message) },
	{ S_LOBBY, "logo", K_STR, CF(lobby_logo) },
	{ S_LOBBY, "colour_background", K_STR, CF(lobby_colour_background) },
	{ S_LOBBY, "colour_text", K_STR, CF(lobby_colour_text) },
	/* A site's replica (docs/site.md): what it trusts, and how old its
	 * copy of the members may grow. */
	{ S_REPLICA, "site_key_file", K_STR, CF(replica_site_key_file), .required = true },
	{ S_REPLICA, "stale_after", K_DUR, CF(replica_stale_after_ms),
	    .min = SEC, .max = 30 * DAY },
	{ S_REPLICA, "max_age", K_DUR, CF(replica_max_age_ms),
	    .min = SEC, .max = 365 * DAY },
	{ S_REPLICA, "when_expired", K_ENUM, CF(replica_when_expired),
	    .names = expired_names },
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_MAX_KEYS,
    "raise CONFIG_MAX_KEYS");

/* The one place that derives [mqtt] base_topic from site.name and
 * client_id from username or site.name: at defaults, and again after
 * parsing for the keys the file did not set.  A broker that binds client
 * ids to logins (use_username_as_clientid, docs/mqtt.md) gives seuild its
 * login as its id whatever it asks; asking for that id says the same. */
void
config_mqtt_default_names(struct config *conf, bool topic, bool client)
{
	if (topic)
		snprintf(conf->mqtt_base_topic, sizeof(conf->mqtt_base_topic),
		    "seuil/%s", conf->site_name);
	if (client && conf->mqtt_username[0] != '\0')
		snprintf(conf->mqtt_client_id, sizeof(conf->mqtt_client_id), "%s",
		    conf->mqtt_username);
	else if (client && conf->site_node[0] != '\0')	/* one id a node */
		snprintf(conf->mqtt_client_id, sizeof(conf->mqtt_client_id),
		    "seuild-%s-%s", conf->site_name, conf->site_node);
	else if (client)
		snprintf(conf->mqtt_client_id, sizeof(conf->mqtt_client_id),
		    "seuild-%s", conf->site_name);
}

void
config_defaults(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->site_name, sizeof(conf->site_name), "lab");
	snprintf(conf->timezone, sizeof(conf->timezone), "Europe/Paris");
	conf->site_role = SITE_PRIMARY;
	snprintf(conf->site_key_file, sizeof(conf->site_key_file), "/etc/seuil/site.key");
	conf->site_heartbeat_ms = 60 * SEC;

	snprintf(conf->database, sizeof(conf->database),
	    "/var/lib/seuil/seuil.db");
	snprintf(conf->uid_key_file, sizeof(conf->uid_key_file),
	    "/etc/seuil/uid.key");
	conf->event_retention_ms = 90 * DAY;
	conf->visit_retention_ms = 400 * DAY;

	conf->credentials_aid = 0xF5EE11;
	snprintf(conf->credentials_key_file, sizeof(conf->credentials_key_file),
	    "/etc/seuil/credentials.key");

	conf->expire_after_ms = 8 * HOUR;
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
	config_mqtt_default_names(conf, true, true);
	conf->mqtt_keepalive_ms = 30 * SEC;
	conf->mqtt_remote_unlock = false;
	conf->mqtt_homeassistant = true;

	snprintf(conf->control_socket, sizeof(conf->control_socket),
	    "/run/seuil/control.sock");
	snprintf(conf->control_read_group, sizeof(conf->control_read_group), "seuil");
	snprintf(conf->control_operate_group, sizeof(conf->control_operate_group), "seuil");
	snprintf(conf->control_admin_group, sizeof(conf->control_admin_group), "seuil-admin");

	snprintf(conf->web_listen, sizeof(conf->web_listen), "127.0.0.1:8443");
	conf->web_session_timeout_ms = 8 * HOUR;

	conf->backup_keep = 7;

	conf->guest_max_ms = 30 * DAY;
	conf->guest_per_day = 3;
	conf->guest_retention_ms = 30 * DAY;

	conf->spaceapi_people = true;
	conf->spaceapi_open_from = SPACEAPI_OPEN_PRESENCE;
	conf->report_insight = true;
	snprintf(conf->replica_site_key_file, sizeof(conf->replica_site_key_file),
	    "/etc/seuil/site.pub");
	conf->replica_stale_after_ms = 3 * MIN;
	conf->replica_max_age_ms = 7 * DAY;
	conf->replica_when_expired = EXPIRED_OFFLINE_GROUPS;
}

void
config_door_defaults(struct door_conf *d, const char *name)
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
	d->last_out = LAST_OUT_NONE;
}

void
config_reader_defaults(struct reader_conf *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->driver = READER_LIBNFC;
	r->door_index = -1;
	r->direction = DIRECTION_IN;
	r->credential = CREDENTIAL_BOTH;
	r->green_line = r->red_line = r->buzzer_line = -1;
}

const char *
config_direction_name(enum reader_direction d)
{
	if ((unsigned)d < sizeof(config_direction_names) / sizeof(config_direction_names[0])
	    - 1)
		return config_direction_names[d];
	return "?";
}

const char *
config_credential_name(enum reader_credential c)
{
	if ((unsigned)c < sizeof(credential_names) / sizeof(credential_names[0]) - 1)
		return credential_names[c];
	return "?";
}
