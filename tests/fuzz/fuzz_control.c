/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Control socket requests (daemon/control_server.c and core/control.c):
 * any local process that can connect to the socket sends these, with or
 * without descriptors.  The target runs the real server on a real
 * SOCK_SEQPACKET socket, with stub owner callbacks in place of seuild's
 * (whose handler needs a whole daemon: fuzz_control_requests.c has it):
 * the server reads the untrusted bytes and descriptors, core decodes them.
 *
 * An input is one byte that says what comes with the message, then the
 * message: 0 nothing; 1 a sealed memfd holding the message again (an
 * import's payload); 2 the same memfd unsealed; 3 a pipe; 4 two sealed
 * memfds.  The stub handler reads an import's payload as seuild does,
 * echoes the command back (replies of every size are built and sent), and
 * defers the reply to "enrol" as seuild does.
 *
 * Oracle: a message over CONTROL_MSG_MAX gets "request too large"; the
 * handler is called exactly when core's decoder accepts the message with
 * its descriptor (as decoded here again) and the refuse callback let it
 * through (it refuses "purge", to cover that path); an import's payload is
 * readable exactly when it came as one sealed memfd; every reply is a JSON
 * object with a boolean "ok" and, when false, a known "code"; no
 * descriptor is left open in the server, and nothing leaks or crashes when
 * the client goes away with a reply pending.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control_server.h"
#include "fuzz.h"

static struct control *ctl;
static char sock_path[256];
static int handled, refused, deferred_client = -1, payload_ok;
static size_t reply_len;	/* of the last stub reply, printed */

static cJSON *
stub_refuse(void *arg, enum control_cmd cmd, const struct control_peer *peer)
{
	(void)arg;
	FUZZ_ASSERT(cmd < CONTROL_NCMDS && peer != NULL && peer->uid == getuid());
	if (cmd != CONTROL_PURGE)
		return NULL;
	refused++;
	return control_fail(CONTROL_PERMISSION, "permission denied: the fuzzer's");
}

static cJSON *
stub_handler(void *arg, int client, struct control_req *req, const struct control_peer *peer)
{
	char err[128], *data;
	size_t len;
	cJSON *r;

	(void)arg;
	FUZZ_ASSERT(req->cmd < CONTROL_NCMDS && peer != NULL && peer->uid == getuid());
	handled++;
	if (req->cmd == CONTROL_IMPORT) {
		payload_ok = control_payload_read(req->fd, CONTROL_PAYLOAD_MAX, &data, &len, err,
		    sizeof(err)) == 0;
		if (payload_ok)
			free(data);
	}
	if (req->cmd == CONTROL_ENROL) {
		deferred_client = client;
		return NULL;
	}
	r = control_ok();
	cJSON_AddStringToObject(r, "cmd", control_cmd_name(req->cmd));
	if (req->member_name != NULL)
		cJSON_AddStringToObject(r, "member", req->member_name);
	{
		char *text = cJSON_PrintUnformatted(r);

		reply_len = text != NULL ? strlen(text) : 0;
		cJSON_free(text);
	}
	return r;
}

static bool
privileged(void *arg, const struct control_peer *peer)
{
	(void)arg;
	(void)peer;
	return true;
}

static int
count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	FUZZ_ASSERT(dir != NULL);
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct control_owner owner = { stub_refuse, stub_handler, privileged,
	    NULL };
	char err[256], acl_err[256];

	(void)argc;
	(void)argv;
	snprintf(sock_path, sizeof(sock_path), "%s/c.sock", fuzz_tmpdir());
	if ((ctl = control_open(sock_path, (gid_t)-1, NULL, 0, &owner, acl_err,
	    sizeof(acl_err), err, sizeof(err))) == NULL) {
		fprintf(stderr, "control_open: %s\n", err);
		abort();
	}
	return 0;
}

/* Let the server handle whatever is ready. */
static void
serve(void)
{
	struct pollfd pfds[CONTROL_MAX_CLIENTS + 1];
	int n = control_pollfds(ctl, pfds, CONTROL_MAX_CLIENTS + 1);

	if (poll(pfds, (nfds_t)n, 0) > 0)
		control_handle(ctl, pfds, n, 0);
}

static void
check_reply(const char *buf, ssize_t n)
{
	cJSON *r = cJSON_ParseWithLength(buf, (size_t)n);
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");

	FUZZ_ASSERT(cJSON_IsObject(r));
	FUZZ_ASSERT(cJSON_IsBool(ok));
	if (cJSON_IsFalse(ok))
		FUZZ_ASSERT(control_code_lookup(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "code"))) > CONTROL_OK);
	cJSON_Delete(r);
}

/* The descriptors of mode for message data; n of them in fds. */
static int
make_fds(int mode, const uint8_t *data, size_t size, int fds[2])
{
	char err[128];
	int p[2];

	switch (mode) {
	case 1:
	case 4:
		fds[0] = control_payload_fd((const char *)data, size, err, sizeof(err));
		FUZZ_ASSERT(fds[0] != -1);
		if (mode == 1)
			return 1;
		fds[1] = dup(fds[0]);
		return 2;
	case 2:
		fds[0] = memfd_create("unsealed", MFD_CLOEXEC);
		FUZZ_ASSERT(fds[0] != -1 && write(fds[0], data, size) == (ssize_t)size);
		return 1;
	case 3:
		FUZZ_ASSERT(pipe2(p, O_CLOEXEC) == 0);
		close(p[1]);
		fds[0] = p[0];
		return 1;
	default:
		return 0;
	}
}

static void
send_with(int sock, const uint8_t *data, size_t size, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	FUZZ_ASSERT(sendmsg(sock, &mh, 0) == (ssize_t)size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CONTROL_MSG_MAX + 64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control_req req;
	enum control_code code;
	char err[256];
	int fd, fds[2] = { -1, -1 }, nfds, mode, want, decoded, before, i, probe;
	ssize_t n;

	if (size < 2 || size > CONTROL_MSG_MAX + 17)
		return -1;
	mode = data[0] % 5;
	data++, size--;
	before = count_fds();
	nfds = make_fds(mode, data, size, fds);

	/* What the server should make of it: core's decoder, on a copy of
	 * the descriptor (the decoder takes it). */
	control_req_init(&req, CONTROL_STATUS);
	decoded = 0;
	if (nfds <= 1 && size <= CONTROL_MSG_MAX) {
		probe = nfds == 1 ? dup(fds[0]) : -1;
		decoded = control_req_decode((const char *)data, size, probe, &req, &code, err,
		    sizeof(err)) == 0;
	}
	want = decoded && req.cmd != CONTROL_PURGE;
	control_req_clear(&req);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_ASSERT(fd != -1 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	serve();	/* accept */
	send_with(fd, data, size, fds, nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	handled = refused = 0;
	payload_ok = -1;
	deferred_client = -1;
	serve();	/* the request */
	FUZZ_ASSERT(handled == want);
	if (want && payload_ok != -1)
		FUZZ_ASSERT(payload_ok == (mode == 1));
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (deferred_client != -1) {
		FUZZ_ASSERT(n == -1);	/* nothing yet */
		FUZZ_ASSERT(control_client_alive(ctl, deferred_client));
		/* Every other odd input: the client leaves before the reply. */
		if (size % 2 == 1) {
			close(fd);
			serve();
			FUZZ_ASSERT(!control_client_alive(ctl, deferred_client));
			FUZZ_ASSERT(control_reply(ctl, deferred_client,
			    control_fail(CONTROL_TIMEOUT, "timeout")) == -1);
			FUZZ_ASSERT(count_fds() == before);
			return 0;
		}
		FUZZ_ASSERT(control_reply(ctl, deferred_client,
		    control_fail(CONTROL_TIMEOUT, "timeout")) == 0);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		FUZZ_ASSERT(n > 0);
	}
	if (n > 0) {
		check_reply(buf, n);
		if (size > CONTROL_MSG_MAX)
			FUZZ_ASSERT(strstr(buf, "request too large") != NULL);
	} else {
		/* No reply only when the echo would not fit in a message. */
		FUZZ_ASSERT(want && deferred_client == -1 && reply_len >= CONTROL_MSG_MAX);
	}
	close(fd);
	serve();	/* the server sees the hang-up and frees the slot */
	FUZZ_ASSERT(count_fds() == before);
	return 0;
}
