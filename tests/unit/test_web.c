/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuil-web's pure parts, with an injected clock: the login throttle
 * (web/throttle.c) and its address groups, the Host names (web/hosts.c),
 * the connection table's limits and deadlines (web/conns.c, on
 * socketpairs), and the login path as connection threads run it at once
 * (build it with -fsanitize=thread: `make check-tsan`).
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "web.h"
#include "testhelp.h"

#define S	1000		/* one second in ms */
#define T0	(1000 * S)	/* an arbitrary monotonic start */

static void
group_of(const char *addr, char out[WEB_ADDR_GROUP_MAX])
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &in4.sin_addr) == 1)
		web_addr_group((struct sockaddr *)&in4, out);
	else if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1)
		web_addr_group((struct sockaddr *)&in6, out);
	else
		web_addr_group(NULL, out);
}

static void
test_addr_group(void)
{
	char a[WEB_ADDR_GROUP_MAX], b[WEB_ADDR_GROUP_MAX];

	group_of("192.0.2.7", a);
	EXPECT_STR(a, "192.0.2.7");
	group_of("192.0.2.8", b);
	EXPECT(strcmp(a, b) != 0);
	/* One /64 is one client, whatever its last 64 bits. */
	group_of("2001:db8:1:2:3:4:5:6", a);
	EXPECT_STR(a, "2001:db8:1:2::/64");
	group_of("2001:db8:1:2:ffff:ffff:ffff:ffff", b);
	EXPECT_STR(a, b);
	group_of("2001:db8:1:3::1", b);
	EXPECT_STR(b, "2001:db8:1:3::/64");
	/* An IPv4 client reaching an IPv6 socket is still that address. */
	group_of("::ffff:192.0.2.7", a);
	EXPECT_STR(a, "192.0.2.7");
	group_of("nonsense", a);
	EXPECT_STR(a, "?");
}

static struct throttle *
fresh_throttle(void)
{
	struct throttle *t = throttle_new();

	if (t == NULL)
		abort();
	return t;
}

/* A fresh address group of its own for each n. */
static const char *
addr_n(int n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "10.%d.%d.%d", (n >> 16) & 255, (n >> 8) & 255, n & 255);
	return buf;
}

static void
test_throttle_account(void)
{
	struct throttle *t = fresh_throttle();
	int i;

	/* Five failures, each from a fresh address: the sixth waits the
	 * window out, even with the right password (nothing is checked). */
	for (i = 0; i < WEB_LOGIN_FAILURES; i++)
		EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(i), T0 + i * S), 0);
	EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(99), T0 + 10 * S), 50);
	EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(99), T0 + 59 * S), 1);
	/* The first failure left the window: one more try. */
	EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(99), T0 + 60 * S), 0);
	EXPECT(throttle_begin(t, "camille", "camille", addr_n(98), T0 + 60 * S) > 0);
	/* Another account is not touched. */
	EXPECT_INT(throttle_begin(t, "dana", "dana", addr_n(97), T0 + 60 * S), 0);
	throttle_free(t);
}

/* The review's attack: password tries against camille between floods of
 * failed logins with fresh names from fresh addresses.  It once flushed
 * camille's counter (20 tries in 5.6 s); now 5 in the window, whatever
 * comes between. */
static void
test_throttle_not_flushed(void)
{
	struct throttle *t = fresh_throttle();
	int64_t now = T0;
	int round, i, passed = 0, n = 0;
	char name[32];

	for (round = 0; round < 4; round++) {
		for (i = 0; i < 5; i++, now += 10)
			if (throttle_begin(t, "camille", "camille", addr_n(n++), now) == 0)
				passed++;
		for (i = 0; i < 600; i++, now += 10) {
			snprintf(name, sizeof(name), "nobody%d", n);
			(void)throttle_begin(t, NULL, name, addr_n(n++), now);
		}
	}
	EXPECT(now - T0 < WEB_LOGIN_WINDOW_MS);
	EXPECT_INT(passed, WEB_LOGIN_FAILURES);
	throttle_free(t);
}

/* A flood fills the tables and reaches the global cap: a new address is
 * refused for an unknown name, never for a real account that has no
 * failures of its own (the admin still logs in); an address that already
 * has a counter keeps its own five. */
static void
test_throttle_flood(void)
{
	struct throttle *t = fresh_throttle();
	int64_t now = T0;
	int i, refused = 0;
	char name[32];

	EXPECT_INT(throttle_begin(t, NULL, "typo", "192.0.2.1", now), 0);
	for (i = 0; i < 1000; i++, now += 5) {
		snprintf(name, sizeof(name), "flood%d", i);
		if (throttle_begin(t, NULL, name, addr_n(i), now) > 0)
			refused++;
	}
	EXPECT_INT(refused, 1000 - (WEB_LOGIN_GLOBAL - 1));
	EXPECT(throttle_begin(t, NULL, "stranger", "192.0.2.200", now) > 0);
	EXPECT_INT(throttle_begin(t, "admin", "admin", "192.0.2.201", now), 0);
	throttle_success(t, "admin", "192.0.2.201", now);
	EXPECT_INT(throttle_begin(t, NULL, "typo2", "192.0.2.1", now), 0);
	/* Once the window has passed, a new address may try again. */
	EXPECT_INT(throttle_begin(t, NULL, "later", "192.0.2.202", now + WEB_LOGIN_WINDOW_MS),
	    0);
	throttle_free(t);
}

/* A counter with a failure in the window is never given to another key,
 * however many come: the address table is full, not flushed. */
static void
test_throttle_never_evicts(void)
{
	struct throttle *t = fresh_throttle();
	int64_t now = T0;
	int i;
	char acc[32];

	for (i = 0; i < WEB_LOGIN_FAILURES; i++)
		EXPECT_INT(throttle_begin(t, NULL, "x", "192.0.2.9", now++), 0);
	/* Real accounts from 2,000 addresses fill every address slot. */
	for (i = 0; i < 2000; i++) {
		snprintf(acc, sizeof(acc), "acc%d", i % 200);
		(void)throttle_begin(t, acc, acc, addr_n(i), now++);
	}
	EXPECT(throttle_begin(t, "fresh", "fresh", "192.0.2.9", now) > 0);
	EXPECT(throttle_begin(t, NULL, "y", "192.0.2.9", now) > 0);
	EXPECT_INT(throttle_begin(t, "fresh", "fresh", "192.0.2.10", now), 0);
	throttle_free(t);
}

/* Attempts are counted when they begin: ten at once against one account
 * (each waiting for its slow hash) let five through, not ten. */
static void
test_throttle_concurrent(void)
{
	struct throttle *t = fresh_throttle();
	int i, passed = 0;

	for (i = 0; i < 10; i++)
		if (throttle_begin(t, "camille", "camille", addr_n(i), T0) == 0)
			passed++;
	EXPECT_INT(passed, WEB_LOGIN_FAILURES);
	throttle_free(t);
}

/* A success forgets the account's earlier failures and only its own
 * attempt at the address. */
static void
test_throttle_success(void)
{
	struct throttle *t = fresh_throttle();
	int i;

	for (i = 0; i < 4; i++)
		EXPECT_INT(throttle_begin(t, NULL, "ghost", "192.0.2.5", T0 + i), 0);
	for (i = 0; i < 4; i++)
		EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(i), T0 + i), 0);
	EXPECT_INT(throttle_begin(t, "camille", "camille", "192.0.2.5", T0 + 10), 0);
	throttle_success(t, "camille", "192.0.2.5", T0 + 10);
	for (i = 0; i < WEB_LOGIN_FAILURES; i++)
		EXPECT_INT(throttle_begin(t, "camille", "camille", addr_n(10 + i), T0 + 20), 0);
	/* The address still has its four failures: one more, then 429. */
	EXPECT_INT(throttle_begin(t, NULL, "ghost2", "192.0.2.5", T0 + 30), 0);
	EXPECT(throttle_begin(t, NULL, "ghost3", "192.0.2.5", T0 + 31) > 0);
	throttle_free(t);
}

/* An unknown name is counted like an account: five tries from fresh
 * addresses, then 429, so the answers do not tell which names exist. */
static void
test_throttle_unknown_name(void)
{
	struct throttle *t = fresh_throttle();
	int i;

	for (i = 0; i < WEB_LOGIN_FAILURES; i++)
		EXPECT_INT(throttle_begin(t, NULL, "ghost", addr_n(i), T0 + i), 0);
	EXPECT(throttle_begin(t, NULL, "ghost", addr_n(50), T0 + 10) > 0);
	throttle_free(t);
}

static bool
allowed(const struct web_hosts *h, const char *host)
{
	return hosts_allowed(h, host);
}

static void
test_hosts(void)
{
	struct web_hosts h;
	struct config conf;
	char err[256];

	config_defaults(&conf);
	snprintf(conf.web_listen, sizeof(conf.web_listen), "127.0.0.1:8443");
	EXPECT_INT(hosts_init(&h, &conf, NULL, err, sizeof(err)), 0);
	EXPECT(allowed(&h, "localhost"));
	EXPECT(allowed(&h, "LocalHost:8443"));
	EXPECT(allowed(&h, "localhost.:8443"));
	EXPECT(allowed(&h, "127.0.0.1:8443"));
	EXPECT(allowed(&h, "127.0.0.1"));
	EXPECT(!allowed(&h, NULL));
	EXPECT(!allowed(&h, ""));
	EXPECT(!allowed(&h, "evil.example"));
	EXPECT(!allowed(&h, "evil.example:8443"));
	EXPECT(!allowed(&h, "localhost.evil.example"));
	EXPECT(!allowed(&h, "127.0.0.2:8443"));
	EXPECT(!allowed(&h, "localhost:"));
	EXPECT(!allowed(&h, "localhost:84x3"));
	EXPECT(!allowed(&h, "localhost:123456"));
	EXPECT(!allowed(&h, "localhost evil"));
	EXPECT(!allowed(&h, "[::1]:8443"));
	EXPECT(!allowed(&h, "[::1"));

	/* host_names replaces the defaults. */
	snprintf(conf.web_host_names, sizeof(conf.web_host_names),
	    "Door.Lab.Example, [::1] 192.0.2.7");
	EXPECT_INT(hosts_init(&h, &conf, NULL, err, sizeof(err)), 0);
	EXPECT(allowed(&h, "door.lab.example"));
	EXPECT(allowed(&h, "DOOR.lab.example:443"));
	EXPECT(allowed(&h, "[::1]:8443"));
	EXPECT(allowed(&h, "[0:0::1]"));
	EXPECT(allowed(&h, "192.0.2.7"));
	EXPECT(!allowed(&h, "localhost"));
	EXPECT(!allowed(&h, "127.0.0.1:8443"));
	snprintf(conf.web_host_names, sizeof(conf.web_host_names), "door.lab.example:8443");
	EXPECT_INT(hosts_init(&h, &conf, NULL, err, sizeof(err)), -1);

	/* On every address, any numeric address is one a person typed. */
	conf.web_host_names[0] = '\0';
	snprintf(conf.web_listen, sizeof(conf.web_listen), "0.0.0.0:8443");
	EXPECT_INT(hosts_init(&h, &conf, NULL, err, sizeof(err)), 0);
	EXPECT(allowed(&h, "192.0.2.7:8443"));
	EXPECT(allowed(&h, "[2001:db8::1]:8443"));
	EXPECT(allowed(&h, "localhost"));
	EXPECT(!allowed(&h, "evil.example"));
	EXPECT(!allowed(&h, "192.0.2.300"));
}

/* A socketpair: the server's end goes in the table, the client's tells
 * whether it was shut down. */
static int
pair(int *client)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	*client = sv[1];
	return sv[0];
}

static bool
shut(int client)
{
	char c;

	return recv(client, &c, 1, MSG_DONTWAIT) == 0;
}

static void
test_conns(void)
{
	struct conns *cs = conns_new();
	struct conn *c[WEB_HARD_CONNECTIONS];
	int srv[WEB_HARD_CONNECTIONS], cli[WEB_HARD_CONNECTIONS], dropped, i;

	/* Deadlines: headers, then body; a request being answered has none. */
	for (i = 0; i < 3; i++) {
		srv[i] = pair(&cli[i]);
		c[i] = conns_open(cs, srv[i], addr_n(i), T0, &dropped);
		EXPECT_INT(dropped, 0);
	}
	conns_set(cs, c[1], CONN_BODY, T0 + 5 * S);
	conns_set(cs, c[2], CONN_BUSY, T0 + 5 * S);
	EXPECT_INT(conns_reap(cs, T0 + (WEB_HEADERS_S - 1) * S), 0);
	EXPECT_INT(conns_reap(cs, T0 + WEB_HEADERS_S * S), 1);
	EXPECT(shut(cli[0]) && !shut(cli[1]) && !shut(cli[2]));
	EXPECT_INT(conns_reap(cs, T0 + (5 + WEB_BODY_S) * S), 1);
	EXPECT(shut(cli[1]) && !shut(cli[2]));
	EXPECT_INT(conns_reap(cs, T0 + 3600 * S), 0);
	for (i = 0; i < 3; i++) {
		conns_closed(cs, c[i]);
		close(srv[i]);
		close(cli[i]);
	}

	/* One address holds WEB_PER_ADDRESS. */
	for (i = 0; i <= WEB_PER_ADDRESS; i++) {
		srv[i] = pair(&cli[i]);
		c[i] = conns_open(cs, srv[i], "192.0.2.1", T0 + i, &dropped);
		EXPECT_INT(dropped, i == WEB_PER_ADDRESS);
	}
	EXPECT(shut(cli[WEB_PER_ADDRESS]) && !shut(cli[0]));
	for (i = 0; i <= WEB_PER_ADDRESS; i++) {
		conns_closed(cs, c[i]);
		close(srv[i]);
		close(cli[i]);
	}

	/* Full: a new connection drops the oldest one still sending its
	 * request, never one being answered. */
	for (i = 0; i < WEB_MAX_CONNECTIONS; i++) {
		srv[i] = pair(&cli[i]);
		c[i] = conns_open(cs, srv[i], addr_n(i), T0 + i, &dropped);
		EXPECT_INT(dropped, 0);
	}
	conns_set(cs, c[0], CONN_BUSY, T0 + 100);
	srv[i] = pair(&cli[i]);
	c[i] = conns_open(cs, srv[i], addr_n(i), T0 + 200, &dropped);
	EXPECT_INT(dropped, 1);
	EXPECT(!shut(cli[0]) && shut(cli[1]) && !shut(cli[2]) && !shut(cli[i]));
	for (i = 0; i <= WEB_MAX_CONNECTIONS; i++) {
		conns_closed(cs, c[i]);
		close(srv[i]);
		close(cli[i]);
	}
	conns_free(cs);
}

/*
 * Connection threads check logins at once, outside w->lock; an unknown
 * name is checked against a stand-in hash made on first use.  Under
 * -fsanitize=thread this shows whether making it is a data race (it was:
 * a static buffer filled by whichever thread came first).
 */
#define LOGIN_THREADS	4

static pthread_barrier_t go;

static void *
unknown_login(void *arg)
{
	bool *ok = arg;

	pthread_barrier_wait(&go);
	*ok = webuser_password_ok(false, "guess", "");
	return NULL;
}

static void
test_login_threads(void)
{
	pthread_t th[LOGIN_THREADS];
	bool ok[LOGIN_THREADS];
	int i;

	pthread_barrier_init(&go, NULL, LOGIN_THREADS);
	for (i = 0; i < LOGIN_THREADS; i++)
		EXPECT_INT(pthread_create(&th[i], NULL, unknown_login, &ok[i]), 0);
	for (i = 0; i < LOGIN_THREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT(!ok[i]);
	}
	pthread_barrier_destroy(&go);
}

int
main(void)
{
	RUN(test_addr_group);
	RUN(test_throttle_account);
	RUN(test_throttle_not_flushed);
	RUN(test_throttle_flood);
	RUN(test_throttle_never_evicts);
	RUN(test_throttle_concurrent);
	RUN(test_throttle_success);
	RUN(test_throttle_unknown_name);
	RUN(test_hosts);
	RUN(test_conns);
	RUN(test_login_threads);
	return TEST_REPORT();
}
