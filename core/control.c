#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

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
	strcpy(sun->sun_path, path);
	return 0;
}

cJSON *
control_error(const char *msg)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", 0);
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

int
control_request(const char *path, const char *request, char *reply, size_t replylen,
    int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	ssize_t n;
	int fd, saved;

	if (control_sockaddr(path, &sun, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) == -1)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	switch (poll(&pfd, 1, timeout_ms)) {
	case -1:
		goto fail;
	case 0:
		errno = ETIMEDOUT;
		goto fail;
	}
	if ((n = recv(fd, reply, replylen - 1, 0)) <= 0) {
		if (n == 0)
			errno = ECONNRESET;
		goto fail;
	}
	reply[n] = '\0';
	close(fd);
	return 0;
fail:
	saved = errno;
	snprintf(err, errlen, "control socket %s: %s", path, strerror(saved));
	if (fd != -1)
		close(fd);
	errno = saved;
	return -1;
}
