/*
 * seuil-web's private header: the server's context and the functions of
 * each file, grouped as in OpenBSD's ntpd.h.
 *
 * Threads: libmicrohttpd runs one thread per connection (at most
 * WEB_MAX_CONNECTIONS).  A request may wait for seconds on the control
 * socket (an enrolment waits for a tap), and a thread of its own keeps
 * that wait from stalling every other page; everything shared (the
 * store, the sessions, the login throttle) is used under w->lock, never
 * held across a control request.
 */
#ifndef SEUIL_WEB_H
#define SEUIL_WEB_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "config.h"
#include "store.h"
#include "webuser.h"

#define WEB_MAX_CONNECTIONS	32
#define WEB_CONN_TIMEOUT_S	30
#define WEB_JSON_MAX		(64 * 1024)		/* DESIGN §10 */
#define WEB_CSV_MAX		(5 * 1024 * 1024)
#define WEB_MAX_SESSIONS	64
#define WEB_TOKEN_HEX		64			/* 256 random bits */
#define WEB_LOGIN_FAILURES	5			/* more in the window: 429 */
#define WEB_LOGIN_WINDOW_MS	60000

struct session {
	bool			used;
	char			token[WEB_TOKEN_HEX + 1];
	char			csrf[WEB_TOKEN_HEX + 1];
	char			user[WEBUSER_NAME_MAX + 1];
	enum webuser_role	role;
	int64_t			created_ms;	/* monotonic */
	int64_t			last_ms;
};

struct web {
	struct config	 conf;
	char		 page_dir[PATH_MAX];
	int		 page_fd;
	bool		 tls;
	struct MHD_Daemon *mhd;
	char		*tls_cert_pem, *tls_key_pem;
	pthread_mutex_t	 lock;		/* everything below */
	struct store	*st;
	struct session	 sessions[WEB_MAX_SESSIONS];
};

/* A request as the API sees it: the method, the path after /api/v1, the
 * body (NUL-terminated), the peer's address and, once authenticated, the
 * session's user and role. */
struct req {
	struct web		*w;
	struct MHD_Connection	*conn;
	const char		*method;
	const char		*path;
	char			*body;
	size_t			 len, cap, max;
	bool			 too_big;
	bool			 api;
	char			 addr[64];
	char			 user[WEBUSER_NAME_MAX + 1];
	char			 actor[WEBUSER_NAME_MAX + 8];	/* "web:NAME" */
	enum webuser_role	 role;
};

/* What a handler answers.  body is malloc'd (or NULL); headers are pairs. */
#define REPLY_MAX_HEADERS	4
struct reply {
	unsigned	 status;
	char		*body;
	size_t		 len;
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
const char *req_arg(struct req *q, const char *name);

/* session.c */
void	 session_init(struct web *w);
/* Under w->lock.  A new session for u: its token and csrf in *out. */
int	 session_new(struct web *w, const struct webuser *u, struct session *out);
/* Under w->lock.  The live session of token (expired ones are dropped),
 * or NULL. */
struct session *session_find(struct web *w, const char *token);
/* Under w->lock.  Seconds to wait when user or addr failed too often
 * lately, else 0; and recording a failure. */
int	 throttle_wait(const char *user, const char *addr);
void	 throttle_fail(const char *user, const char *addr);
void	 throttle_reset(const char *user);
int	 random_hex(char *out, size_t nbytes);
bool	 token_eq(const char *a, const char *b);

/* api.c */
/* Answer an /api/v1 request (path after /api/v1). */
void	 api_handle(struct req *q, struct reply *r);
/* A staff event (console_login, admin_change ...) by q's actor, under
 * w->lock. */
void	 api_event(struct req *q, const char *type, const char *actor, const char *detail);

#endif
