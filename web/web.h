/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuil-web's private header: the server's context and the functions of
 * each file, grouped as in OpenBSD's ntpd.h.
 *
 * Threads: libmicrohttpd runs one thread per connection (conns.c says how
 * many).  A request may wait for seconds on the control socket (an
 * enrolment waits for a tap), and a thread of its own keeps that wait
 * from stalling every other page; everything shared (the store, the
 * sessions, the login throttle) is used under w->lock, never held across
 * a control request.  The connection table has its own lock (conns.c),
 * never taken with w->lock held.
 */
#ifndef SEUIL_WEB_H
#define SEUIL_WEB_H

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "config.h"
#include "store.h"
#include "webuser.h"

#define WEB_MAX_CONNECTIONS	32	/* then a new one drops a slow one */
#define WEB_HARD_CONNECTIONS	48	/* libmicrohttpd's own limit */
#define WEB_PER_ADDRESS		8	/* from one address (IPv6: one /64) */
#define WEB_HEADERS_S		10	/* to send a request's headers */
#define WEB_BODY_S		30	/* then its body */
#define WEB_CONN_TIMEOUT_S	30	/* idle */
#define WEB_JSON_MAX		(64 * 1024)		/* docs/design.md, Console API */
#define WEB_CSV_MAX		(5 * 1024 * 1024)
#define WEB_MAX_SESSIONS	64
#define WEB_TOKEN_HEX		64			/* 256 random bits */
#define WEB_LOGIN_FAILURES	5			/* more in the window: 429 */
#define WEB_LOGIN_WINDOW_MS	60000
#define WEB_LOGIN_GLOBAL	100	/* failed logins in the window, all told */
#define WEB_HASHING		2	/* password checks at once (16 MiB each) */
#define WEB_ADDR_GROUP_MAX	52	/* "2001:db8:1:2::/64", or an account name */
/* TLS 1.2 and 1.3 only, AEAD ciphers only, forward-secret key exchange
 * (GnuTLS priority string; docs/security.md says why). */
#define WEB_TLS_PRIORITIES	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:" \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

struct session {
	bool			used;
	char			token[WEB_TOKEN_HEX + 1];
	char			csrf[WEB_TOKEN_HEX + 1];
	char			user[WEBUSER_NAME_MAX + 1];
	enum webuser_role	role;
	int64_t			member_id;	/* a member's session: who */
	bool			pending;	/* a member signed in by a code: a
						 * password to set before anything */
	unsigned char		hash_id[32];	/* SHA-256 of the account's hash */
	int64_t			created_ms;	/* monotonic */
	int64_t			last_ms;
};

/* The names a request's Host may give (hosts.c). */
struct web_hosts {
	char	name[CONFIG_HOST_NAMES_MAX + 8][CONFIG_HOST_NAME_MAX + 1];
	int	n;
	bool	any_address;	/* listening on every address: any numeric one */
};

struct web {
	struct config	 conf;
	char		 page_dir[PATH_MAX];
	int		 page_fd;
	bool		 tls;
	struct MHD_Daemon *mhd;
	char		*tls_cert_pem, *tls_key_pem;
	struct web_hosts hosts;
	struct conns	*conns;		/* its own lock */
	sem_t		 hashing;	/* WEB_HASHING password checks at once */
	pthread_mutex_t	 lock;		/* everything below */
	struct store	*st;
	struct session	 sessions[WEB_MAX_SESSIONS];
	struct throttle	*throttle;
};

struct route;
struct conn;

/* A request as the API sees it: the method, the path after /api/v1, the
 * body (NUL-terminated), the peer's address and its group (throttle.c)
 * and, once authorized (api_authorize), the session's user and role and
 * the route. */
struct req {
	struct web		*w;
	struct MHD_Connection	*conn;
	struct conn		*slot;		/* conns.c; NULL outside the server */
	const char		*method;
	const char		*path;
	char			*body;
	size_t			 len, cap, max;
	bool			 too_big;
	bool			 api;
	char			 addr[64];
	char			 group[WEB_ADDR_GROUP_MAX];
	const struct route	*route;
	char			 user[WEBUSER_NAME_MAX + 1];
	char			 actor[WEBUSER_NAME_MAX + 8];	/* "web:NAME", "member:ID" */
	enum webuser_role	 role;
	int64_t			 member_id;	/* a member's session */
	bool			 pending;	/* its password not yet set */
	char			 token[WEB_TOKEN_HEX + 1];	/* the session's */
};

/* What a handler answers.  body is malloc'd (or NULL); or, with has_file,
 * file_size bytes of the open file_fd, which the reply owns (a backup's
 * download: too big to hold in memory); headers are pairs. */
#define REPLY_MAX_HEADERS	4
struct reply {
	unsigned	 status;
	char		*body;
	size_t		 len;
	bool		 has_file;
	int		 file_fd;
	uint64_t	 file_size;
	const char	*ctype;
	char		*hname[REPLY_MAX_HEADERS];
	char		*hvalue[REPLY_MAX_HEADERS];
	int		 nheaders;
};

/* http.c */
int	 http_start(struct web *w, char *err, size_t errlen);
void	 http_stop(struct web *w);
void	 reply_header(struct reply *r, const char *name, const char *value);
/* r takes j (deleted here). */
void	 reply_json(struct reply *r, unsigned status, cJSON *j);
void	 reply_error(struct reply *r, unsigned status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 reply_error_code(struct reply *r, unsigned status, const char *code, cJSON *args,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
cJSON	*error_arg(const char *name, double n);
void	 reply_text(struct reply *r, unsigned status, const char *ctype, char *body, size_t len);
/* r takes fd, a regular file of size bytes, sent as the body. */
void	 reply_file(struct reply *r, const char *ctype, int fd, uint64_t size);
/* Close what r still holds (a file not sent). */
void	 reply_clear(struct reply *r);
const char *req_arg(struct req *q, const char *name);

/* hosts.c */
/* h from conf's [web] host_names, or the defaults: localhost, the listen
 * address and the names in the certificate (cert_pem, NULL without TLS).
 * 0, or -1 with err. */
int	 hosts_init(struct web_hosts *h, const struct config *conf, const char *cert_pem,
	    char *err, size_t errlen);
/* Whether a request's Host header (NULL: none) names this console. */
bool	 hosts_allowed(const struct web_hosts *h, const char *host);

/* conns.c: the connection table (its own lock, never w->lock) */
enum conn_state { CONN_HEADERS, CONN_BODY, CONN_BUSY };
struct conns *conns_new(void);
void	 conns_free(struct conns *cs);
/* A new connection on fd from group: its slot.  *dropped is 1 when it
 * or an older, slow one was shut down to keep the limits. */
struct conn *conns_open(struct conns *cs, int fd, const char *group, int64_t now,
	    int *dropped);
void	 conns_set(struct conns *cs, struct conn *c, enum conn_state state, int64_t now);
void	 conns_closed(struct conns *cs, struct conn *c);
/* Shut down the connections past their deadline: how many. */
int	 conns_reap(struct conns *cs, int64_t now);

/* session.c */
void	 session_init(struct web *w);
/* Under w->lock.  A new session for u, whose stored hash is hash: its
 * token and csrf in *out. */
int	 session_new(struct web *w, const struct webuser *u, const char *hash,
	    struct session *out);
/* Under w->lock.  The live session of token in *out: 1; 0 when there is
 * none, it expired, or its account is gone or changed role or password
 * since the login (the session is then ended); -1 when the store cannot
 * say (the session is kept). */
int	 session_find(struct web *w, const char *token, struct session **out);
/* Under w->lock.  The member of session token set a new password (hash):
 * that session goes on, without its pending mark; their others end at
 * their next request (the hash changed). */
void	 session_rehash(struct web *w, const char *token, const char *hash);
int	 random_hex(char *out, size_t nbytes);
bool	 token_eq(const char *a, const char *b);

/* throttle.c: the login throttle, under w->lock, with the caller's
 * monotonic clock */
struct throttle *throttle_new(void);
void	 throttle_free(struct throttle *t);
/*
 * A login attempt begins: account is the name when it is a real account
 * (else NULL, and name is what was typed, or a stand-in), group the
 * client's address group.  0: go on, the attempt is counted as a failure
 * until throttle_success says otherwise; else the seconds to wait (429).
 */
int	 throttle_begin(struct throttle *t, const char *account, const char *name,
	    const char *group, int64_t now);
/* The attempt that began at began succeeded. */
void	 throttle_success(struct throttle *t, const char *account, const char *group,
	    int64_t began);
struct sockaddr;
/* The client an address stands for: an IPv4 address, or the /64 of an
 * IPv6 one (an IPv4-mapped one is its IPv4 address); "?" if neither. */
void	 web_addr_group(const struct sockaddr *sa, char out[WEB_ADDR_GROUP_MAX]);

/* api.c */
/*
 * Before the body is read: the session (401), the CSRF token of a state
 * change (403), the route (404, 405) and its role (403).  true to read the
 * body and go on; false with the refusal in r.  /login, /logout and /me
 * pass (they check for themselves).
 */
bool	 api_authorize(struct req *q, struct reply *r);
/* Answer an authorized /api/v1 request (path after /api/v1). */
void	 api_handle(struct req *q, struct reply *r);

/* api_live.c: /spaceapi.json, outside the API (no session) */
void	 web_spaceapi(struct web *w, struct reply *r);

#endif
