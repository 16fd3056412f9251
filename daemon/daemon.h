/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild's private header: the daemon's state, shared by the files of
 * seuild alone (seuild.c: start, loop, reload, housekeeping and the event
 * path; badge_path.c: taps at the doors; enrol.c: the desk's enrolment and
 * wipe; exchange.c: card exchanges on their threads; control_requests.c: the control
 * socket's table of requests, the live ones and MQTT's remote unlock;
 * control_admin.c: the requests that change the store, run on the writer;
 * snapshot.c: backups taken on a thread of their own; reader_feedback.c:
 * light and sound at the readers; site.c and site_worker.c: a node of a
 * site of several Pis).  One struct, one owner: the main loop's thread.
 */
#ifndef SEUIL_DAEMON_H
#define SEUIL_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "access.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "control_server.h"
#include "decision.h"
#include "desfire.h"
#include "door.h"
#include "exchange.h"
#include "feedback.h"
#include "feedbackio.h"
#include "log.h"
#include "mqtt.h"
#include "presence.h"
#include "readers.h"
#include "site_acl.h"
#include "site_sig.h"
#include "store.h"
#include "tz.h"
#include "uid.h"
#include "writer.h"

#define HOUSEKEEPING_MS	1000	/* the loop wakes at least this often */
#define PURGE_EVERY_MS	(24 * 3600 * 1000LL)
#define TAP_BOUND_MS	500	/* a tap that cannot have the store by then is denied */
#define READ_BUSY_MS	100	/* the loop's reads wait at most this for a lock */
#define MAX_POLLFDS	(1 + 1 + 1 + CONTROL_MAX_CLIENTS + CONFIG_MAX_READERS + \
			 CONFIG_MAX_DOORS * DOORIO_MAX_FDS + 1 + 1 + 1)

struct snapshot;
struct site;

/* A door's office hours (office.c). */
struct office {
	bool	held;		/* held released now */
	bool	opening;	/* schedule_unlock on its way to the writer */
	int64_t	since_ms;	/* wall, when the hold began */
};
/* Why office hours ended: the reason of a schedule_relock event. */
enum office_reason {
	OFFICE_WINDOW_END,
	OFFICE_LAST_OUT,
	OFFICE_MANUAL,
	OFFICE_CLOCK_UNSYNCED,
	OFFICE_WATCHDOG,
	OFFICE_RELOAD,
	OFFICE_STOP,
};

/* What a peer may do (docs/security.md); each command needs one role. */
enum control_role { ROLE_NONE, ROLE_READ, ROLE_OPERATE, ROLE_ADMIN };

/* What a tap at the desk is waited for. */
enum enrol_op {
	ENROL_UID,	/* link the badge's UID (`badge enrol`) */
	ENROL_SECURE,	/* make the card a DESFire badge (`badge enrol --secure`) */
	ENROL_WIPE,	/* remove our application (`badge wipe`) */
	ENROL_LOANER,	/* a loaner badge into the pool (`guest pool add`) */
	ENROL_INVITE,	/* an invite code for the member whose badge it is */
};

struct enrolment {
	bool	active;
	enum enrol_op op;
	enum control_role role;	/* the asker's, as the operate role's limits see it */
	char	label[64];	/* the loaner's (ENROL_LOANER) */
	int	client;
	char	actor[160];	/* who asked, for the badge_enrolled event */
	int64_t	member_id;	/* 0 for a wipe */
	char	member_ref[136];	/* on a replica: the member as asked (the primary finds it) */
	int	reader_index;	/* -1: any reader with enrol = true */
	int64_t	deadline;	/* mono ms */
};

/* Whose a card exchange is: the first member of the caller's part of a
 * job (exchange_ctx). */
enum exchange_for { FOR_DOOR = 1, FOR_DESK };

struct daemon {
	struct config	*conf;
	/* The loop's own connection: reads only (MQTT's events, members'
	 * names, status).  WAL readers never wait for the writer. */
	struct store	*st;
	/* Every write, on its own thread and connection. */
	struct writer	*writer;
	/* The writer's copy of the configuration (decision_input reads it),
	 * changed only under writer_lock. */
	struct config	*wconf;
	uint8_t		key[UID_KEY_LEN];
	/* [credentials]: the site's DESFire keys, read once at start (absent:
	 * cards with our application are probed and denied). */
	struct desfire_keys dkeys;
	bool		have_dkeys;
	struct exchanges *exchanges;
	struct door	*doors[CONFIG_MAX_DOORS];
	/* Light and sound at each reader: the pattern, its lines (NULL: the
	 * reader has none) and what was last written to them.  The lines are
	 * the main process's, never a reader child's. */
	struct feedback	feedback[CONFIG_MAX_READERS];
	struct feedbackio *fbio[CONFIG_MAX_READERS];
	bool		fb_out[CONFIG_MAX_READERS][FEEDBACK_NOUTPUTS];
	struct readers	*readers;
	struct lockout	lockouts[CONFIG_MAX_READERS];
	struct presence	*presence;
	struct control	*control;
	struct mqtt	*mqtt;
	struct enrolment enrol;
	int		sigfd;
	bool		stop;
	int64_t		started_mono;
	uint64_t	watchdog_usec;
	int64_t		last_watchdog;
	int64_t		next_purge;	/* mono ms */
	bool		events_pending;	/* rows for MQTT, told at the next flush */
	struct snapshot	*snapshot;	/* a backup under way, or NULL */
	int64_t		console_events_minute;	/* mono ms the current minute began */
	int		console_events;		/* console_event requests in it */
	bool		presence_pending; /* presence changed: published once a turn */
	struct office	office[CONFIG_MAX_DOORS];
	int64_t		guests_due;	/* wall ms: the next pass ends; INT64_MAX none */
	bool		guests_refresh;	/* read guests_due again */
	bool		guests_ending;	/* passes being ended on the writer */
	bool		guests_recheck;	/* a replica's copy changed: passes may be over */
	int		lobby_clock;	/* clock_synced() as B/lobby has it; -1: not sent */
	struct site	*site;		/* a node of a site of several Pis, or NULL */
	/* A replica's copy is older than max_age (site.c): decisions follow
	 * when_expired.  Changed only under writer_lock, like wconf. */
	bool		copy_expired;
};

/* seuild.c */
/* Stamp ev now and queue it for the writer (the one path of every event).
 * 0, or -1 when it could not be queued (logged). */
int daemon_event(struct daemon *d, struct event *ev);
void daemon_simple_event(struct daemon *d, const char *type, const char *door,
    const char *reader, const char *reason, const char *detail);
void daemon_staff_event(struct daemon *d, const char *type, const char *actor,
    const char *detail);
void daemon_checked_out(void *arg, int client, bool ok);
void daemon_check_backup_dir(const struct config *conf, const char *path);
/* The hooks the doors and readers are made with, and B/presence. */
void daemon_forget_secrets(void *arg);
void daemon_reader_status(void *arg, int ri, bool online, const char *detail);
void daemon_door_event(void *arg, int di, const char *type, const char *detail);
void daemon_door_state(void *arg, int di, enum door_state state);
void daemon_presence_publish(struct daemon *d);

/* hardware.c */
/* Every door, its strike driven locked; then readers and MQTT.  0, or -1
 * with err filled. */
int daemon_doors_up(struct daemon *d, char *err, size_t errlen);
int daemon_io_up(struct daemon *d, char *err, size_t errlen);
void daemon_hw_down(struct daemon *d);
int daemon_reload(struct daemon *d, char *err, size_t errlen);

/* badge_path.c */
void daemon_tap(void *arg, int ri, const struct reader_tap *t);
/* exchange.h's done callback, for the door's jobs and the desk's. */
void daemon_exchange_done(void *arg, struct exchange_job *j);

/* enrol.c */
void daemon_desk_tap(struct daemon *d, int ri, const struct reader_tap *t);
void daemon_desk_exchange_done(struct daemon *d, struct exchange_job *j);
/* An unknown badge's UID, denied at a door or tapped at the desk: linked if
 * a UID enrolment waits at this reader. */
void daemon_enrol_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint);
void daemon_enrol_tick(struct daemon *d, int64_t now);
/* The desk reader a secure enrolment or a wipe may use (reader: a name,
 * or NULL for the first that fits): its index, or -1 with the refusal in
 * *reply. */
int daemon_desk_reader(struct daemon *d, const char *reader, cJSON **reply);

/* control_requests.c */
/* A request being answered: who asked and what. */
struct call {
	struct daemon		*d;
	int			 client;
	struct control_req	*req;
	const struct control_peer *peer;
	enum control_role	 role;
	char			 actor[160];	/* "uid:1000(alice)", "web:bob via uid:…" */
	char			 member[136];	/* the member asked for: id or name, as text */
};
/* The member c names, read on the loop's connection: 0, or -1 with the
 * refusal in *reply. */
int daemon_call_member(struct call *c, struct member_row *m, cJSON **reply);
gid_t daemon_group_gid(const char *name);
void daemon_check_groups(const struct config *conf, const char *path);
cJSON *daemon_control_refuse(void *arg, enum control_cmd cmd,
    const struct control_peer *peer);
cJSON *daemon_control(void *arg, int client, struct control_req *req,
    const struct control_peer *peer);
bool daemon_control_privileged(void *arg, const struct control_peer *peer);
/* The table holds every command of the protocol, in order: 0, or -1. */
int daemon_control_check(char *err, size_t errlen);
void daemon_mqtt_unlock(void *arg, int door_index, int seconds,
    const char *command_id);

/* control_admin.c: handlers of the table */
cJSON *daemon_cmd_admin(struct call *c);
cJSON *daemon_cmd_badge_add(struct call *c);
cJSON *daemon_cmd_member_erase(struct call *c);
cJSON *daemon_cmd_import(struct call *c);
cJSON *daemon_cmd_console_event(struct call *c);
cJSON *daemon_cmd_backup(struct call *c);
cJSON *daemon_cmd_guest(struct call *c);
cJSON *daemon_cmd_member_invite(struct call *c);
/* badge_path.c: an invite code from a tap of the member's own badge */
cJSON *daemon_invite_enrol(struct call *c);

/* badge_path.c: a loaner for the pool, by a tap at an enrolment reader */
cJSON *daemon_loaner_enrol(struct call *c);
/* Passes whose end has come: ended on the writer, their guests' visits
 * with them (pass_end). */
void daemon_guests_tick(struct daemon *d, int64_t now_ms);

/* office.c: office hours (unlock_schedule, first_in, last_out) */
const char *office_reason_name(enum office_reason r);
void daemon_office_grant(struct daemon *d, int di, int ri, int64_t member_id,
    int64_t now_ms);
void daemon_office_tick(struct daemon *d, int64_t now_mono_ms);
/* End door di's office hours (locked now, schedule_relock by actor, which
 * may be NULL): 1, or 0 if they were not on. */
int daemon_office_end(struct daemon *d, int di, enum office_reason why, const char *actor);
void daemon_office_end_all(struct daemon *d, enum office_reason why);
bool daemon_office_held(const struct daemon *d, int di);
bool daemon_office_any(const struct daemon *d);

/* snapshot.c */
/* Take a snapshot of the store into [backup] dir on a thread of its own;
 * client (or -1) gets the reply when it is done.  0, or -1 (one is under
 * way, or no thread). */
int snapshot_start(struct daemon *d, int client, const char *actor);
/* From the loop: a snapshot that finished is recorded and answered. */
void snapshot_poll(struct daemon *d);
/* At exit: wait for a snapshot under way. */
void snapshot_stop(struct daemon *d);

/* site.c: a node of a site of several Pis (docs/site.md) */
/* The store's role must be the configuration's: a replica's store under a
 * primary's configuration, or the reverse, is refused at start.  0, or -1
 * with err. */
int daemon_site_check(struct daemon *d, char *err, size_t errlen);
/* A replica's answer to a change of the member data: where to make it. */
cJSON *daemon_site_refusal(struct daemon *d);
/* With [site] node set: the primary's key and builder, or the replica's
 * trusted key and copy.  0, or -1 with err.  site_stop accepts none. */
int site_start(struct daemon *d, char *err, size_t errlen);
void site_stop(struct daemon *d);
/* d->mqtt was (re)made: hook the site's topics onto it. */
void site_attach(struct daemon *d);
/* The loop's share: the builder's fd, the work of this turn (heads,
 * staleness, what the builder made), the next deadline. */
void site_pollfd(struct daemon *d, struct pollfd *pfd);
void site_service(struct daemon *d, const struct pollfd *pfd, int64_t now);
int64_t site_deadline(const struct daemon *d);
/* The "site" object of status. */
void site_status(struct daemon *d, cJSON *r);

/* Whether d is a site's primary (its events and presence are the site's). */
bool site_primary(const struct daemon *d);
/* A site's primary publishes who is on site rather than at its own doors. */
void site_presence_publish(struct daemon *d);
/* A checkout on a site's primary: end the member's visits at every node
 * (site_visits, reason manual) and answer client, unless -1 (was_present:
 * whether one was open).  0, or -1 if it cannot be submitted (the caller
 * answers). */
int site_checkout(struct daemon *d, int64_t member_id, int client);

/* site_journal.c: every node's events, once, in the primary's store */
struct site_journal;
struct site_journal *site_journal_new(struct daemon *d, bool primary, const uint8_t *seed,
    const struct site_pub *trusted, char *err, size_t errlen);
void site_journal_free(struct site_journal *j);
void site_journal_connected(struct site_journal *j);
bool site_journal_message(struct site_journal *j, const char *topic, const void *payload,
    size_t len);
void site_journal_service(struct site_journal *j, int64_t now, bool new_events);
int64_t site_journal_deadline(const struct site_journal *j);
int64_t site_journal_last_acked(const struct site_journal *j);
void site_journal_status(struct site_journal *j, cJSON *site);
void site_journal_presence(struct site_journal *j);

/* site_enrol.c: a replica's desk enrols through the primary
 * (core/site_enrol.h) */
struct site_enrol;
struct site_enrol *site_enrol_new(struct daemon *d, bool primary, const uint8_t *seed,
    const struct site_pub *trusted, const char *primary_name);
void site_enrol_free(struct site_enrol *e);
void site_enrol_connected(struct site_enrol *e);
bool site_enrol_message(struct site_enrol *e, const char *topic, const void *payload,
    size_t len);
void site_enrol_service(struct site_enrol *e, int64_t now);
int64_t site_enrol_deadline(const struct site_enrol *e);
/* A replica: the tap at ri that d->enrol waited for, sent to the primary;
 * the waiting client gets the primary's answer, or a timeout.  0, or -1
 * with err (nothing sent). */
int site_enrol_tap(struct site_enrol *e, int ri, const uint8_t mac[UID_MAC_LEN],
    const char *hint, char *err, size_t errlen);
/* A replica: a secure enrolment's card, for member (as asked) on behalf
 * of actor (admin: the admin role's rules), sent to the primary with the
 * MACs of its UID and of the credential it holds; written: this desk has
 * just written that credential (false: the card already held it, a badge
 * of the replica's copy).  client gets the answer.  0, or -1 with err. */
int site_enrol_card(struct site_enrol *e, int ri, int client, const char *member,
    const char *actor, bool admin, const uint8_t uid_mac[UID_MAC_LEN],
    const uint8_t cred_mac[UID_MAC_LEN], const char *hint, bool written, char *err,
    size_t errlen);
/* Whether a request waits for the primary's answer (its client alive). */
bool site_enrol_busy(const struct site_enrol *e);
/* site.c: d's, or NULL when it is no node of a site. */
struct site_enrol *site_enrolment(struct daemon *d);

/* site_worker.c: the primary's builder, on a thread of its own */
struct site_build {
	struct site_head	head;		/* site, node, epoch, issued_ms */
	bool			delta;		/* from base to now */
	int64_t			base;
	bool			snapshot;
};
struct site_built {
	char		*delta, *snapshot;	/* signed, or NULL */
	size_t		 delta_len, snapshot_len;
	char		*body;			/* the snapshot's body, unsigned */
	size_t		 body_len;
	int64_t		 rev;			/* what they hold; -1 on error */
	int64_t		 delta_base, snapshot_rev;
	char		 err[256];
};
struct site_worker;
struct site_worker *site_worker_new(const struct config *conf,
    const uint8_t seed[SITE_KEY_LEN], char *err, size_t errlen);
void site_worker_free(struct site_worker *w);
int site_worker_fd(const struct site_worker *w);
/* 0, or -1 while a build is under way. */
int site_worker_build(struct site_worker *w, const struct site_build *in);
/* The finished build into *out (the caller frees it with
 * site_built_free): true, or false when none is ready. */
bool site_worker_take(struct site_worker *w, struct site_built *out);
bool site_worker_busy(struct site_worker *w);
void site_built_free(struct site_built *b);

/* reader_feedback.c */
void daemon_feedback_drive(struct daemon *d, int64_t now);
int64_t daemon_feedback_deadline(struct daemon *d, int64_t now);
void daemon_feedback_tap(struct daemon *d, int ri, bool granted, int64_t unlock_ms);
void daemon_feedback_enrol_wait(struct daemon *d, int64_t now);
void daemon_feedback_enrol_end(struct daemon *d);
int daemon_feedback_up(struct daemon *d, char *err, size_t errlen);
void daemon_feedback_down(struct daemon *d);

#endif
