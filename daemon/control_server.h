/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control socket's server side, in seuild: the protocol is core's
 * (control.h); this module listens, keeps the connections, reads each
 * request with the descriptor that may come with it, decodes it, and sends
 * the replies.
 *
 * Limits, so that no local user can fill the socket and lock the manager
 * out (docs/security.md): at most CONTROL_MAX_CLIENTS connections, of
 * which CONTROL_RESERVED are kept for root and the admin role; at most
 * CONTROL_PER_UID connections of one uid, plus one for each of its
 * connections waiting for a deferred reply (an enrolment waiting for its
 * tap), up to CONTROL_PER_UID_MAX; a connection idle for CONTROL_IDLE_MS
 * is closed (one waiting for its deferred reply is not idle).
 */
#ifndef SEUIL_CONTROL_SERVER_H
#define SEUIL_CONTROL_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"

#define CONTROL_MAX_CLIENTS	32
#define CONTROL_RESERVED	4
#define CONTROL_PER_UID		4
#define CONTROL_PER_UID_MAX	16
#define CONTROL_IDLE_MS		10000

/* The peer of a connection, read at accept: the roles come from its groups. */
#define CONTROL_PEER_MAX_GROUPS	64
struct control_peer {
	uid_t	uid;		/* -1 if unknown */
	gid_t	gid;
	int	ngroups;	/* supplementary groups */
	gid_t	groups[CONTROL_PEER_MAX_GROUPS];
};

/* Whether the peer's primary or a supplementary group is gid. */
bool control_peer_in_group(const struct control_peer *p, gid_t gid);

/*
 * What the server asks of its owner.  refuse is asked first, as soon as
 * the command is known (before its fields are checked): a refusal for the
 * peer's role, which the server sends and frees, or NULL.  handle gets each
 * request that is allowed and well-formed and returns the reply; or NULL
 * to answer later with control_reply (client identifies the connection).
 * It may take the request (move *req away and control_req_init it):
 * otherwise the server clears it.  privileged says whether a peer may use
 * the reserved connections.
 */
struct control_owner {
	cJSON	*(*refuse)(void *arg, enum control_cmd cmd, const struct control_peer *peer);
	cJSON	*(*handle)(void *arg, int client, struct control_req *req,
		    const struct control_peer *peer);
	bool	 (*privileged)(void *arg, const struct control_peer *peer);
	void	 *arg;
};

struct control;

/*
 * Listen on path, mode 0660, group group unless -1, and with an access
 * entry for each gid of extra (nextra of them, -1 skipped) so that their
 * members may connect without being in group (a POSIX ACL; where the file
 * system has none, *acl_err says so and they must be in group).  Refuses if
 * a daemon already answers there; removes a stale socket file.  NULL with
 * err on failure.
 */
struct control *control_open(const char *path, gid_t group, const gid_t *extra, int nextra,
    const struct control_owner *owner, char *acl_err, size_t acl_errlen, char *err,
    size_t errlen);
/* Close every connection and remove the socket file.  NULL is fine. */
void control_close(struct control *c);

int control_pollfds(struct control *c, struct pollfd *pfds, int max);
void control_handle(struct control *c, const struct pollfd *pfds, int n, int64_t now_mono);
/* Close the connections idle since CONTROL_IDLE_MS before now_mono. */
void control_tick(struct control *c, int64_t now_mono);
/* Send a deferred reply (freed here).  -1 if that client has gone. */
int control_reply(struct control *c, int client, cJSON *reply);
/* Whether a deferred client is still connected. */
int control_client_alive(const struct control *c, int client);

#endif
