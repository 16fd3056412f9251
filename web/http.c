/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The HTTP side of seuil-web: libmicrohttpd, TLS when a certificate is
 * given, connection limits and deadlines (conns.c), the Host check
 * (hosts.c), body caps, the security headers on every answer, and the
 * page's static files.
 *
 * Everything a request's headers decide is decided on libmicrohttpd's
 * first call, before a byte of the body is read: a wrong Host (421), no
 * session, a wrong CSRF token, an unknown route or a role that may not
 * (api_authorize), a method the page folder does not take, an announced
 * body over its cap.  A refusal is queued there, so libmicrohttpd answers
 * at once and closes the connection rather than reading the body; an
 * unauthenticated upload costs nothing but its headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "clock.h"
#include "log.h"
#include "render_json.h"
#include "web.h"

/*
 * Every answer, page or API: no framing (clickjacking of the unlock
 * button), scripts and styles only from the page itself (an injected
 * name can never run), no MIME sniffing, no Referer leaving the console.
 */
static const char csp[] = "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

static void
add_security_headers(struct MHD_Response *resp, bool tls)
{
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	if (tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

void
reply_header(struct reply *r, const char *name, const char *value)
{
	if (r->nheaders == REPLY_MAX_HEADERS)
		return;
	r->hname[r->nheaders] = strdup(name);
	r->hvalue[r->nheaders] = strdup(value);
	r->nheaders++;
}

void
reply_text(struct reply *r, unsigned status, const char *ctype, char *body, size_t len)
{
	reply_clear(r);
	r->status = status;
	r->ctype = ctype;
	r->body = body;
	r->len = len;
}

void
reply_file(struct reply *r, const char *ctype, int fd, uint64_t size)
{
	reply_clear(r);
	r->status = 200;
	r->ctype = ctype;
	r->has_file = true;
	r->file_fd = fd;
	r->file_size = size;
}

void
reply_clear(struct reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
	if (r->has_file)
		close(r->file_fd);
	r->has_file = false;
}

void
reply_json(struct reply *r, unsigned status, cJSON *j)
{
	char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (s == NULL) {
		reply_text(r, 500, "application/json", strdup("{\"error\":\"out of memory\"}"), 0);
		r->len = r->body ? strlen(r->body) : 0;
		return;
	}
	reply_text(r, status, "application/json", s, strlen(s));
}

/* {"error": text} and, with a code, "code" and "args" (an object, taken). */
static void
reply_verror(struct reply *r, unsigned status, const char *code, cJSON *args,
    const char *fmt, va_list ap)
{
	cJSON *j = cJSON_CreateObject();

	render_json_vaddf(j, "error", fmt, ap);
	if (code != NULL) {
		cJSON_AddStringToObject(j, "code", code);
		if (args == NULL)
			args = cJSON_CreateObject();
		if (!cJSON_AddItemToObject(j, "args", args))
			cJSON_Delete(args);
	}
	reply_json(r, status, j);
}

void
reply_error(struct reply *r, unsigned status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(r, status, NULL, NULL, fmt, ap);
	va_end(ap);
}

/* The error's English text for a person reading the raw API, and a code
 * with its args for the page, which words it in its own language. */
void
reply_error_code(struct reply *r, unsigned status, const char *code, cJSON *args,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(r, status, code, args, fmt, ap);
	va_end(ap);
}

/* {"NAME": n} for reply_error_code. */
cJSON *
error_arg(const char *name, double n)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddNumberToObject(a, name, n);
	return a;
}

const char *
req_arg(struct req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result
send_reply(struct web *w, struct MHD_Connection *conn, struct reply *r, bool api)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int i;

	if (r->has_file) {
		/* libmicrohttpd closes the file with the response. */
		r->has_file = false;
		if ((resp = MHD_create_response_from_fd64(r->file_size, r->file_fd)) == NULL)
			close(r->file_fd);
	} else
		resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"",
		    r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(r->body);
		r->body = NULL;
		ret = MHD_NO;
		goto out;
	}
	r->body = NULL;
	add_security_headers(resp, w->tls);
	if (r->ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	if (api)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->hname[i], r->hvalue[i]);
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
out:
	for (i = 0; i < r->nheaders; i++) {
		free(r->hname[i]);
		free(r->hvalue[i]);
	}
	r->nheaders = 0;
	return ret;
}

/* ---- static files ---- */

static const struct { const char *ext, *ctype; } ctypes[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json" },
};

/*
 * The page is one flat folder.  A name is served only if it is a plain
 * file name of [A-Za-z0-9._-] not starting with '.', with a known
 * extension: no '/', so no "..", no hidden file, no escape; and it is
 * opened relative to the folder, without following a symbolic link.
 */
static void
serve_static(struct web *w, const char *url, struct reply *r)
{
	const char *name = url[0] == '/' ? url + 1 : url, *ctype = NULL;
	size_t n = strlen(name), i, e;
	struct stat sb;
	char *buf;
	ssize_t got;
	int fd;

	if (n == 0)
		name = "index.html", n = strlen(name);
	if (n > 64 || name[0] == '.' || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		reply_text(r, 404, "text/plain; charset=utf-8", strdup("not found\n"), 10);
		return;
	}
	for (i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
		e = strlen(ctypes[i].ext);
		if (n > e && strcmp(name + n - e, ctypes[i].ext) == 0)
			ctype = ctypes[i].ctype;
	}
	if (ctype == NULL || (fd = openat(w->page_fd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		reply_text(r, 404, "text/plain; charset=utf-8", strdup("not found\n"), 10);
		return;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size > 16 * 1024 * 1024 ||
	    (buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		reply_text(r, 404, "text/plain; charset=utf-8", strdup("not found\n"), 10);
		return;
	}
	for (n = 0; n < (size_t)sb.st_size; n += (size_t)got)
		if ((got = read(fd, buf + n, (size_t)sb.st_size - n)) <= 0)
			break;
	close(fd);
	reply_text(r, 200, ctype, buf, n);
	reply_header(r, "Cache-Control", "no-cache");
}

/* ---- the access handler ---- */

static struct conn *
conn_slot(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* libmicrohttpd is done with a request (answered, or the connection
 * went): the next one on the connection has its headers to send. */
static void
req_free(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct web *w = cls;
	struct req *q = *con_cls;

	(void)toe;
	conns_set(w->conns, conn_slot(conn), CONN_HEADERS, clock_mono_ms());
	if (q == NULL)
		return;
	if (q->body != NULL) {
		explicit_bzero(q->body, q->cap);	/* may hold a password */
		free(q->body);
	}
	free(q);
	*con_cls = NULL;
}

/* A connection opens (in libmicrohttpd's listening thread) or closes
 * (before its socket is closed: conns.c relies on it). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct web *w = cls;
	const union MHD_ConnectionInfo *fd, *ad;
	char group[WEB_ADDR_GROUP_MAX];
	int dropped;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		conns_closed(w->conns, *socket_context);
		*socket_context = NULL;
		return;
	}
	fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	web_addr_group(ad != NULL ? ad->client_addr : NULL, group);
	if (fd == NULL) {
		*socket_context = NULL;
		return;
	}
	*socket_context = conns_open(w->conns, fd->connect_fd, group, clock_mono_ms(),
	    &dropped);
	if (dropped)
		log_debug("http: connection from %s: over the limits, one dropped", group);
}

static void
peer_addr(struct MHD_Connection *conn, struct req *q)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(q->addr, sizeof(q->addr), "?");
	web_addr_group(sa, q->group);
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    q->addr, (socklen_t)sizeof(q->addr));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    q->addr, (socklen_t)sizeof(q->addr));
}

/* Queue r now (the first call: libmicrohttpd then reads no body). */
static enum MHD_Result
refuse(struct web *w, struct req *q, struct reply *r)
{
	conns_set(w->conns, q->slot, CONN_BUSY, clock_mono_ms());
	return send_reply(w, q->conn, r, q->api);
}

/* libmicrohttpd's first call for a request: its headers are in. */
static enum MHD_Result
on_headers(struct web *w, struct MHD_Connection *conn, const char *url, const char *method,
    void **con_cls)
{
	struct reply r = { .status = 500 };
	struct req *q;
	const char *cl;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return MHD_NO;
	*con_cls = q;
	q->w = w;
	q->conn = conn;
	q->slot = conn_slot(conn);
	q->method = method;
	q->api = strncmp(url, "/api/v1/", 8) == 0 || strcmp(url, "/api/v1") == 0;
	q->path = q->api ? url + 7 : url;
	q->max = q->api && strcmp(q->path, "/import") == 0 ? WEB_CSV_MAX : WEB_JSON_MAX;
	conns_set(w->conns, q->slot, CONN_BODY, clock_mono_ms());
	peer_addr(conn, q);
	if (!hosts_allowed(&w->hosts,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"))) {
		if (q->api)
			reply_error_code(&r, 421, "wrong_host", NULL,
			    "this console does not answer to that Host name");
		else
			reply_text(&r, 421, "text/plain; charset=utf-8",
			    strdup("misdirected request\n"), 20);
		return refuse(w, q, &r);
	}
	if (q->api && !api_authorize(q, &r))
		return refuse(w, q, &r);
	if (!q->api && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		reply_error(&r, 405, "method not allowed");
		reply_header(&r, "Allow", "GET, HEAD");
		return refuse(w, q, &r);
	}
	/* Refuse an announced oversized body before reading it. */
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL && strtoull(cl, NULL, 10) > q->max) {
		reply_error_code(&r, 413, "too_large", error_arg("max", (double)q->max),
		    "request body too large (at most %zu bytes)", q->max);
		return refuse(w, q, &r);
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct web *w = cls;
	struct req *q = *con_cls;
	struct reply r = { .status = 500 };

	(void)version;
	if (q == NULL)
		return on_headers(w, conn, url, method, con_cls);
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!q->too_big && q->len + n > q->max)
			q->too_big = true;
		if (!q->too_big) {
			if (q->len + n + 1 > q->cap) {
				size_t cap = q->cap ? q->cap : 4096;
				char *b;

				while (cap < q->len + n + 1)
					cap *= 2;
				if ((b = realloc(q->body, cap)) == NULL) {
					q->too_big = true;
					*upload_data_size = 0;
					return MHD_YES;
				}
				q->body = b;
				q->cap = cap;
			}
			memcpy(q->body + q->len, upload_data, n);
			q->len += n;
			q->body[q->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	conns_set(w->conns, q->slot, CONN_BUSY, clock_mono_ms());
	if (q->too_big) {
		reply_error_code(&r, 413, "too_large", error_arg("max", (double)q->max),
		    "request body too large (at most %zu bytes)", q->max);
		return send_reply(w, conn, &r, true);
	}
	if (q->body == NULL && (q->body = calloc(1, 1)) != NULL)
		q->cap = 1;
	if (q->body == NULL)
		return MHD_NO;
	if (q->api)
		api_handle(q, &r);
	else if (strcmp(url, "/spaceapi.json") == 0)
		web_spaceapi(w, &r);
	else
		serve_static(w, url, &r);
	return send_reply(w, conn, &r, q->api);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

/* Read a PEM file whole (the key is wiped by the caller). */
static char *
read_pem(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	ssize_t got;
	size_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size > 1024 * 1024 ||
	    (buf = calloc(1, (size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, fd == -1 || errno ? strerror(errno) :
		    "not a regular file");
		if (fd != -1)
			close(fd);
		return NULL;
	}
	for (n = 0; n < (size_t)sb.st_size; n += (size_t)got)
		if ((got = read(fd, buf + n, (size_t)sb.st_size - n)) <= 0)
			break;
	close(fd);
	return buf;
}

int
http_start(struct web *w, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	struct MHD_OptionItem tls[] = {	/* passed from [0] with TLS, else from [3] */
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, WEB_TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};
	int on = 1, fd;
	socklen_t sl;

	if (config_web_addr(w->conf.web_listen, &ss) == -1) {
		snprintf(err, errlen, "bad listen '%s'", w->conf.web_listen);
		return -1;
	}
	if (w->conf.web_tls_cert[0] != '\0') {
		if ((cert = read_pem(w->conf.web_tls_cert, err, errlen)) == NULL ||
		    (key = read_pem(w->conf.web_tls_key, err, errlen)) == NULL) {
			free(cert);
			return -1;
		}
		flags |= MHD_USE_TLS;
		w->tls = true;
		tls[0].ptr_value = cert;
		tls[1].ptr_value = key;
	}
	if (hosts_init(&w->hosts, &w->conf, cert, err, errlen) == -1)
		goto fail;
	/* Our own socket: an exact address (IPv4 or IPv6), close-on-exec. */
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl = ss.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == -1 ||
	    listen(fd, 32) == -1) {
		snprintf(err, errlen, "listen %s: %s", w->conf.web_listen, strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	(void)sl;
	/* Our connection limits are in conns.c; libmicrohttpd's are the hard
	 * stop behind them. */
	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_HARD_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_PER_ADDRESS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, req_free, w,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
	    MHD_OPTION_ARRAY, (flags & MHD_USE_TLS) ? tls : &tls[3],
	    MHD_OPTION_END);
	if (w->mhd == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server on %s%s", w->conf.web_listen,
		    w->tls ? " (is the certificate or key bad, or GnuTLS too old for "
		    "TLS 1.3 and AEAD ciphers?)" : "");
		close(fd);
		goto fail;
	}
	/* Kept until the daemon stops: libmicrohttpd does not say it copies. */
	w->tls_cert_pem = cert;
	w->tls_key_pem = key;
	return 0;
fail:
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	return -1;
}

void
http_stop(struct web *w)
{
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	w->mhd = NULL;
	if (w->tls_key_pem != NULL)
		explicit_bzero(w->tls_key_pem, strlen(w->tls_key_pem));
	free(w->tls_key_pem);
	free(w->tls_cert_pem);
	w->tls_key_pem = w->tls_cert_pem = NULL;
}
