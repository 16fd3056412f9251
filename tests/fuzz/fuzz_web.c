/*
 * seuil-web requests (web/api.c api_handle and the handlers behind it):
 * what a browser, or anyone who reaches the console's port, sends.  The
 * target calls the real request handling after libmicrohttpd's part (the
 * HTTP framing is libmicrohttpd's own), on a real store in a temporary
 * file, with libmicrohttpd's header, cookie and query lookups replaced by
 * the fuzzed ones.  Input: the first byte picks the method and whether the
 * session cookie and the CSRF token are right, and the session's role
 * (admin or desk); the rest, split at NUL bytes, is the path after
 * /api/v1, the body, and the query string ("k=v&k2=v2").
 * Oracle: every answer has a status among those the API documents, never
 * 500 for a request that only carries bad input; a wrong cookie is 401
 * (except /login, /logout, /me); a state change with a wrong CSRF token
 * is 403; a JSON answer parses.
 */
#include <string.h>

#include <microhttpd.h>

#include "config.h"
#include "fuzz.h"
#include "store.h"
#include "tz.h"
#include "web.h"
#include "web_api.h"
#include "webuser.h"

static struct web w;
static struct session admin, desk;
static const char *cookie, *csrf, *query;

/* libmicrohttpd's lookups, answered from the fuzzed request (this
 * definition in the executable takes the place of the library's). */
const char *
MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
    const char *key)
{
	static char val[512];
	const char *p, *amp, *eq;
	size_t klen = strlen(key);

	(void)connection;
	if (kind == MHD_COOKIE_KIND)
		return strcmp(key, "seuil_session") == 0 ? cookie : NULL;
	if (kind == MHD_HEADER_KIND)
		return strcasecmp(key, "X-CSRF-Token") == 0 ? csrf : NULL;
	if (kind != MHD_GET_ARGUMENT_KIND || query == NULL)
		return NULL;
	for (p = query; *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if ((size_t)((eq ? eq : amp) - p) == klen && memcmp(p, key, klen) == 0) {
			if (eq == NULL)
				return "";
			snprintf(val, sizeof(val), "%.*s", (int)(amp - eq - 1), eq + 1);
			return val;
		}
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	config_defaults(&w.conf);
	snprintf(w.conf.database, sizeof(w.conf.database), "%s/web.db", fuzz_tmpdir());
	snprintf(w.conf.control_socket, sizeof(w.conf.control_socket), "%s/none.sock",
	    fuzz_tmpdir());
	if (tz_set("Europe/Paris", err, sizeof(err)) == -1 ||
	    (w.st = store_open(w.conf.database, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	w.page_fd = -1;
	pthread_mutex_init(&w.lock, NULL);
	return 0;
}

/* Fresh sessions for every input: a /logout in one must not turn the
 * next into a 401. */
static void
sessions(void)
{
	struct webuser u;

	session_init(&w);
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "fuzzadmin");
	u.role = WEBUSER_ADMIN;
	FUZZ_ASSERT(session_new(&w, &u, &admin) == 0);
	snprintf(u.name, sizeof(u.name), "fuzzdesk");
	u.role = WEBUSER_DESK;
	FUZZ_ASSERT(session_new(&w, &u, &desk) == 0);
}

static int
status_known(unsigned s)
{
	static const unsigned ok[] = { 200, 201, 202, 204, 400, 401, 403, 404, 405, 409,
	    413, 415, 422, 429, 503 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (s == ok[i])
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
	    "GET", "POST" };
	const struct session *s;
	struct reply r;
	struct req q;
	char *buf, *parts[3], *p;
	bool good_cookie, good_csrf, open_path;

	if (size < 1 || size > 8192)
		return -1;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (int i = 0, k = 0; i < 3; i++) {
		parts[i] = buf + k;
		p = memchr(buf + k, '\0', size - (size_t)k);
		k = p != NULL && p < buf + size - 1 ? (int)(p - buf) + 1 : (int)(size - 1);
	}
	sessions();
	s = data[0] & 0x40 ? &desk : &admin;
	good_cookie = !(data[0] & 0x08);
	good_csrf = !(data[0] & 0x10);
	cookie = good_cookie ? s->token : data[0] & 0x20 ? "" : parts[2];
	csrf = good_csrf ? s->csrf : parts[2];
	query = parts[2];

	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	q.w = &w;
	q.method = methods[data[0] & 7];
	q.path = parts[0];
	q.body = parts[1];
	q.len = strlen(parts[1]);
	q.api = true;
	snprintf(q.addr, sizeof(q.addr), "127.0.0.1");
	api_handle(&q, &r);

	open_path = strcmp(q.path, "/login") == 0 || strcmp(q.path, "/logout") == 0 ||
	    strcmp(q.path, "/me") == 0;
	if (!status_known(r.status))
		fprintf(stderr, "%s %s -> %u %.*s\n", q.method, q.path, r.status,
		    (int)r.len, r.body ? r.body : "");
	FUZZ_ASSERT(status_known(r.status));
	if (!open_path && !good_cookie && strcmp(cookie, s->token) != 0)
		FUZZ_ASSERT(r.status == 401);
	if (!open_path && good_cookie && !good_csrf && strcmp(q.method, "GET") != 0 &&
	    strcmp(q.method, "HEAD") != 0 && strcmp(csrf, s->csrf) != 0)
		FUZZ_ASSERT(r.status == 403);
	if (r.body != NULL && r.ctype != NULL && strstr(r.ctype, "json") != NULL) {
		cJSON *j = cJSON_ParseWithLength(r.body, r.len);

		FUZZ_ASSERT(j != NULL);
		cJSON_Delete(j);
	}
	free(r.body);
	for (int i = 0; i < r.nheaders; i++) {
		free(r.hname[i]);
		free(r.hvalue[i]);
	}
	free(buf);
	return 0;
}
