/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuil-web requests (web/api.c api_authorize, api_handle and the handlers
 * behind them; web/hosts.c hosts_allowed) and the login throttle
 * (web/throttle.c): what a browser, or anyone who reaches the console's
 * port, sends.  The target calls the real request handling after
 * libmicrohttpd's part (the HTTP framing is libmicrohttpd's own), on a
 * real store in a temporary file holding the two accounts the sessions
 * belong to, with libmicrohttpd's header, cookie and query lookups
 * replaced by the fuzzed ones.
 *
 * The first byte's top bit picks the mode.
 *
 * Requests (bit 7 clear): the low bits pick the method and whether the
 * session cookie and the CSRF token are right, and the session's role
 * (admin or desk; with a right cookie, bits 5 and 6 both set: a member's
 * own account); the rest, split at NUL bytes, is the path after
 * /api/v1, the body, the query string ("k=v&k2=v2") and the Host header
 * (absent: the listen address).
 * Oracle: every answer has a status among those the API documents, never
 * 500 for a request that only carries bad input; a wrong cookie is 401
 * (except /login, /logout, /me); a state change with a wrong CSRF token
 * is 403; a JSON answer parses; a Host is allowed only when its name,
 * read by a second, simpler parser, is one of the console's; a member's
 * session never gets a 2xx outside its own page (/me/…) and the open
 * paths, and a staff session never gets one on a member's page.
 *
 * Logins (bit 7 set): a sequence of login attempts against the throttle,
 * with an injected clock, four bytes each: who (bit 7 of the first: one
 * of 8 real accounts, else one of 8192 unknown names, 7 bits here and 6
 * in the third byte), the address group (8 bits and 2 of the third, so
 * that the tables can fill), the time since the previous attempt (bits
 * 0-6 of the fourth, in 250 ms) and whether the password was right (its
 * bit 7; accounts only).
 * Oracle, against a model of every attempt: no account and no name ever
 * gets a sixth failed attempt in a window (a success forgets what came
 * before it); no address group does either, while the table had room
 * for it; and a real account with no failure in the window, from an
 * address with none, is never refused.
 */
#include <string.h>

#include <microhttpd.h>

#include <arpa/inet.h>
#include <ctype.h>

#include "clock.h"
#include "config.h"
#include "fuzz.h"
#include "store.h"
#include "tz.h"
#include "web.h"
#include "web_api.h"
#include "webuser.h"

static struct web w;
static struct session admin, desk, member;
static const char *cookie, *csrf, *query;
static char admin_hash[WEBUSER_HASH_MAX], desk_hash[WEBUSER_HASH_MAX];
static char member_hash[WEBUSER_HASH_MAX];

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
	char err[256], hash[WEBUSER_HASH_MAX];
	struct manage_err merr = { .msg = "" };

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
	if (webuser_hash("fuzz admin password", hash, err, sizeof(err)) == -1 ||
	    webuser_add(w.st, "fuzzadmin", WEBUSER_ADMIN, hash, 1, "fuzz", &merr) == -1 ||
	    webuser_hash("fuzz desk password", hash, err, sizeof(err)) == -1 ||
	    webuser_add(w.st, "fuzzdesk", WEBUSER_DESK, hash, 1, "fuzz", &merr) == -1) {
		fprintf(stderr, "%s %s\n", err, merr.msg);
		abort();
	}
	/* A member with an account of their own, a badge, and a guest. */
	{
		struct member_row m = { .name = "fuzzmember", .active = true, .public = true };
		uint8_t mac[UID_MAC_LEN] = { 1 };
		struct guest_row g = { .name = "fuzzguest", .created_ms = 1, .ends_ms = 2 };
		int64_t id;

		if ((id = store_member_add(w.st, &m, 1)) == -1 ||
		    webuser_hash("fuzz member password", hash, err, sizeof(err)) == -1 ||
		    store_member_account_set(w.st, id, hash, 1) == -1 ||
		    store_badge_add(w.st, id, BADGE_UID, mac, "0101", NULL, 1) == -1 ||
		    (g.sponsor_id = id, store_guest_add(w.st, &g)) == -1) {
			fprintf(stderr, "member: %s %s\n", err, store_errmsg(w.st));
			abort();
		}
	}
	/* seuil-web's own connection is read-only, as in the program. */
	store_close(w.st);
	if ((w.st = store_open(w.conf.database, STORE_READONLY, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	snprintf(w.conf.web_listen, sizeof(w.conf.web_listen), "127.0.0.1:8443");
	if (hosts_init(&w.hosts, &w.conf, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	w.page_fd = -1;
	pthread_mutex_init(&w.lock, NULL);
	sem_init(&w.hashing, 0, WEB_HASHING);
	return 0;
}

/* Fresh sessions and throttle for every input: a /logout or failed
 * logins in one must not turn the next into a 401 or a 429.  The
 * sessions' accounts are read from the store, as at a login. */
static void
sessions(void)
{
	struct webuser u;
	char err[256];

	session_init(&w);
	throttle_free(w.throttle);
	FUZZ_ASSERT((w.throttle = throttle_new()) != NULL);
	FUZZ_ASSERT(webuser_lookup(w.st, "fuzzadmin", &u, admin_hash, err, sizeof(err)) == 1);
	FUZZ_ASSERT(session_new(&w, &u, admin_hash, &admin) == 0);
	FUZZ_ASSERT(webuser_lookup(w.st, "fuzzdesk", &u, desk_hash, err, sizeof(err)) == 1);
	FUZZ_ASSERT(session_new(&w, &u, desk_hash, &desk) == 0);
	FUZZ_ASSERT(webuser_lookup_any(w.st, "fuzzmember", &u, member_hash, err,
	    sizeof(err)) == 1 && u.role == WEBUSER_MEMBER);
	FUZZ_ASSERT(session_new(&w, &u, member_hash, &member) == 0);
}

/*
 * The Host oracle: a second parser, by other means.  The name is what
 * comes before the port ("[v6]" keeps its brackets off); it must be made
 * of host name characters, and equal to one of the console's names
 * (localhost, 127.0.0.1) ignoring case and one final dot, or be the same
 * address.
 */
static bool
host_expected(const char *host)
{
	char name[300];
	unsigned char a[16], b[16];
	const char *colon;
	size_t n, i;

	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		colon = close[1] == ':' ? close + 1 : NULL;
		n = (size_t)(close - host - 1);
		if (n >= sizeof(name))
			return false;
		memcpy(name, host + 1, n);
		name[n] = '\0';
		if (colon != NULL && (colon[1] == '\0' || strlen(colon + 1) > 5 ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1)))
			return false;
		return false;	/* no IPv6 address is the console's here */
	}
	colon = strchr(host, ':');
	n = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (n == 0 || n >= sizeof(name))
		return false;
	if (colon != NULL && (colon[1] == '\0' || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1)))
		return false;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[n] = '\0';
	if (inet_pton(AF_INET, name, a) == 1)
		return inet_pton(AF_INET, "127.0.0.1", b) == 1 && memcmp(a, b, 4) == 0;
	if (n > 1 && name[n - 1] == '.')
		name[--n] = '\0';
	return strcmp(name, "localhost") == 0;
}

/* ---- the throttle's model ---- */

#define ATTEMPTS_MAX	2048

struct attempt {
	int64_t	t;
	int	who;		/* 0..7 accounts, then unknown names */
	int	group;
	bool	failed;		/* allowed and failed */
	bool	counted;	/* its group had a counter (room in the table) */
	int64_t	forgotten;	/* a success at this time forgot it; 0 */
};

static struct attempt att[ATTEMPTS_MAX];
static int natt;

/* Failed attempts in the window of who (what a success forgot aside), or
 * from group (the uncounted ones too unless counted_only). */
static int
failures(int who, int group, int64_t now, bool counted_only)
{
	int i, n = 0;

	for (i = 0; i < natt; i++) {
		const struct attempt *a = &att[i];

		if (!a->failed || now - a->t >= WEB_LOGIN_WINDOW_MS)
			continue;
		if ((who >= 0 && a->who == who && a->forgotten == 0) ||
		    (group >= 0 && a->group == group && (!counted_only || a->counted)))
			n++;
	}
	return n;
}

/* Address groups with a failure in the window, this one aside. */
static int
live_groups(int group, int64_t now)
{
	static bool seen[1024];
	int i, n = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < natt; i++)
		if (att[i].failed && att[i].counted && now - att[i].t < WEB_LOGIN_WINDOW_MS &&
		    att[i].group != group && !seen[att[i].group]) {
			seen[att[i].group] = true;
			n++;
		}
	return n;
}

static void
fuzz_logins(const uint8_t *data, size_t size)
{
	struct throttle *t = throttle_new();
	int64_t now = 1000000;
	char group[WEB_ADDR_GROUP_MAX], name[32];
	size_t k;
	int i;

	FUZZ_ASSERT(t != NULL);
	natt = 0;
	for (k = 1; k + 4 <= size && natt < ATTEMPTS_MAX; k += 4) {
		int who = data[k] & 0x80 ? data[k] & 7 :
		    8 + ((data[k] & 0x7f) | (data[k + 2] & 0xfc) << 5);
		int g = data[k + 1] | (data[k + 2] & 3) << 8;
		bool real = who < 8, right = real && (data[k + 3] & 0x80);
		bool owner, room;
		int wait;

		now += (data[k + 3] & 0x7f) * 250;
		snprintf(group, sizeof(group), "10.0.%d.%d", g >> 8, g & 255);
		snprintf(name, sizeof(name), real ? "acc%d" : "ghost%d", who);
		owner = real && failures(who, -1, now, false) == 0 &&
		    failures(-1, g, now, false) == 0;
		room = live_groups(g, now) < 256;
		wait = throttle_begin(t, real ? name : NULL, name, group, now);
		FUZZ_ASSERT(wait >= 0 && wait <= WEB_LOGIN_WINDOW_MS / 1000);
		if (owner)
			FUZZ_ASSERT(wait == 0);
		if (wait > 0)
			continue;
		FUZZ_ASSERT(failures(who, -1, now, false) < WEB_LOGIN_FAILURES);
		if (room)
			FUZZ_ASSERT(failures(-1, g, now, true) < WEB_LOGIN_FAILURES);
		att[natt] = (struct attempt){ .t = now, .who = who, .group = g, .failed = !right,
		    .counted = room };
		natt++;
		if (right) {
			throttle_success(t, name, group, now);
			for (i = 0; i < natt; i++)
				if (att[i].who == who && att[i].t <= now && att[i].forgotten == 0)
					att[i].forgotten = now;
		}
	}
	throttle_free(t);
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
	char *buf, *parts[4], *p;
	bool good_cookie, good_csrf, open_path, authorized;
	const char *host;

	if (size < 1 || size > 8192)
		return -1;
	if (data[0] & 0x80) {
		fuzz_logins(data, size);
		return 0;
	}
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (int i = 0, k = 0; i < 4; i++) {
		parts[i] = buf + k;
		p = memchr(buf + k, '\0', size - (size_t)k);
		k = p != NULL && p < buf + size - 1 ? (int)(p - buf) + 1 : (int)(size - 1);
	}
	sessions();
	good_cookie = !(data[0] & 0x08);
	s = good_cookie && (data[0] & 0x60) == 0x60 ? &member : data[0] & 0x40 ? &desk : &admin;
	good_csrf = !(data[0] & 0x10);
	cookie = good_cookie ? s->token : data[0] & 0x20 ? "" : parts[2];
	csrf = good_csrf ? s->csrf : parts[2];
	query = parts[2];
	host = parts[3][0] != '\0' ? parts[3] : "127.0.0.1:8443";
	FUZZ_ASSERT(hosts_allowed(&w.hosts, host) == host_expected(host));

	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	q.w = &w;
	q.method = methods[data[0] & 7];
	q.path = parts[0];
	q.body = parts[1];
	q.len = strlen(parts[1]);
	q.api = true;
	snprintf(q.addr, sizeof(q.addr), "127.0.0.1");
	snprintf(q.group, sizeof(q.group), "127.0.0.1");
	/* As http.c does: authorized from the headers, then handled once
	 * the body is in. */
	if ((authorized = api_authorize(&q, &r)))
		api_handle(&q, &r);

	open_path = strcmp(q.path, "/login") == 0 || strcmp(q.path, "/logout") == 0 ||
	    strcmp(q.path, "/me") == 0;
	if (!status_known(r.status))
		fprintf(stderr, "%s %s -> %u %.*s\n", q.method, q.path, r.status,
		    (int)r.len, r.body ? r.body : "");
	FUZZ_ASSERT(status_known(r.status));
	if (!open_path && !good_cookie && strcmp(cookie, s->token) != 0)
		FUZZ_ASSERT(r.status == 401 && !authorized);
	if (!open_path && good_cookie && !good_csrf && strcmp(q.method, "GET") != 0 &&
	    strcmp(q.method, "HEAD") != 0 && strcmp(csrf, s->csrf) != 0)
		FUZZ_ASSERT(r.status == 403 && !authorized);
	/* A member's account sees its own page and nothing else; a staff
	 * account never a member's page. */
	if (!open_path && r.status >= 200 && r.status < 300)
		FUZZ_ASSERT((s == &member) == (strncmp(q.path, "/me/", 4) == 0));
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
