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
 *   {"cmd":"badge_add","member":ID,"uid":"04A1B2C3","label":"…"|absent}
 *	-> {"ok":true,"badge_id":N,"hint":"B2C3"}  (seuild computes the MAC:
 *	   for a program without the UID key, seuil-web; the UID is wiped)
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

struct sockaddr_un;

/* Fill sun for path; -1 with a message in err if the path is too long. */
int control_sockaddr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen);

/* {"ok":false,"error":msg}, the reply to a refused request; the caller owns it. */
cJSON *control_error(const char *msg);

/*
 * Client side: send request (a JSON text), wait up to timeout_ms for the
 * reply and copy it into reply.  Returns 0, or -1 with errno set and a
 * message in err; errno ENOENT or ECONNREFUSED means no daemon is running.
 */
int control_request(const char *socket_path, const char *request, char *reply,
    size_t replylen, int timeout_ms, char *err, size_t errlen);

#endif
