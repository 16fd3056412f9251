/*
 * The control socket's server side, in seuild: the protocol is in control.h.
 */
#ifndef SEUIL_CONTROL_SERVER_H
#define SEUIL_CONTROL_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "control.h"

/*
 * Server side (seuild).  handler gets each valid request (a JSON object
 * with a string "cmd") and returns the reply, which the control module
 * sends and frees; or NULL to answer later with control_reply (enroll).
 * client identifies the connection for that later reply.
 */
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

typedef cJSON *(*control_handler)(void *arg, int client, const cJSON *req,
    const struct control_peer *peer);

struct control;

/* Listen on path (mode 0660, group group unless -1).  Refuses if a daemon already answers there;
 * removes a stale socket file.  NULL with err on failure. */
struct control *control_open(const char *path, gid_t group, control_handler handler,
    void *arg, char *err, size_t errlen);
/* Close every connection and remove the socket file.  NULL is fine. */
void control_close(struct control *c);

int control_pollfds(struct control *c, struct pollfd *pfds, int max);
void control_handle(struct control *c, const struct pollfd *pfds, int n);
/* Send a deferred reply (freed here).  -1 if that client has gone. */
int control_reply(struct control *c, int client, cJSON *reply);
/* Whether a deferred client is still connected. */
int control_client_alive(const struct control *c, int client);

#endif
