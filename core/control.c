/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control protocol (control.h): the commands and their fields as one
 * table, the encoder the clients use, the decoder seuild uses, the client's
 * call and the payload descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "render_json.h"

/* The fields a request may carry. */
enum field_id {
	F_ACTOR, F_MEMBER, F_BADGE, F_NAME, F_DISPLAY, F_EMAIL, F_FROM, F_UNTIL,
	F_GROUPS, F_PUBLIC, F_DOOR, F_READER, F_UID, F_LABEL, F_GROUP, F_SCHEDULE,
	F_USER, F_ROLE, F_HASH, F_TYPE, F_DETAIL, F_SECONDS, F_TIMEOUT, F_PRUNE,
	F_REENABLE, F_CREATE_GROUPS, F_SECURE, F_DESK, F_GUEST, F_ENDS, F_CODE, F_OFFLINE_OK,
	F_NFIELDS
};
_Static_assert(F_NFIELDS <= 32, "the fields' masks are unsigned");
#define B(f)	(1u << (f))

enum ftype {
	FT_MEMBER,	/* member (int64_t > 0) or member_name (text) */
	FT_ID,		/* int64_t, > 0 */
	FT_COUNT,	/* int64_t, >= 0 */
	FT_STR,		/* const char * */
	FT_BOOL,	/* bool */
	FT_TRI,		/* int: -1 absent, 0, 1 (member_change.public) */
	FT_LIST,	/* member_change.groups */
};

#define OFF(m)	offsetof(struct control_req, m)
static const struct field {
	const char	*name;
	enum ftype	 type;
	size_t		 off;
} fields[F_NFIELDS] = {
	[F_ACTOR]	= { "actor",		FT_STR,		OFF(actor) },
	[F_MEMBER]	= { "member",		FT_MEMBER,	OFF(member) },
	[F_BADGE]	= { "badge",		FT_ID,		OFF(badge) },
	[F_NAME]	= { "name",		FT_STR,		OFF(change.name) },
	[F_DISPLAY]	= { "display_name",	FT_STR,		OFF(change.display) },
	[F_EMAIL]	= { "email",		FT_STR,		OFF(change.email) },
	[F_FROM]	= { "valid_from",	FT_STR,		OFF(change.from) },
	[F_UNTIL]	= { "valid_until",	FT_STR,		OFF(change.until) },
	[F_GROUPS]	= { "groups",		FT_LIST,	OFF(change) },
	[F_PUBLIC]	= { "public",		FT_TRI,		OFF(change.public) },
	[F_DOOR]	= { "door",		FT_STR,		OFF(door) },
	[F_READER]	= { "reader",		FT_STR,		OFF(reader) },
	[F_UID]		= { "uid",		FT_STR,		OFF(uid) },
	[F_LABEL]	= { "label",		FT_STR,		OFF(label) },
	[F_GROUP]	= { "group",		FT_STR,		OFF(group) },
	[F_SCHEDULE]	= { "schedule",		FT_STR,		OFF(schedule) },
	[F_USER]	= { "user",		FT_STR,		OFF(user) },
	[F_ROLE]	= { "role",		FT_STR,		OFF(role) },
	[F_HASH]	= { "hash",		FT_STR,		OFF(hash) },
	[F_TYPE]	= { "type",		FT_STR,		OFF(type) },
	[F_DETAIL]	= { "detail",		FT_STR,		OFF(detail) },
	[F_SECONDS]	= { "seconds",		FT_COUNT,	OFF(seconds) },
	[F_TIMEOUT]	= { "timeout",		FT_COUNT,	OFF(timeout) },
	[F_PRUNE]	= { "prune",		FT_BOOL,	OFF(prune) },
	[F_REENABLE]	= { "reenable",		FT_BOOL,	OFF(reenable) },
	[F_CREATE_GROUPS] = { "create_groups",	FT_BOOL,	OFF(create_groups) },
	[F_SECURE]	= { "secure",		FT_BOOL,	OFF(secure) },
	[F_DESK]	= { "desk",		FT_BOOL,	OFF(desk) },
	[F_GUEST]	= { "guest",		FT_ID,		OFF(guest) },
	[F_ENDS]	= { "until",		FT_STR,		OFF(until) },
	[F_CODE]	= { "code",		FT_STR,		OFF(code) },
	[F_OFFLINE_OK]	= { "offline_ok",	FT_TRI,		OFF(offline_ok) },
};

#define MEMBER_FIELDS	(B(F_NAME) | B(F_DISPLAY) | B(F_EMAIL) | B(F_FROM) | \
			 B(F_UNTIL) | B(F_GROUPS) | B(F_PUBLIC))

/* Every command: its name, the fields it needs and those it may carry
 * (actor always), and whether a payload descriptor comes with it. */
static const struct command {
	const char	*name;
	unsigned	 required, optional;
	bool		 payload;
} commands[CONTROL_NCMDS] = {
	[CONTROL_STATUS]	= { "status", 0, 0, false },
	[CONTROL_CHECKOUT]	= { "checkout", B(F_MEMBER), 0, false },
	[CONTROL_DOOR_UNLOCK]	= { "door_unlock", 0, B(F_DOOR) | B(F_SECONDS), false },
	[CONTROL_ENROL]		= { "enrol", B(F_MEMBER), B(F_READER) | B(F_TIMEOUT) | B(F_SECURE) |
				    B(F_DESK), false },
	[CONTROL_BADGE_ADD]	= { "badge_add", B(F_MEMBER) | B(F_UID), B(F_LABEL), false },
	[CONTROL_RELOAD]	= { "reload", 0, 0, false },
	[CONTROL_MEMBER_ADD]	= { "member_add", B(F_NAME), MEMBER_FIELDS, false },
	[CONTROL_MEMBER_EDIT]	= { "member_edit", B(F_MEMBER), MEMBER_FIELDS, false },
	[CONTROL_MEMBER_DISABLE] = { "member_disable", B(F_MEMBER), 0, false },
	[CONTROL_MEMBER_ENABLE]	= { "member_enable", B(F_MEMBER), 0, false },
	[CONTROL_MEMBER_ERASE]	= { "member_erase", B(F_MEMBER), 0, false },
	[CONTROL_BADGE_REVOKE]	= { "badge_revoke", B(F_BADGE), 0, false },
	[CONTROL_GROUP_ADD]	= { "group_add", B(F_GROUP), 0, false },
	[CONTROL_SCHEDULE_SET]	= { "schedule_set", B(F_GROUP) | B(F_SCHEDULE), 0, false },
	[CONTROL_IMPORT]	= { "import", 0, B(F_PRUNE) | B(F_REENABLE) | B(F_CREATE_GROUPS),
				    true },
	[CONTROL_PURGE]		= { "purge", 0, 0, false },
	[CONTROL_BACKUP]	= { "backup", 0, 0, false },
	[CONTROL_WEB_USER_ADD]	= { "web_user_add", B(F_USER) | B(F_ROLE) | B(F_HASH), 0, false },
	[CONTROL_WEB_USER_PASSWD] = { "web_user_passwd", B(F_USER) | B(F_HASH), 0, false },
	[CONTROL_WEB_USER_ROLE]	= { "web_user_role", B(F_USER) | B(F_ROLE), 0, false },
	[CONTROL_WEB_USER_DEL]	= { "web_user_del", B(F_USER), 0, false },
	[CONTROL_CONSOLE_EVENT]	= { "console_event", B(F_TYPE), B(F_DETAIL) | B(F_MEMBER), false },
	[CONTROL_BADGE_WIPE]	= { "badge_wipe", 0, B(F_READER) | B(F_TIMEOUT), false },
	[CONTROL_DOOR_LOCK]	= { "door_lock", 0, B(F_DOOR), false },
	[CONTROL_GUEST_ADD]	= { "guest_add", B(F_NAME) | B(F_MEMBER), B(F_ENDS) | B(F_LABEL), false },
	[CONTROL_GUEST_LEND]	= { "guest_lend", B(F_GUEST) | B(F_LABEL), 0, false },
	[CONTROL_GUEST_END]	= { "guest_end", B(F_GUEST), 0, false },
	[CONTROL_GUEST_ERASE]	= { "guest_erase", B(F_GUEST), 0, false },
	[CONTROL_LOANER_ADD]	= { "loaner_add", B(F_LABEL), B(F_UID) | B(F_READER) | B(F_TIMEOUT),
	    false },
	[CONTROL_LOANER_REMOVE]	= { "loaner_remove", B(F_LABEL), 0, false },
	[CONTROL_MEMBER_INVITE]	= { "member_invite", 0, B(F_MEMBER) | B(F_READER) | B(F_TIMEOUT),
	    false },
	[CONTROL_MEMBER_CODE]	= { "member_code", B(F_MEMBER) | B(F_CODE), 0, false },
	[CONTROL_MEMBER_PASSWORD] = { "member_password", B(F_MEMBER) | B(F_HASH), 0, false },
	[CONTROL_MEMBER_LOBBY]	= { "member_lobby", B(F_MEMBER) | B(F_PUBLIC), B(F_DISPLAY), false },
	[CONTROL_GROUP_EDIT]	= { "group_edit", B(F_GROUP), B(F_OFFLINE_OK), false },
};

static const char *const codes[CONTROL_NCODES] = {
	[CONTROL_OK] = "ok",
	[CONTROL_NOT_FOUND] = "not_found",
	[CONTROL_EXISTS] = "exists",
	[CONTROL_INVALID] = "invalid",
	[CONTROL_PERMISSION] = "permission",
	[CONTROL_BUSY] = "busy",
	[CONTROL_DATABASE] = "database",
	[CONTROL_TIMEOUT] = "timeout",
	[CONTROL_REPLICA] = "replica",
	[CONTROL_UNAVAILABLE] = "unavailable",
	[CONTROL_PROTOCOL] = "protocol",
};

/* The longest string a field may hold: a CSV or a hash never travel as
 * fields, names and texts are far shorter. */
#define FIELD_STR_MAX	1024

const char *
control_cmd_name(enum control_cmd cmd)
{
	return (unsigned)cmd < CONTROL_NCMDS ? commands[cmd].name : NULL;
}

int
control_cmd_lookup(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	/* The spelling of the first releases; the commands, options and
	 * docs say "enrol" now. */
	if (strcmp(name, "enroll") == 0)
		return CONTROL_ENROL;
	for (i = 0; i < CONTROL_NCMDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return i;
	return -1;
}

const char *
control_code_name(enum control_code code)
{
	return (unsigned)code < CONTROL_NCODES ? codes[code] : "protocol";
}

int
control_code_lookup(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < CONTROL_NCODES; i++)
		if (strcmp(codes[i], name) == 0)
			return i;
	return -1;
}

enum control_code
control_code_of(enum manage_status status)
{
	switch (status) {
	case MANAGE_OK:
		return CONTROL_OK;
	case MANAGE_EINVAL:
		return CONTROL_INVALID;
	case MANAGE_ENOENT:
		return CONTROL_NOT_FOUND;
	case MANAGE_EEXIST:
		return CONTROL_EXISTS;
	case MANAGE_EREPLICA:
		return CONTROL_REPLICA;
	case MANAGE_EDB:
	default:
		return CONTROL_DATABASE;
	}
}

void
control_req_init(struct control_req *req, enum control_cmd cmd)
{
	memset(req, 0, sizeof(*req));
	req->cmd = cmd;
	req->change.public = -1;
	req->offline_ok = -1;
	req->fd = -1;
}

void
control_req_clear(struct control_req *req)
{
	if (req->fd != -1)
		close(req->fd);
	cJSON_Delete(req->owner);
	control_req_init(req, req->cmd);
}

static void *
field_ptr(const void *req, enum field_id f)
{
	return (char *)(uintptr_t)req + fields[f].off;
}

/* Whether field f of req is given. */
static bool
field_given(const struct control_req *req, enum field_id f)
{
	const void *p = field_ptr(req, f);

	switch (fields[f].type) {
	case FT_MEMBER:
		return req->member != 0 || req->member_name != NULL;
	case FT_ID:
	case FT_COUNT:
		return *(const int64_t *)p != 0;
	case FT_STR:
		return *(const char *const *)p != NULL;
	case FT_BOOL:
		return *(const bool *)p;
	case FT_TRI:
		return *(const int *)p != -1;
	case FT_LIST:
		return req->change.set_groups;
	}
	return false;
}

static int
encode_field(cJSON *j, const struct control_req *req, enum field_id f)
{
	const void *p = field_ptr(req, f);
	const char *name = fields[f].name;
	cJSON *a;
	int i;

	switch (fields[f].type) {
	case FT_MEMBER:
		if (req->member_name != NULL)
			return cJSON_AddStringToObject(j, name, req->member_name) ? 0 : -1;
		return cJSON_AddNumberToObject(j, name, (double)req->member) ? 0 : -1;
	case FT_ID:
	case FT_COUNT:
		return cJSON_AddNumberToObject(j, name, (double)*(const int64_t *)p) ? 0 : -1;
	case FT_STR:
		return cJSON_AddStringToObject(j, name, *(const char *const *)p) ? 0 : -1;
	case FT_BOOL:
		return cJSON_AddBoolToObject(j, name, *(const bool *)p) ? 0 : -1;
	case FT_TRI:
		return cJSON_AddBoolToObject(j, name, *(const int *)p == 1) ? 0 : -1;
	case FT_LIST:
		if ((a = cJSON_AddArrayToObject(j, name)) == NULL)
			return -1;
		for (i = 0; i < req->change.ngroups; i++)
			if (!cJSON_AddItemToArray(a, cJSON_CreateString(req->change.groups[i])))
				return -1;
		return 0;
	}
	return -1;
}

char *
control_req_encode(const struct control_req *req, char *err, size_t errlen)
{
	const struct command *c;
	unsigned allowed;
	char *text = NULL;
	cJSON *j;
	int f;

	if ((unsigned)req->cmd >= CONTROL_NCMDS) {
		snprintf(err, errlen, "unknown command %d", (int)req->cmd);
		return NULL;
	}
	c = &commands[req->cmd];
	allowed = c->required | c->optional | B(F_ACTOR);
	if ((j = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(j, "cmd", c->name))
		goto nomem;
	for (f = 0; f < F_NFIELDS; f++) {
		if (!(allowed & B(f)))
			continue;
		if (!field_given(req, f)) {
			if (c->required & B(f)) {
				snprintf(err, errlen, "%s needs \"%s\"", c->name, fields[f].name);
				cJSON_Delete(j);
				return NULL;
			}
			continue;
		}
		if (encode_field(j, req, f) == -1)
			goto nomem;
	}
	if ((text = cJSON_PrintUnformatted(j)) == NULL)
		goto nomem;
	cJSON_Delete(j);
	if (strlen(text) > CONTROL_MSG_MAX) {
		snprintf(err, errlen, "%s: request too large (%zu bytes, at most %d)", c->name,
		    strlen(text), CONTROL_MSG_MAX);
		free(text);
		return NULL;
	}
	return text;
nomem:
	cJSON_Delete(j);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

static int
decode_field(const cJSON *v, struct control_req *req, enum field_id f, char *err, size_t errlen)
{
	void *p = field_ptr(req, f);
	const char *name = fields[f].name;
	const cJSON *g;
	int64_t n;

	switch (fields[f].type) {
	case FT_MEMBER:
		if (cJSON_IsString(v) && *v->valuestring != '\0' &&
		    strlen(v->valuestring) <= FIELD_STR_MAX) {
			req->member_name = v->valuestring;
			return 0;
		}
		if (render_json_int(v, INT64_MIN, INT64_MAX, &n) == -1 || n <= 0) {
			snprintf(err, errlen, "\"member\" must be an id or a name");
			return -1;
		}
		req->member = n;
		return 0;
	case FT_ID:
	case FT_COUNT:
		if (render_json_int(v, INT64_MIN, INT64_MAX, &n) == -1 || n < 0 || (fields[f].type == FT_ID && n == 0)) {
			snprintf(err, errlen, "\"%s\" must be a whole number%s", name,
			    fields[f].type == FT_ID ? " above 0" : " not below 0");
			return -1;
		}
		*(int64_t *)p = n;
		return 0;
	case FT_STR:
		if (!cJSON_IsString(v) || strlen(v->valuestring) > FIELD_STR_MAX) {
			snprintf(err, errlen, "\"%s\" must be text of at most %d bytes", name,
			    FIELD_STR_MAX);
			return -1;
		}
		*(const char **)p = v->valuestring;
		return 0;
	case FT_BOOL:
	case FT_TRI:
		if (!cJSON_IsBool(v)) {
			snprintf(err, errlen, "\"%s\" must be true or false", name);
			return -1;
		}
		if (fields[f].type == FT_BOOL)
			*(bool *)p = cJSON_IsTrue(v);
		else
			*(int *)p = cJSON_IsTrue(v);
		return 0;
	case FT_LIST:
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > ACCESS_MAX_GROUPS) {
			snprintf(err, errlen, "\"%s\" must be a list of at most %d names", name,
			    ACCESS_MAX_GROUPS);
			return -1;
		}
		cJSON_ArrayForEach(g, v) {
			if (!cJSON_IsString(g) || strlen(g->valuestring) > FIELD_STR_MAX) {
				snprintf(err, errlen, "\"%s\" must be names", name);
				return -1;
			}
			req->change.groups[req->change.ngroups++] = g->valuestring;
		}
		req->change.set_groups = true;
		return 0;
	}
	return -1;
}

static int
field_lookup(const char *name)
{
	int f;

	for (f = 0; f < F_NFIELDS; f++)
		if (strcmp(fields[f].name, name) == 0)
			return f;
	return -1;
}

int
control_req_decode(const char *msg, size_t len, int fd, struct control_req *req,
    enum control_code *code, char *err, size_t errlen)
{
	const struct command *c;
	const cJSON *cmd, *v;
	unsigned allowed, seen = 0;
	int n, f;

	control_req_init(req, CONTROL_NCMDS);
	req->fd = fd;
	*code = CONTROL_INVALID;
	if (len > CONTROL_MSG_MAX) {
		snprintf(err, errlen, "request too large");
		return -1;
	}
	if (manage_json_has_nul(msg, len)) {
		snprintf(err, errlen, "malformed request: a NUL character");
		return -1;
	}
	req->owner = cJSON_ParseWithLength(msg, len);
	cmd = cJSON_GetObjectItemCaseSensitive(req->owner, "cmd");
	if (!cJSON_IsObject(req->owner) || !cJSON_IsString(cmd)) {
		snprintf(err, errlen, "malformed request: expected a JSON object with \"cmd\"");
		return -1;
	}
	if ((n = control_cmd_lookup(cmd->valuestring)) == -1) {
		snprintf(err, errlen, "unknown command '%.40s'", cmd->valuestring);
		return -1;
	}
	req->cmd = n;
	c = &commands[n];
	allowed = c->required | c->optional | B(F_ACTOR);
	cJSON_ArrayForEach(v, req->owner) {
		if (v->string == NULL || strcmp(v->string, "cmd") == 0)
			continue;
		f = field_lookup(v->string);
		if (f == -1 || !(allowed & B(f))) {
			snprintf(err, errlen, "%s: unknown field \"%.40s\"", c->name, v->string);
			return -1;
		}
		if (seen & B(f)) {
			snprintf(err, errlen, "%s: \"%s\" given twice", c->name, fields[f].name);
			return -1;
		}
		seen |= B(f);
		if (decode_field(v, req, f, err, errlen) == -1)
			return -1;
	}
	if ((c->required & seen) != c->required) {
		for (f = 0; f < F_NFIELDS; f++)
			if ((c->required & B(f)) && !(seen & B(f)))
				break;
		snprintf(err, errlen, "%s needs \"%s\"", c->name, fields[f].name);
		return -1;
	}
	if (c->payload != (fd != -1)) {
		snprintf(err, errlen, c->payload ? "%s needs its payload as a descriptor" :
		    "%s takes no descriptor", c->name);
		return -1;
	}
	*code = CONTROL_OK;
	return 0;
}

cJSON *
control_ok(void)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", 1);
	return r;
}

cJSON *
control_fail(enum control_code code, const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(r, "ok", 0);
	cJSON_AddStringToObject(r, "code", control_code_name(code));
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

int
control_sockaddr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "control socket path too long (%zu bytes, at most %zu): %.200s",
		    strlen(path), sizeof(sun->sun_path) - 1, path);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static int
call_fail(struct control_reply *rep, enum control_code code, const char *fmt, ...)
{
	va_list ap;

	rep->code = code;
	va_start(ap, fmt);
	vsnprintf(rep->error, sizeof(rep->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* The request, with fd beside it when there is one. */
static int
send_request(int sock, const char *text, int fd)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)text, .iov_len = strlen(text) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd != -1) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == -1 ? -1 : 0;
}

static int
read_reply(const char *buf, size_t n, struct control_reply *rep)
{
	const cJSON *ok, *code, *error;
	int c;

	if ((rep->json = cJSON_ParseWithLength(buf, n)) == NULL || !cJSON_IsObject(rep->json))
		return call_fail(rep, CONTROL_PROTOCOL, "seuild's reply cannot be read");
	ok = cJSON_GetObjectItemCaseSensitive(rep->json, "ok");
	if (cJSON_IsTrue(ok)) {
		rep->code = CONTROL_OK;
		return 0;
	}
	code = cJSON_GetObjectItemCaseSensitive(rep->json, "code");
	error = cJSON_GetObjectItemCaseSensitive(rep->json, "error");
	c = cJSON_IsString(code) ? control_code_lookup(code->valuestring) : -1;
	if (!cJSON_IsFalse(ok) || c <= CONTROL_OK || !cJSON_IsString(error))
		return call_fail(rep, CONTROL_PROTOCOL, "seuild's reply cannot be read");
	rep->code = c;
	snprintf(rep->error, sizeof(rep->error), "%s", error->valuestring);
	return 0;
}

int
control_call(const char *path, const struct control_req *req, int timeout_ms,
    struct control_reply *rep)
{
	char buf[CONTROL_MSG_MAX + 1], why[256], *text;
	struct sockaddr_un sun;
	struct pollfd pfd;
	ssize_t n;
	int sock = -1, rc;

	memset(rep, 0, sizeof(*rep));
	if ((text = control_req_encode(req, why, sizeof(why))) == NULL)
		return call_fail(rep, CONTROL_INVALID, "%s", why);
	if (control_sockaddr(path, &sun, why, sizeof(why)) == -1) {
		rc = call_fail(rep, CONTROL_INVALID, "%s", why);
		goto out;
	}
	if ((sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(sock, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			rc = call_fail(rep, CONTROL_UNAVAILABLE, "seuild is not running "
			    "(control socket %s: %s)", path, strerror(errno));
		else if (errno == EACCES || errno == EPERM)
			rc = call_fail(rep, CONTROL_PERMISSION, "control socket %s: %s (the "
			    "socket's groups are [control] read_group, operate_group and "
			    "admin_group)", path, strerror(errno));
		else
			rc = call_fail(rep, CONTROL_UNAVAILABLE, "control socket %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (send_request(sock, text, req->fd) == -1) {
		rc = call_fail(rep, CONTROL_UNAVAILABLE, "control socket %s: %s", path,
		    strerror(errno));
		goto out;
	}
	pfd = (struct pollfd){ .fd = sock, .events = POLLIN };
	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : CONTROL_TIMEOUT_MS);
	while (rc == -1 && errno == EINTR);
	if (rc <= 0) {
		rc = call_fail(rep, CONTROL_TIMEOUT, "seuild did not answer %s in time",
		    control_cmd_name(req->cmd));
		goto out;
	}
	if ((n = recv(sock, buf, CONTROL_MSG_MAX, MSG_TRUNC)) <= 0 || n > CONTROL_MSG_MAX) {
		rc = call_fail(rep, n > CONTROL_MSG_MAX ? CONTROL_PROTOCOL : CONTROL_UNAVAILABLE,
		    "control socket %s: %s", path, n > CONTROL_MSG_MAX ? "reply too large" :
		    n == 0 ? "seuild closed the connection" : strerror(errno));
		goto out;
	}
	rc = read_reply(buf, (size_t)n, rep);
out:
	if (sock != -1)
		close(sock);
	free(text);
	return rc;
}

void
control_reply_free(struct control_reply *rep)
{
	cJSON_Delete(rep->json);
	rep->json = NULL;
}

int64_t
control_reply_int(const struct control_reply *rep, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep->json, key);
	int64_t n;

	return render_json_int(v, INT64_MIN, INT64_MAX, &n) == 0 ? n : 0;
}

const char *
control_reply_str(const struct control_reply *rep, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep->json, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#define PAYLOAD_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int
control_payload_fd(const char *data, size_t len, char *err, size_t errlen)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	if (len > CONTROL_PAYLOAD_MAX) {
		snprintf(err, errlen, "payload too large (%zu bytes, at most %d)", len,
		    CONTROL_PAYLOAD_MAX);
		return -1;
	}
	if ((fd = memfd_create("seuil-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING)) == -1) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		return -1;
	}
	while (done < len) {
		if ((n = write(fd, data + done, len - done)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "memfd: %s", strerror(errno));
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, PAYLOAD_SEALS | F_SEAL_SEAL) == -1) {
		snprintf(err, errlen, "memfd seals: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
control_payload_read(int fd, size_t max, char **data, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	size_t done = 0;
	ssize_t n;
	int seals;
	char *buf;

	/* Sealed: its size and bytes cannot change while they are read, and
	 * it is not a file, a FIFO or a device that could block the reader. */
	if ((seals = fcntl(fd, F_GET_SEALS)) == -1 || (seals & PAYLOAD_SEALS) != PAYLOAD_SEALS) {
		snprintf(err, errlen, "the payload must be a sealed memfd");
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "the payload must be a sealed memfd");
		return -1;
	}
	if ((size_t)sb.st_size > max) {
		snprintf(err, errlen, "payload too large (%lld bytes, at most %zu)",
		    (long long)sb.st_size, max);
		return -1;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (done < (size_t)sb.st_size) {
		n = pread(fd, buf + done, (size_t)sb.st_size - done, (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "payload: %s", n == 0 ? "short read" :
			    strerror(errno));
			free(buf);
			return -1;
		}
		done += (size_t)n;
	}
	buf[done] = '\0';
	*data = buf;
	*len = done;
	return 0;
}
