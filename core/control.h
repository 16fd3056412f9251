/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control protocol: how seuilctl and seuil-web ask seuild for what only
 * it may do (drive doors, change the store while it runs, read its live
 * state).  This header is the whole contract, and docs/design.md
 * ("Control protocol") says it in prose; the programs never write or read
 * the messages themselves, they fill a struct control_req and read a struct
 * control_reply.
 *
 * Transport: a UNIX SOCK_SEQPACKET socket, one JSON object per message, at
 * most CONTROL_MSG_MAX bytes each way.  A request is {"cmd":NAME, fields};
 * a reply is {"ok":true, fields} or {"ok":false,"code":CODE,"error":TEXT}.
 * A payload larger than a message (an import's CSV, up to
 * CONTROL_PAYLOAD_MAX) travels as a sealed memfd passed with SCM_RIGHTS
 * beside the request; only `import` takes one.
 *
 * The commands, their fields (every one but "cmd" optional unless marked
 * *required) and what the reply adds to "ok".  "member" is an id (a
 * number) or a name or id as text, as the manager typed it:
 *   status                                     -> the daemon's live state
 *   checkout      member*                      -> was_present
 *   door_unlock   door, seconds                -> door, seconds
 *   enrol         member*, reader, timeout, secure, desk
 *                                              -> badge_id, hint, reader
 *                 (the reply comes with the tap, or code timeout;
 *                 "enroll" is accepted as the same command; secure: the
 *                 card is made a DESFire badge, at a desk reader, and the
 *                 reply adds kind and revoked; desk: the request is made
 *                 for a console desk account, so the operate role's limits
 *                 apply whatever the sender's role)
 *   badge_wipe    reader, timeout              -> reader, hint, badge_id,
 *                                                 member (the revoked one)
 *   badge_add     member*, uid*, label         -> badge_id, hint
 *   reload                                     -> (nothing)
 *   member_add    name*, display_name, email, valid_from, valid_until,
 *                 groups, public               -> id
 *   member_edit   member*, name, display_name, email, valid_from,
 *                 valid_until, groups, public  -> id
 *   member_disable, member_enable, member_erase   member*   -> id
 *   badge_revoke  badge*                       -> id, member
 *   group_add     group*                       -> id
 *   schedule_set  group*, schedule*            -> id
 *   import        prune, reenable, create_groups, + the CSV as a
 *                 descriptor                   -> added, changed, disabled,
 *                                                 enabled, unchanged,
 *                                                 groups_added
 *   purge                                      -> events, visits
 *   backup                                     -> file
 *   web_user_add  user*, role*, hash*          -> (nothing)
 *   web_user_passwd user*, hash*               -> (nothing)
 *   web_user_role user*, role*                 -> (nothing)
 *   web_user_del  user*                        -> (nothing)
 *   console_event type*, detail, member        -> (nothing)
 *   door_lock     door                         -> door, was_held
 *   guest_add     name*, member* (the sponsor), until, label -> id, ends
 *   guest_lend    guest*, label*               -> id
 *   guest_end     guest*                       -> id, was_open
 *   guest_erase   guest*                       -> id
 *   loaner_add    label*, uid, reader, timeout -> id, hint (without uid: the
 *                 next unknown badge tapped at an enrolment reader)
 *   loaner_remove label*                       -> (nothing)
 *   member_invite member, reader, timeout      -> code, member, expires (without
 *                 member: the next member's badge tapped at a desk reader;
 *                 with one, admin_group only)
 *   member_code   member*, code*               -> id (the code spent: the
 *                 member's account is open, its password not yet set)
 *   member_password member*, hash*             -> id
 *   member_lobby  member*, public*, display_name -> id
 *   group_edit    group*, offline_ok           -> id
 * Every command also takes "actor": the console user on whose behalf a
 * program asks ("web:bob"); seuild records it beside the peer's own
 * identity, which the kernel gives (SO_PEERCRED), never instead of it.
 *
 * Roles (seuild's table, docs/security.md): status needs read_group;
 * checkout, door_unlock, door_lock, enrol, badge_wipe and reload need operate_group; everything
 * that changes members, badges, groups, schedules, console accounts,
 * imports, erasure, purge and backups needs admin_group.  Root may do all.
 */
#ifndef SEUIL_CONTROL_H
#define SEUIL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "manage.h"

#define CONTROL_MSG_MAX		4096
#define CONTROL_PAYLOAD_MAX	(5 * 1024 * 1024)	/* an import's CSV */
#define CONTROL_TIMEOUT_MS	10000	/* a request's default wait */

enum control_cmd {
	CONTROL_STATUS,
	CONTROL_CHECKOUT,
	CONTROL_DOOR_UNLOCK,
	CONTROL_ENROL,
	CONTROL_BADGE_ADD,
	CONTROL_RELOAD,
	CONTROL_MEMBER_ADD,
	CONTROL_MEMBER_EDIT,
	CONTROL_MEMBER_DISABLE,
	CONTROL_MEMBER_ENABLE,
	CONTROL_MEMBER_ERASE,
	CONTROL_BADGE_REVOKE,
	CONTROL_GROUP_ADD,
	CONTROL_SCHEDULE_SET,
	CONTROL_IMPORT,
	CONTROL_PURGE,
	CONTROL_BACKUP,
	CONTROL_WEB_USER_ADD,
	CONTROL_WEB_USER_PASSWD,
	CONTROL_WEB_USER_ROLE,
	CONTROL_WEB_USER_DEL,
	CONTROL_CONSOLE_EVENT,
	CONTROL_BADGE_WIPE,
	/* The community's commands (office hours, guests, members' own
	 * changes): kept together. */
	CONTROL_DOOR_LOCK,
	CONTROL_GUEST_ADD,
	CONTROL_GUEST_LEND,
	CONTROL_GUEST_END,
	CONTROL_GUEST_ERASE,
	CONTROL_LOANER_ADD,
	CONTROL_LOANER_REMOVE,
	CONTROL_MEMBER_INVITE,
	CONTROL_MEMBER_CODE,
	CONTROL_MEMBER_PASSWORD,
	CONTROL_MEMBER_LOBBY,
	CONTROL_GROUP_EDIT,
	CONTROL_NCMDS
};

/* Why a request failed: the stable "code" of a reply, named as the
 * console's API names its errors.  The last three are the client's own:
 * no daemon answered, it answered too late, or it answered nonsense. */
enum control_code {
	CONTROL_OK,
	CONTROL_NOT_FOUND,	/* no such member, badge, group, door, reader, account */
	CONTROL_EXISTS,		/* the name, group or badge exists already */
	CONTROL_INVALID,	/* a bad value or a malformed request */
	CONTROL_PERMISSION,	/* the peer's groups do not allow it */
	CONTROL_BUSY,		/* try again: the store, an enrolment, the connection cap */
	CONTROL_DATABASE,	/* the store failed */
	CONTROL_TIMEOUT,	/* no tap before the enrolment's timeout; no reply in time */
	CONTROL_REPLICA,	/* a site's replica: member data is changed on the primary */
	CONTROL_UNAVAILABLE,	/* no daemon runs (nothing listens on the socket) */
	CONTROL_PROTOCOL,	/* the reply could not be read */
	CONTROL_NCODES
};

/* "status", "door_unlock"...; NULL if out of range. */
const char *control_cmd_name(enum control_cmd cmd);
/* The command of a name (an old spelling included), or -1. */
int control_cmd_lookup(const char *name);
/* "not_found", "exists"...; and back (-1 for an unknown name). */
const char *control_code_name(enum control_code code);
int control_code_lookup(const char *name);
/* The code of a manage.h failure. */
enum control_code control_code_of(enum manage_status status);

/*
 * A request.  Strings are borrowed: the caller's when it encodes, the
 * decoded message's when seuild decodes (valid until control_req_clear).
 * NULL strings, 0 numbers and -1 tri-states are "not given".
 */
struct control_req {
	enum control_cmd	 cmd;
	const char		*actor;		/* the console user, "web:bob" */
	int64_t			 member;	/* id, or 0 and member_name */
	const char		*member_name;	/* id or exact name, as seuilctl takes it */
	int64_t			 badge;		/* id */
	int64_t			 guest;		/* id */
	const char		*until;		/* guest_add: the pass's end, as typed */
	const char		*code;		/* member_code: an invite code */
	struct member_change	 change;	/* member_add, member_edit */
	const char		*door, *reader, *uid, *label;
	const char		*group, *schedule;
	const char		*user, *role, *hash;	/* console accounts */
	const char		*type, *detail;		/* console_event */
	int64_t			 seconds;	/* door_unlock; 0: the door's own */
	int64_t			 timeout;	/* enrol, seconds; 0: 60 */
	bool			 prune, reenable, create_groups;	/* import */
	bool			 secure;	/* enrol: a DESFire badge */
	bool			 desk;		/* enrol: for a console desk account */
	int			 offline_ok;	/* group_edit: -1 unchanged, 0, 1 */
	int			 fd;		/* import: the CSV; -1 none */
	cJSON			*owner;		/* decoded: the message the strings point into */
};

/* An empty request of cmd (fd -1, public -1). */
void control_req_init(struct control_req *req, enum control_cmd cmd);
/* After control_req_decode: free what the strings point into and close a
 * descriptor still held. */
void control_req_clear(struct control_req *req);

/*
 * The message of req, malloc'd (the caller frees), or NULL with err when a
 * required field is missing or the message would not fit.
 */
char *control_req_encode(const struct control_req *req, char *err, size_t errlen);
/*
 * Read a message (len bytes, not NUL-terminated) and the descriptor that
 * came with it (-1 if none) into req: the command known, its required
 * fields present, every field of the right type and known to the command.
 * The request takes fd (control_req_clear closes it), failing or not.
 * 0, or -1 with *code and err saying what is wrong; req->cmd is the
 * command when it was named and known (so that a refusal for the sender's
 * role can come before a lesson in syntax), CONTROL_NCMDS otherwise.
 */
int control_req_decode(const char *msg, size_t len, int fd, struct control_req *req,
    enum control_code *code, char *err, size_t errlen);

/* Replies, as seuild builds them; the caller owns them. */
cJSON *control_ok(void);
cJSON *control_fail(enum control_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A reply, as a client reads it. */
struct control_reply {
	enum control_code	 code;
	char			 error[512];	/* the daemon's words, or ours */
	cJSON			*json;		/* the whole reply; NULL if none was read */
};

/*
 * Send req to the daemon listening at path (with req->fd beside it, if
 * any) and wait up to timeout_ms for its reply.  0 when the daemon
 * answered: rep->code is CONTROL_OK or why it refused.  -1 when it could
 * not be asked or did not answer: rep->code is CONTROL_UNAVAILABLE (no
 * daemon), CONTROL_TIMEOUT, CONTROL_PROTOCOL or CONTROL_INVALID (the
 * request could not be sent), with rep->error.  Free rep with
 * control_reply_free either way.
 */
int control_call(const char *path, const struct control_req *req, int timeout_ms,
    struct control_reply *rep);
void control_reply_free(struct control_reply *rep);
/* A field of the reply: a number (0 if absent), a string (NULL). */
int64_t control_reply_int(const struct control_reply *rep, const char *key);
const char *control_reply_str(const struct control_reply *rep, const char *key);

/*
 * A payload as a descriptor: a sealed memfd (no write, grow or shrink once
 * sent) holding len bytes of data.  The fd, or -1 with err.
 */
int control_payload_fd(const char *data, size_t len, char *err, size_t errlen);
/*
 * Read the payload of fd, which must be a sealed memfd of at most max
 * bytes (a file someone could still change under the reader is refused),
 * into a malloc'd NUL-terminated buffer.  0, or -1 with err.
 */
int control_payload_read(int fd, size_t max, char **data, size_t *len, char *err,
    size_t errlen);

/* Fill sun for path; -1 with a message in err if the path is too long. */
struct sockaddr_un;
int control_sockaddr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen);

#endif
