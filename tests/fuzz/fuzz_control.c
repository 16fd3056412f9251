/*
 * Control socket requests (daemon/control_server.c): any local process
 * that can connect to the socket sends these.  The target runs the real
 * server on a real SOCK_SEQPACKET socket, with a stub handler in place of
 * seuild's: the server is what reads the untrusted bytes (message size,
 * JSON parsing, the "cmd" check, framing and sending replies, deferred
 * replies); the handler only sees a parsed object with a string "cmd", and
 * seuild's handler needs a whole daemon (store, doors, presence).  The
 * stub echoes the cmd back, so replies of every size and content are
 * built and sent, and defers the reply to "enroll" as seuild does.
 * Oracle: a message over CONTROL_MSG_MAX gets "request too large"; the
 * handler is called exactly when the message is a JSON object with a
 * string "cmd"; every reply is a JSON object with a boolean "ok";
 * nothing leaks or crashes when the client goes away with a reply pending.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control_server.h"
#include "fuzz.h"

static struct control *ctl;
static char sock_path[256];
static int handled, deferred_client = -1;
static size_t reply_len;	/* of the last stub reply, printed */

static cJSON *
stub_handler(void *arg, int client, const cJSON *req, const struct control_peer *peer)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	cJSON *r;

	(void)arg;
	FUZZ_ASSERT(cJSON_IsObject(req) && cJSON_IsString(cmd) && peer != NULL);
	FUZZ_ASSERT(peer->uid == getuid());
	handled++;
	if (strcmp(cmd->valuestring, "enroll") == 0) {
		deferred_client = client;
		return NULL;
	}
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddStringToObject(r, "cmd", cmd->valuestring);
	{
		char *text = cJSON_PrintUnformatted(r);

		reply_len = text != NULL ? strlen(text) : 0;
		cJSON_free(text);
	}
	return r;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	snprintf(sock_path, sizeof(sock_path), "%s/c.sock", fuzz_tmpdir());
	if ((ctl = control_open(sock_path, (gid_t)-1, stub_handler, NULL, err,
	    sizeof(err))) == NULL) {
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
		control_handle(ctl, pfds, n);
}

static void
check_reply(const char *buf, ssize_t n)
{
	cJSON *r = cJSON_ParseWithLength(buf, (size_t)n);

	FUZZ_ASSERT(cJSON_IsObject(r));
	FUZZ_ASSERT(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r, "ok")));
	cJSON_Delete(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CONTROL_MSG_MAX + 64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, want;
	ssize_t n;
	cJSON *req;

	if (size > CONTROL_MSG_MAX + 16 || size == 0)
		return -1;
	req = cJSON_ParseWithLength((const char *)data, size);
	want = size <= CONTROL_MSG_MAX && cJSON_IsObject(req) &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "cmd"));
	cJSON_Delete(req);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_ASSERT(fd != -1 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	serve();	/* accept */
	FUZZ_ASSERT(send(fd, data, size, 0) == (ssize_t)size);
	handled = 0;
	deferred_client = -1;
	serve();	/* the request */
	FUZZ_ASSERT(handled == want);
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
			    control_error("timeout")) == -1);
			return 0;
		}
		FUZZ_ASSERT(control_reply(ctl, deferred_client, control_error("timeout")) == 0);
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
	return 0;
}
