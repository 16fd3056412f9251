/*
 * The control socket: how seuilctl changes the daemon's live state (doors,
 * presence, enrolment) and reads its status.  A UNIX SOCK_SEQPACKET socket,
 * mode 0660, one JSON object per message, at most CONTROL_MSG_MAX bytes.
 * The caller's uid (SO_PEERCRED) is recorded with every action.
 *
 * Requests and replies:
 *   {"cmd":"status"}
 *	-> {"ok":true,"version":"…","pid":N,"uptime_s":N,"last_seq":N,
 *	    "clock_synced":bool,"database":"…",
 *	    "doors":[{"name":"front","state":"locked","relay":false,"contact":"closed"|"open"|"unknown"}],
 *	    "readers":[{"name":"front-in","door":"front","direction":"in","online":bool,
 *	                "locked_out":bool,"last_heartbeat_ms_ago":N,"restarts":N}],
 *	    "presence":{"count":N},
 *	    "mqtt":{"enabled":bool,"connected":bool,"published_seq":N}}
 *   {"cmd":"checkout","member":ID}	-> {"ok":true,"was_present":bool}
 *   {"cmd":"door_unlock","door":"front","seconds":N}  (door optional if only one)
 *	-> {"ok":true,"door":"front","seconds":N}
 *   {"cmd":"reload"}			-> {"ok":true} or {"ok":false,"error":"…"}
 *   {"cmd":"enroll","member":ID,"door":"front"|absent,"timeout":S}
 *	-> (once the next unknown badge is tapped, or at the timeout)
 *	   {"ok":true,"badge_id":N,"hint":"A1B2","reader":"front-in"}
 *	   or {"ok":false,"error":"timeout"}
 * Any other request, malformed JSON or an oversized message gets
 * {"ok":false,"error":"…"}; the daemon never trusts the request.
 */
#ifndef SEUIL_CONTROL_H
#define SEUIL_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#define CONTROL_MSG_MAX		4096
#define CONTROL_MAX_CLIENTS	16

/*
 * Server side (seuild).  handler gets each valid request (a JSON object
 * with a string "cmd") and returns the reply, which the control module
 * sends and frees; or NULL to answer later with control_reply (enroll).
 * client identifies the connection for that later reply.
 */
typedef cJSON *(*control_handler)(void *arg, int client, const cJSON *req, uid_t uid);

struct control;

/* Listen on path (mode 0660).  Refuses if a daemon already answers there;
 * removes a stale socket file.  NULL with err on failure. */
struct control *control_open(const char *path, control_handler handler, void *arg,
    char *err, size_t errlen);
/* Close every connection and remove the socket file.  NULL is fine. */
void control_close(struct control *c);

int control_pollfds(struct control *c, struct pollfd *pfds, int max);
void control_handle(struct control *c, const struct pollfd *pfds, int n);
/* Send a deferred reply (freed here).  -1 if that client has gone. */
int control_reply(struct control *c, int client, cJSON *reply);
/* {"ok":false,"error":msg}, for handlers to return; the caller owns it. */
cJSON *control_error(const char *msg);
/* Whether a deferred client is still connected. */
int control_client_alive(const struct control *c, int client);

/*
 * Client side: send request (a JSON text), wait up to timeout_ms for the
 * reply and copy it into reply.  Returns 0, or -1 with errno set and a
 * message in err; errno ENOENT or ECONNREFUSED means no daemon is running.
 */
int control_request(const char *socket_path, const char *request, char *reply,
    size_t replylen, int timeout_ms, char *err, size_t errlen);

#endif
