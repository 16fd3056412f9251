/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild.conf: the INI file of docs/design.md, Configuration, parsed with
 * inih.
 *
 * The parsed configuration is plain data with fixed-size fields, so a
 * struct config can be copied, compared and freed without ownership rules:
 * SIGHUP parses a new one beside the old and swaps only if it is valid.
 */
#ifndef SEUIL_CONFIG_H
#define SEUIL_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH	"/etc/seuil/seuild.conf"
#define CONFIG_MAX_DOORS	8
#define CONFIG_MAX_READERS	16
#define CONFIG_NAME_MAX		32	/* site, door and reader names: [a-z0-9_-]+ */
#define CONFIG_UNLOCK_CAP_MS	60000	/* hard cap on any unlock, whatever asked */
#define CONFIG_LOBBY_TITLE_MAX	64	/* bytes of [lobby] title */
#define CONFIG_LOBBY_MESSAGE_MAX 280	/* bytes of [lobby] message */
#define CONFIG_LOBBY_LOGO_MAX	(64 * 1024)	/* bytes of the [lobby] logo file */

enum gpio_backend { GPIO_GPIOD, GPIO_SIM };
enum reader_driver { READER_LIBNFC, READER_SIM };
enum reader_direction { DIRECTION_IN, DIRECTION_OUT, DIRECTION_TOGGLE };
enum unsynced_policy { UNSYNCED_MEMBERS_ONLY, UNSYNCED_DENY, UNSYNCED_IGNORE };
/* Office hours end when the last person has gone (presence), or only
 * with their window. */
enum last_out { LAST_OUT_NONE, LAST_OUT_PRESENCE };
/* What SpaceAPI's state.open follows. */
enum spaceapi_open { SPACEAPI_OPEN_PRESENCE, SPACEAPI_OPEN_OFFICE_HOURS };
/* A reader child that cannot be contained: refused, or run with a warning. */
enum reader_sandbox { READER_SANDBOX_REQUIRED, READER_SANDBOX_BEST_EFFORT };
/* What a reader takes as a badge: the card's UID, a DESFire credential
 * (firmware-glue/desfire.h), or a credential when the card carries our
 * application and the UID otherwise. */
enum reader_credential { CREDENTIAL_UID, CREDENTIAL_DESFIRE, CREDENTIAL_BOTH };
/* A node's part in a site of several Pis (docs/site.md). */
enum site_role { SITE_PRIMARY, SITE_REPLICA };
/* What a replica whose copy is older than max_age lets in. */
enum when_expired { EXPIRED_OFFLINE_GROUPS, EXPIRED_KEEP, EXPIRED_DENY };

struct door_conf {
	char		name[CONFIG_NAME_MAX + 1];
	enum gpio_backend gpio;
	char		chip[64];
	int		relay_line;
	bool		relay_active_low;
	int64_t		unlock_ms;		/* 1000..60000 */
	int		contact_line;		/* -1: no contact */
	bool		contact_open_high;
	int64_t		held_open_ms;
	int		exit_line;		/* -1: no exit button */
	char		sim_dir[PATH_MAX];	/* gpio = sim only */
	/* Office hours: the strike held released inside unlock_schedule
	 * once a member of first_in is in (daemon/office.c). */
	char		unlock_schedule[256];	/* "" = none; access_schedule_parse's text */
	char		first_in[64];		/* a group name; "" = none */
	enum last_out	last_out;
	bool		continuous_duty;	/* the strike may be held released */
};

struct reader_conf {
	char		name[CONFIG_NAME_MAX + 1];
	enum reader_driver driver;
	char		connstring[256];
	char		door[CONFIG_NAME_MAX + 1];
	int		door_index;		/* index in config.doors; -1: a desk reader */
	enum reader_direction direction;
	bool		enrol;			/* `badge enroll` may take taps here */
	enum reader_credential credential;
	/* Feedback at the reader: LEDs and buzzer on GPIO lines (-1: none). */
	char		feedback_chip[64];	/* "" = the door's chip; "sim" */
	int		green_line;
	int		red_line;
	int		buzzer_line;
	bool		feedback_active_low;
	/* Derived by config_load: where the feedback goes. */
	bool		feedback_sim;		/* to <sim_fifo>.feedback, all outputs */
	char		feedback_gpio_chip[64];	/* the chip of the lines, or "" */
	char		sim_fifo[PATH_MAX];	/* driver = sim only */
};

struct config {
	char		path[PATH_MAX];		/* the file it came from */

	/* [site] */
	char		site_name[CONFIG_NAME_MAX + 1];
	char		timezone[64];
	char		site_node[CONFIG_NAME_MAX + 1];	/* "": a single Pi, no site */
	enum site_role	site_role;
	char		site_key_file[PATH_MAX];	/* the primary's signing key */
	int64_t		site_heartbeat_ms;		/* the primary's signed head */

	/* [store] */
	char		database[PATH_MAX];
	char		uid_key_file[PATH_MAX];
	int64_t		event_retention_ms;
	int64_t		visit_retention_ms;

	/* [credentials]: DESFire credentials (core/credkey.h) */
	uint32_t	credentials_aid;	/* 24 bits, not 0 */
	char		credentials_key_file[PATH_MAX];
	char		credentials_picc_key_file[PATH_MAX];	/* "" = factory DES key */

	struct door_conf doors[CONFIG_MAX_DOORS];
	int		ndoors;
	struct reader_conf readers[CONFIG_MAX_READERS];
	int		nreaders;

	/* [presence] */
	int64_t		expire_after_ms;
	int		day_ends_at_min;	/* minutes after local midnight */
	int64_t		toggle_guard_ms;

	/* [security] */
	int		lockout_failures;
	int64_t		lockout_window_ms;
	int64_t		lockout_time_ms;
	enum unsynced_policy unsynced_clock;
	enum reader_sandbox reader_sandbox;

	/* [mqtt] */
	bool		mqtt_enabled;
	char		mqtt_host[256];
	int		mqtt_port;
	char		mqtt_base_topic[256];	/* default seuil/<site.name> */
	char		mqtt_client_id[128];	/* default: username, else seuild-<site.name> */
	char		mqtt_username[128];
	char		mqtt_password_file[PATH_MAX];
	char		mqtt_ca_file[PATH_MAX];
	char		mqtt_cert_file[PATH_MAX];
	char		mqtt_key_file[PATH_MAX];
	int64_t		mqtt_keepalive_ms;
	bool		mqtt_remote_unlock;
	bool		mqtt_homeassistant;
	char		mqtt_spaceapi_file[PATH_MAX];

	/* [control] */
	char		control_socket[PATH_MAX];
	char		control_read_group[CONFIG_NAME_MAX + 1];	/* may ask status */
	char		control_operate_group[CONFIG_NAME_MAX + 1];	/* may also act */
	char		control_admin_group[CONFIG_NAME_MAX + 1];	/* may also change the store */

	/* [web] (seuil-web) */
	char		web_listen[128];	/* HOST:PORT, numeric; [::1]:PORT */
	char		web_tls_cert[PATH_MAX];	/* both or neither */
	char		web_tls_key[PATH_MAX];
	int64_t		web_session_timeout_ms;
	char		web_host_names[512];	/* "" = the defaults (seuil-web(8)) */

	/* [guests] */
	char		guest_sponsor_groups[256];	/* group names; "" = nobody sponsors */
	int64_t		guest_max_ms;			/* the longest pass */
	int		guest_per_day;			/* passes a sponsor makes a day */
	int64_t		guest_retention_ms;		/* a guest's data, after the pass */

	/* [spaceapi] */
	char		spaceapi_space[128];	/* "" = site.name */
	char		spaceapi_logo[256];
	char		spaceapi_url[256];
	char		spaceapi_email[128];
	char		spaceapi_mastodon[128];
	char		spaceapi_matrix[128];
	char		spaceapi_address[256];
	char		spaceapi_lat[32];	/* decimal degrees; "" = none */
	char		spaceapi_lon[32];
	char		spaceapi_icon_open[256];
	char		spaceapi_icon_closed[256];
	bool		spaceapi_people;	/* people_now_present, a count */
	enum spaceapi_open spaceapi_open_from;

	/* [backup] */
	char		backup_dir[PATH_MAX];	/* nightly snapshots; "" = none */
	int		backup_keep;		/* snapshots kept in backup_dir */

	/* [report] */
	bool		report_insight;		/* the planning figures (insight.h) */

	/* [lobby]: published on B/lobby ("" = none) */
	char		lobby_title[CONFIG_LOBBY_TITLE_MAX + 1];
	char		lobby_message[CONFIG_LOBBY_MESSAGE_MAX + 1];
	char		lobby_logo[PATH_MAX];	/* a PNG, JPEG, GIF, WebP or SVG file */
	char		lobby_colour_background[8];	/* "#rgb" or "#rrggbb" */
	char		lobby_colour_text[8];
	/* [replica] */
	char		replica_site_key_file[PATH_MAX];	/* the site's public key */
	int64_t		replica_stale_after_ms;
	int64_t		replica_max_age_ms;
	enum when_expired replica_when_expired;
};

/* Whether conf makes this Pi a node of a site of several ([site] node
 * set); a single Pi behaves as if there were no site at all. */
static inline bool
config_site(const struct config *conf)
{
	return conf->site_node[0] != '\0';
}

static inline bool
config_replica(const struct config *conf)
{
	return config_site(conf) && conf->site_role == SITE_REPLICA;
}

/* Fill *conf with every default (docs/design.md, Configuration). */
void config_defaults(struct config *conf);

/*
 * Parse path into *conf (defaults first, then the file).  Every error is
 * written to errs as "FILE:LINE: message" (LINE 0 for errors about the
 * file as a whole), and parsing goes on so that all errors are reported.
 * Returns the number of errors, or -1 if the file could not be read
 * (also reported on errs).  *conf is only meaningful when 0 is returned.
 */
int config_load(const char *path, struct config *conf, FILE *errs);

/* Write conf in canonical form: every section and key, defaults included,
 * durations in the largest exact unit.  `seuild -nv` prints this. */
void config_print(const struct config *conf, FILE *out);

/* Index of the door or reader called name, or -1. */
int config_door_index(const struct config *conf, const char *name);
/* A reader's door name, or NULL for a desk reader (enrolment only). */
const char *config_reader_door(const struct reader_conf *r);
int config_reader_index(const struct config *conf, const char *name);

/* Parse "500ms", "5s", "10m", "12h", "30d" into milliseconds; -1 if bad. */
int64_t config_parse_duration(const char *s);
/* Format milliseconds back in the largest exact unit (buf >= 32 bytes). */
void config_format_duration(int64_t ms, char *buf, size_t len);

const char *config_direction_name(enum reader_direction d);
const char *config_credential_name(enum reader_credential c);

struct sockaddr_storage;
/* Parse [web] listen ("127.0.0.1:8443", "[::1]:8443"; numeric addresses
 * only, so the check below cannot be fooled by a name).  0 or -1. */
int config_web_addr(const char *listen, struct sockaddr_storage *ss);
/* 127.0.0.0/8 or ::1: the only addresses served without TLS. */
bool config_addr_loopback(const struct sockaddr_storage *ss);

#define CONFIG_HOST_NAMES_MAX	16
#define CONFIG_HOST_NAME_MAX	253
/*
 * Split [web] host_names ("door.lab.example, 192.0.2.7 [::1]": host names
 * or numeric addresses, separated by commas or blanks) into names, in
 * lower case, an address in its canonical form without brackets.  The
 * count, or -1 with the first bad one (or what is wrong) in bad.
 */
int config_host_names(const char *list, char names[][CONFIG_HOST_NAME_MAX + 1], int max,
    char *bad, size_t badlen);
/* One host name or numeric address as config_host_names takes it, into
 * out (lower case, canonical): 0, or -1 if it is neither. */
int config_host_name(const char *s, size_t n, char out[CONFIG_HOST_NAME_MAX + 1]);

#endif
