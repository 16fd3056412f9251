#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "control_server.h"
#include "log.h"

struct control_conn {
	int	fd;		/* -1: free slot */
	int	id;		/* changes at every accept, for deferred replies */
	struct control_peer peer;	/* read once, at accept */
};

struct control {
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		listen_fd;
	control_handler	handler;
	void		*arg;
	struct control_conn conn[CONTROL_MAX_CLIENTS];
	int		next_id;
};

struct control *
control_open(const char *path, gid_t group, control_handler handler, void *arg, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct control *c;
	int probe;

	if (control_sockaddr(path, &sun, err, errlen) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->handler = handler;
	c->arg = arg;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->conn[i].fd = -1;

	/* A socket file that accepts a connection belongs to a live daemon:
	 * taking it over would leave two daemons driving the same doors. */
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe != -1 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: another seuild is running", path);
		free(c);
		return NULL;
	}
	if (probe != -1)
		close(probe);
	unlink(path);

	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Who may connect is the file's group; what each may ask is decided
	 * per request from the peer's credentials. */
	if (c->listen_fd == -1 || bind(c->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fchmodat(AT_FDCWD, path, 0660, 0) == -1 ||
	    (group != (gid_t)-1 && fchownat(AT_FDCWD, path, (uid_t)-1, group,
	    AT_SYMLINK_NOFOLLOW) == -1) || listen(c->listen_fd, 8) == -1) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (c->listen_fd != -1)
			close(c->listen_fd);
		free(c);
		return NULL;
	}
	return c;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->conn[i].fd != -1)
			close(c->conn[i].fd);
	close(c->listen_fd);
	unlink(c->path);
	free(c);
}

int
control_pollfds(struct control *c, struct pollfd *pfds, int max)
{
	int n = 0;

	if (max < 1)
		return 0;
	pfds[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++)
		if (c->conn[i].fd != -1)
			pfds[n++] = (struct pollfd){ .fd = c->conn[i].fd, .events = POLLIN };
	return n;
}

static int
control_send(int fd, cJSON *reply)
{
	char *text = cJSON_PrintUnformatted(reply);
	int rc = -1;

	if (text != NULL && strlen(text) < CONTROL_MSG_MAX)
		rc = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) == -1 ? -1 : 0;
	free(text);
	return rc;
}

static void
control_drop(struct control_conn *conn)
{
	close(conn->fd);
	conn->fd = -1;
}

/*
 * Who is at the other end, as the kernel saw it at connect: uid, primary
 * gid and supplementary groups (SO_PEERGROUPS, Linux 4.13; before that the
 * groups of the uid's passwd entry).  A peer that cannot be identified gets
 * uid -1 and no group, so it may do nothing.
 */
static void
control_peer_read(int fd, struct control_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;
	int n;

	memset(p, 0, sizeof(*p));
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return;
	len = sizeof(p->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0) {
		p->ngroups = (int)(len / sizeof(p->groups[0]));
	} else if ((pw = getpwuid(cred.uid)) != NULL) {
		n = CONTROL_PEER_MAX_GROUPS;
		if (getgrouplist(pw->pw_name, cred.gid, p->groups, &n) == -1)
			n = 0;	/* more groups than we keep: only the primary one counts */
		p->ngroups = n;
	}
	p->uid = cred.uid;
	p->gid = cred.gid;
}

bool
control_peer_in_group(const struct control_peer *p, gid_t gid)
{
	if (gid == (gid_t)-1)
		return false;
	if (p->gid == gid)
		return true;
	for (int i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

static void
control_accept(struct control *c)
{
	int fd, i;

	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) != -1) {
		for (i = 0; i < CONTROL_MAX_CLIENTS && c->conn[i].fd != -1; i++)
			;
		if (i == CONTROL_MAX_CLIENTS) {
			cJSON *r = control_error("too many control connections");

			control_send(fd, r);
			cJSON_Delete(r);
			close(fd);
			continue;
		}
		c->conn[i].fd = fd;
		control_peer_read(fd, &c->conn[i].peer);
		/* Wraps instead of overflowing into negative ids. */
		c->next_id = c->next_id % (INT_MAX / CONTROL_MAX_CLIENTS - 1) + 1;
		c->conn[i].id = c->next_id * CONTROL_MAX_CLIENTS + i;
	}
}

static void
control_request_in(struct control *c, struct control_conn *conn)
{
	char buf[CONTROL_MSG_MAX + 1];
	cJSON *req, *cmd, *reply;
	ssize_t n;

	n = recv(conn->fd, buf, CONTROL_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		control_drop(conn);
		return;
	}
	if (n > CONTROL_MSG_MAX) {
		reply = control_error("request too large");
		goto send;
	}
	buf[n] = '\0';
	req = cJSON_ParseWithLength(buf, (size_t)n);
	cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (!cJSON_IsObject(req) || !cJSON_IsString(cmd)) {
		reply = control_error("malformed request: expected a JSON object with \"cmd\"");
	} else {
		reply = c->handler(c->arg, conn->id, req, &conn->peer);
	}
	cJSON_Delete(req);
	if (reply == NULL)
		return;		/* deferred */
send:
	if (control_send(conn->fd, reply) == -1)
		control_drop(conn);
	cJSON_Delete(reply);
}

void
control_handle(struct control *c, const struct pollfd *pfds, int n)
{
	for (int k = 0; k < n; k++) {
		if (pfds[k].revents == 0)
			continue;
		if (pfds[k].fd == c->listen_fd) {
			control_accept(c);
			continue;
		}
		for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			if (c->conn[i].fd != pfds[k].fd)
				continue;
			if (pfds[k].revents & POLLIN)
				control_request_in(c, &c->conn[i]);
			else
				control_drop(&c->conn[i]);
			break;
		}
	}
}

static struct control_conn *
control_find(const struct control *c, int client)
{
	const struct control_conn *conn;

	if (client < 0)
		return NULL;
	conn = &c->conn[client % CONTROL_MAX_CLIENTS];
	if (conn->fd == -1 || conn->id != client)
		return NULL;
	return (struct control_conn *)(uintptr_t)conn;
}

int
control_client_alive(const struct control *c, int client)
{
	return control_find(c, client) != NULL;
}

int
control_reply(struct control *c, int client, cJSON *reply)
{
	struct control_conn *conn = control_find(c, client);
	int rc = -1;

	if (conn != NULL && (rc = control_send(conn->fd, reply)) == -1)
		control_drop(conn);
	cJSON_Delete(reply);
	return rc;
}
