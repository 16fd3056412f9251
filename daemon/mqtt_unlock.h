/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The remote unlock command (docs/design.md, MQTT; docs/mqtt.md): is this
 * MQTT message allowed to open a door?  Pure: no I/O, no clock, no broker.
 * The caller gives the message, the wall-clock time and the doors it has;
 * the check gives a verdict and a reason, and remembers accepted ids so
 * that a QoS 1 redelivery or a replay never opens the door twice.
 */
#ifndef SEUIL_MQTT_UNLOCK_H
#define SEUIL_MQTT_UNLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNLOCK_PAYLOAD_MAX	1024	/* bytes */
#define UNLOCK_ID_MAX		64	/* characters of [A-Za-z0-9._:-] */
#define UNLOCK_SEEN_IDS		16	/* accepted ids remembered */
/* A command lives at most this long: only the last UNLOCK_SEEN_IDS ids are
 * remembered, so a long-lived command could be replayed once forgotten. */
#define UNLOCK_EXPIRES_MAX_MS	(5 * 60 * 1000)

enum unlock_verdict {
	UNLOCK_ACCEPTED = 0,
	UNLOCK_RETAINED,	/* retain flag: it would replay on every subscribe */
	UNLOCK_TOO_BIG,		/* payload over UNLOCK_PAYLOAD_MAX */
	UNLOCK_UNKNOWN_DOOR,
	UNLOCK_MALFORMED,	/* not a JSON object */
	UNLOCK_BAD_SECONDS,	/* missing, not an integer, or outside 1..60 */
	UNLOCK_BAD_ID,		/* missing, empty, too long or outside the charset */
	UNLOCK_BAD_EXPIRES,	/* missing, or not a time with Z or an offset */
	UNLOCK_EXPIRED,
	UNLOCK_TOO_FAR,		/* expires more than UNLOCK_EXPIRES_MAX_MS ahead */
	UNLOCK_DUPLICATE_ID,	/* an accepted id comes again */
};

/* The ids accepted lately.  Zero it before first use. */
struct unlock_memory {
	char	ids[UNLOCK_SEEN_IDS][UNLOCK_ID_MAX + 1];
	int	next;
};

struct unlock_command {
	const char		*door;		/* the <door> of B/door/<door>/unlock */
	const void		*payload;
	size_t			len;
	bool			retained;
	int64_t			now_ms;		/* wall clock, UTC */
	const char *const	*doors;		/* the doors seuild has */
	int			ndoors;
};

struct unlock_order {
	int	door_index;
	int	seconds;
	char	id[UNLOCK_ID_MAX + 1];		/* safe to print as is */
};

/*
 * Check cmd.  On UNLOCK_ACCEPTED, *out says what to open and the id is
 * added to mem; on a refusal mem and *out are left alone.  Borrows
 * everything; keeps nothing but the id copied into mem.
 */
enum unlock_verdict mqtt_unlock_check(struct unlock_memory *mem,
    const struct unlock_command *cmd, struct unlock_order *out);

/*
 * Remember id as accepted without a command: an id read back from the event
 * log, so that a restart (even after kill -9) or a reload does not forget
 * the commands it accepted while they can still be unexpired.  An invalid
 * id is ignored.
 */
void mqtt_unlock_remember(struct unlock_memory *mem, const char *id);

/*
 * The command id in the detail of an `unlock_remote` event that an MQTT
 * command made ("mqtt id ID, N s", written by daemon_mqtt_unlock), copied
 * to id.  0, or -1 when detail is not of that form (a `seuilctl door
 * unlock`, or a detail cut short).
 */
int mqtt_unlock_detail_id(const char *detail, char id[UNLOCK_ID_MAX + 1]);

/* Why, for the log: "retained", "payload over 1 KiB", … (static). */
const char *mqtt_unlock_reason(enum unlock_verdict v);

/* 1 if s is a valid command id: 1..UNLOCK_ID_MAX of [A-Za-z0-9._:-]. */
int mqtt_unlock_id_valid(const char *s);

/* Copy at most len bytes of s to buf (size n > 0) for a log line: bytes
 * outside printable ASCII become '?', and a long text is cut. */
void mqtt_unlock_printable(const char *s, size_t len, char *buf, size_t n);

#endif
