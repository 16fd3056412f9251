/*
 * The control socket's server side, in seuild: the protocol is in control.h.
 */
#ifndef SEUIL_CONTROL_SERVER_H
#define SEUIL_CONTROL_SERVER_H

#include <poll.h>
#include <sys/types.h>

#include "control.h"

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
/* Whether a deferred client is still connected. */
int control_client_alive(const struct control *c, int client);

#endif
