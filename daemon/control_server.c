/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control socket's server side (control_server.h): connections, their
 * peers and limits, requests in with their descriptor, replies out.
 */
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
#include <sys/xattr.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "control_server.h"
#include "log.h"

struct control_conn {
	int	fd;		/* -1: free slot */
	int	id;		/* changes at every accept, for deferred replies */
	bool	waiting;	/* a deferred reply is owed: not idle */
	int64_t	last_mono;	/* the last request or reply */
	struct control_peer peer;	/* read once, at accept */
};

struct control {
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		listen_fd;
	struct control_owner owner;
	struct control_conn conn[CONTROL_MAX_CLIENTS];
	int		next_id;
	int64_t		now_mono;	/* of the last control_handle */
};

/*
 * The socket's POSIX access ACL, written as the kernel's xattr
 * (system.posix_acl_access, little-endian entries sorted by tag then id):
 * the owner, the owning group and each extra group may read and write,
 * nobody else.  No libacl for forty lines.
 */
#define ACL_XATTR_VERSION	0x0002
#define ACL_TAG_USER_OBJ	0x01
#define ACL_TAG_GROUP_OBJ	0x04
#define ACL_TAG_GROUP		0x08
#define ACL_TAG_MASK		0x10
#define ACL_TAG_OTHER		0x20
#define ACL_RW			06
#define ACL_NO_ID		0xffffffffu

static unsigned char *
put_le(unsigned char *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

/* One entry: tag (2 bytes), permissions (2), id (4). */
static unsigned char *
put_entry(unsigned char *p, unsigned tag, unsigned perm, uint32_t id)
{
	return put_le(put_le(put_le(p, tag, 2), perm, 2), id, 4);
}

static int
gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static int
set_acl(const char *path, gid_t group, const gid_t *extra, int nextra, char *err,
    size_t errlen)
{
	unsigned char buf[4 + 8 * (4 + 8)], *p = buf;
	gid_t g[8];
	int ng = 0, i, k;

	for (i = 0; i < nextra && ng < 8; i++) {
		if (extra[i] == (gid_t)-1 || extra[i] == group)
			continue;
		for (k = 0; k < ng && g[k] != extra[i]; k++)
			;
		if (k == ng)
			g[ng++] = extra[i];
	}
	if (ng == 0)
		return 0;
	qsort(g, (size_t)ng, sizeof(g[0]), gid_cmp);
	p = put_le(p, ACL_XATTR_VERSION, 4);
	p = put_entry(p, ACL_TAG_USER_OBJ, ACL_RW, ACL_NO_ID);
	p = put_entry(p, ACL_TAG_GROUP_OBJ, ACL_RW, ACL_NO_ID);
	for (i = 0; i < ng; i++)
		p = put_entry(p, ACL_TAG_GROUP, ACL_RW, (uint32_t)g[i]);
	p = put_entry(p, ACL_TAG_MASK, ACL_RW, ACL_NO_ID);
	p = put_entry(p, ACL_TAG_OTHER, 0, ACL_NO_ID);
	if (lsetxattr(path, "system.posix_acl_access", buf, (size_t)(p - buf), 0) == -1) {
		snprintf(err, errlen, "%s: no access list for operate_group and admin_group "
		    "(%s): their members must also be in read_group", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct control *
control_open(const char *path, gid_t group, const gid_t *extra, int nextra,
    const struct control_owner *owner, char *acl_err, size_t acl_errlen, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct control *c;
	int probe;

	acl_err[0] = '\0';
	if (control_sockaddr(path, &sun, err, errlen) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->owner = *owner;
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
	/* Who may connect is the file's group and access list; what each may
	 * ask is decided per request from the peer's credentials. */
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
	(void)set_acl(path, group, extra, nextra, acl_err, acl_errlen);
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

	if (text != NULL && strlen(text) <= CONTROL_MSG_MAX)
		rc = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) == -1 ? -1 : 0;
	free(text);
	return rc;
}

static void
control_drop(struct control_conn *conn)
{
	close(conn->fd);
	conn->fd = -1;
	conn->waiting = false;
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

/* NULL when peer may have one more connection, else why not. */
static const char *
control_admit(const struct control *c, const struct control_peer *peer)
{
	int used = 0, mine = 0, waiting = 0, allowed;

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->conn[i].fd == -1)
			continue;
		used++;
		if (c->conn[i].peer.uid == peer->uid) {
			mine++;
			waiting += c->conn[i].waiting;
		}
	}
	if (used == CONTROL_MAX_CLIENTS)
		return "too many control connections";
	if (peer->uid == 0)
		return NULL;
	if (used >= CONTROL_MAX_CLIENTS - CONTROL_RESERVED &&
	    !c->owner.privileged(c->owner.arg, peer))
		return "too many control connections (the last ones are kept for "
		    "root and admin_group)";
	allowed = CONTROL_PER_UID + waiting;
	if (allowed > CONTROL_PER_UID_MAX)
		allowed = CONTROL_PER_UID_MAX;
	if (mine >= allowed)
		return "too many control connections from this user";
	return NULL;
}

static void
control_accept(struct control *c)
{
	struct control_peer peer;
	const char *why;
	int fd, i;

	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) != -1) {
		control_peer_read(fd, &peer);
		if ((why = control_admit(c, &peer)) != NULL) {
			cJSON *r = control_fail(CONTROL_BUSY, "%s", why);

			log_warnx("control: refused a connection of uid %ld: %s",
			    (long)peer.uid, why);
			control_send(fd, r);
			cJSON_Delete(r);
			close(fd);
			continue;
		}
		for (i = 0; c->conn[i].fd != -1; i++)
			;
		c->conn[i] = (struct control_conn){ .fd = fd, .peer = peer,
		    .last_mono = c->now_mono };
		/* Wraps instead of overflowing into negative ids. */
		c->next_id = c->next_id % (INT_MAX / CONTROL_MAX_CLIENTS - 1) + 1;
		c->conn[i].id = c->next_id * CONTROL_MAX_CLIENTS + i;
	}
}

/*
 * One message and at most one descriptor.  Every descriptor that came with
 * it beyond that, or in a truncated control message, is closed: a peer
 * cannot make seuild keep files open.  *fd is -1, the descriptor, or -2
 * when there were too many.
 */
static ssize_t
control_recv(int sock, char *buf, size_t len, int *fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
	    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;
	int got, i, nfds = 0;

	*fd = -1;
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n == -1)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			memcpy(&got, CMSG_DATA(cm) + (size_t)i * sizeof(int), sizeof(int));
			if (nfds++ == 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (nfds > 1 || (mh.msg_flags & MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -2;
	}
	return n;
}

static void
control_request_in(struct control *c, struct control_conn *conn)
{
	char buf[CONTROL_MSG_MAX + 1], err[256];
	struct control_req req;
	enum control_code code;
	cJSON *reply;
	ssize_t n;
	int fd, rc;

	n = control_recv(conn->fd, buf, CONTROL_MSG_MAX, &fd);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (fd >= 0)
			close(fd);
		control_drop(conn);
		return;
	}
	conn->last_mono = c->now_mono;
	if (conn->waiting) {
		/* One request at a time: the deferred reply comes first. */
		if (fd >= 0)
			close(fd);
		reply = control_fail(CONTROL_BUSY, "a request is still waiting for its reply");
	} else if (n > CONTROL_MSG_MAX || fd == -2) {
		if (fd >= 0)
			close(fd);
		reply = control_fail(CONTROL_INVALID, n > CONTROL_MSG_MAX ?
		    "request too large" : "at most one descriptor with a request");
	} else {
		rc = control_req_decode(buf, (size_t)n, fd, &req, &code, err, sizeof(err));
		/* The role first: a request beyond it is refused (and logged)
		 * however it is written. */
		reply = req.cmd < CONTROL_NCMDS ?
		    c->owner.refuse(c->owner.arg, req.cmd, &conn->peer) : NULL;
		if (reply == NULL && rc == -1)
			reply = control_fail(code, "%s", err);
		if (reply == NULL) {
			/* Waiting from now: a deferred reply may come before
			 * handle returns (an inline writer), and clears it. */
			conn->waiting = true;
			reply = c->owner.handle(c->owner.arg, conn->id, &req, &conn->peer);
			if (reply != NULL)
				conn->waiting = false;
		}
		control_req_clear(&req);
		if (reply == NULL)
			return;
	}
	if (control_send(conn->fd, reply) == -1)
		control_drop(conn);
	cJSON_Delete(reply);
}

void
control_handle(struct control *c, const struct pollfd *pfds, int n, int64_t now_mono)
{
	c->now_mono = now_mono;
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

void
control_tick(struct control *c, int64_t now_mono)
{
	c->now_mono = now_mono;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_conn *conn = &c->conn[i];

		if (conn->fd != -1 && !conn->waiting &&
		    now_mono - conn->last_mono >= CONTROL_IDLE_MS) {
			log_debug("control: closed a connection of uid %ld, idle",
			    (long)conn->peer.uid);
			control_drop(conn);
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

	if (conn != NULL) {
		conn->waiting = false;
		conn->last_mono = c->now_mono;
		if ((rc = control_send(conn->fd, reply)) == -1)
			control_drop(conn);
	}
	cJSON_Delete(reply);
	return rc;
}
