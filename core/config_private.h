/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private to the configuration files (config.c parses, config_keys.c holds
 * the key table and the defaults, config_check.c the checks across keys,
 * config_print.c the canonical form).
 */
#ifndef SEUIL_CONFIG_PRIVATE_H
#define SEUIL_CONFIG_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ini.h>

#include "config.h"

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
	S_CREDENTIALS,
	S_DOOR,
	S_READER,
	S_PRESENCE,
	S_SECURITY,
	S_MQTT,
	S_CONTROL,
	S_WEB,
	S_BACKUP,
	S_GUESTS,
	S_SPACEAPI,
	S_REPORT,
	S_LOBBY,
	S_REPLICA,
	S_COUNT
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
	K_AID,		/* a DESFire application: 6 hex digits, not 000000 */
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

extern const char *const config_sect_names[S_COUNT];
extern const char *const config_direction_names[];
extern const struct key config_keys[];
extern const size_t config_nkeys;
#define CONFIG_MAX_KEYS	128

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
	int		 seen[NINST][CONFIG_MAX_KEYS];		/* line of each key */
	bool		 bad[NINST][CONFIG_MAX_KEYS];		/* its value was refused */

	struct cerr	*errs;
	int		 nerrs;
	int		 errcap;
	int		 lost;		/* errors we had no memory to keep */
};

/* config.c: errors and where keys were seen */
void config_perr(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int config_key_find(enum sect s, const char *name);
int config_key_line(const struct parse *p, enum sect s, int idx, const char *name);
bool config_key_bad(const struct parse *p, enum sect s, int idx, const char *name);
const char *config_ckey_base(const struct config *conf, enum sect s, int idx);

/* config_keys.c: defaults */
void config_mqtt_default_names(struct config *conf, bool topic, bool client);
void config_door_defaults(struct door_conf *d, const char *name);
void config_reader_defaults(struct reader_conf *r, const char *name);

/* config_check.c: checks that involve more than one key, once the whole
 * file is read */
void config_check_all(struct parse *p);
void config_check_web(struct parse *p);
void config_check_lobby(struct parse *p);

#endif
