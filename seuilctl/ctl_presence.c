/* seuilctl who, checkout, log */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "tz.h"

struct who_ctx {
	cJSON	*array;
};

static int
who_cb(const struct visit_row *v, const struct member_row *m, void *arg)
{
	struct who_ctx *x = arg;
	char t[32], name[160];

	if (m->id != 0)
		snprintf(name, sizeof(name), "%s", m->name);
	else
		snprintf(name, sizeof(name), "(member %lld)", (long long)v->member_id);
	if (x->array != NULL) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "member_id", (double)v->member_id);
		cJSON_AddStringToObject(j, "name", name);
		ctl_json_text(j, "display_name", m->display_name);
		cJSON_AddBoolToObject(j, "public", m->public);
		ctl_format_utc(v->arrived_ms, t, sizeof(t));
		cJSON_AddStringToObject(j, "since", t);
		ctl_format_utc(v->last_seen_ms, t, sizeof(t));
		cJSON_AddStringToObject(j, "last_seen", t);
		cJSON_AddStringToObject(j, "door", v->door);
		cJSON_AddItemToArray(x->array, j);
		return 0;
	}
	ctl_format_time(v->arrived_ms, t, sizeof(t));
	printf("%-20s %-19s  %s\n", name, t, v->door[0] ? v->door : "-");
	return 0;
}

int
ctl_who(struct ctl *c, int argc, char **argv)
{
	struct who_ctx x = { NULL };
	int rc, n;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		x.array = cJSON_CreateArray();
	else
		printf("%-20s %-19s  %s\n", "NAME", "ARRIVED", "DOOR");
	if ((n = store_who(c->st, who_cb, &x)) == -1) {
		cJSON_Delete(x.array);
		return ctl_store_error(c, "who");
	}
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "count", n);
		cJSON_AddItemToObject(j, "people", x.array);
		return ctl_json_print(j);
	}
	printf("%d present\n", n);
	return EX_OK;
}

#define CHECKOUT_MAX	16

struct open_visits {
	int64_t			 member_id;
	int			 n;
	struct visit_row	 v[CHECKOUT_MAX];
};

static int
collect_cb(const struct visit_row *v, void *arg)
{
	struct open_visits *o = arg;

	if (v->member_id == o->member_id && o->n < CHECKOUT_MAX)
		o->v[o->n++] = *v;
	return 0;
}

/*
 * Without a daemon, seuilctl ends the visit itself, as the daemon would:
 * the visit closed with reason manual and a departure event, in one
 * transaction.  The daemon rebuilds presence from the visits at start and
 * publishes the event then.
 */
static int
checkout_offline(struct ctl *c, const struct member_row *m, bool *was_present)
{
	struct open_visits o;
	struct event ev;
	int64_t now = clock_wall_ms();
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.member_id = m->id;
	if (store_begin(c->st) == -1)
		return ctl_store_error(c, "checkout");
	if (store_visits_open(c->st, collect_cb, &o) == -1)
		goto fail;
	for (i = 0; i < o.n; i++) {
		if (store_visit_close(c->st, o.v[i].id, now, "manual") == -1)
			goto fail;
		memset(&ev, 0, sizeof(ev));
		ev.type = "departure";
		ev.door = o.v[i].door;
		ev.member_id = m->id;
		ev.reason = "manual";
		ev.detail = "seuilctl checkout";
		ev.ts_ms = now;
		ev.mono_ms = clock_mono_ms();
		ev.clock_synced = clock_synced();
		if (store_append_event(c->st, &ev) == -1)
			goto fail;
	}
	if (store_commit(c->st) == -1)
		goto fail;
	*was_present = o.n > 0;
	return EX_OK;
fail:
	rc = ctl_store_error(c, "checkout");
	store_rollback(c->st);
	return rc;
}

int
ctl_checkout_member(struct ctl *c, const struct member_row *m, bool *was_present,
    bool *daemon)
{
	cJSON *reply = NULL;
	char req[128];
	bool absent = false;
	int rc;

	*was_present = false;
	*daemon = false;
	snprintf(req, sizeof(req), "{\"cmd\":\"checkout\",\"member\":%lld}", (long long)m->id);
	rc = ctl_request(c, req, &reply, &absent, true);
	if (rc == EX_OK) {
		*daemon = true;
		*was_present = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
		    "was_present"));
		cJSON_Delete(reply);
		return EX_OK;
	}
	if (absent)
		return checkout_offline(c, m, was_present);
	return rc;
}

int
ctl_checkout(struct ctl *c, int argc, char **argv)
{
	struct member_row m;
	bool daemon, was_present;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if ((rc = ctl_checkout_member(c, &m, &was_present, &daemon)) != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "member_id", (double)m.id);
		cJSON_AddStringToObject(j, "name", m.name);
		cJSON_AddBoolToObject(j, "was_present", was_present);
		cJSON_AddBoolToObject(j, "daemon", daemon);
		return ctl_json_print(j);
	}
	if (was_present)
		printf("%s checked out%s\n", m.name, !daemon ? " (seuild not running: "
		    "recorded in the database)" : "");
	else
		printf("%s was not present\n", m.name);
	return EX_OK;
}

struct log_ctx {
	struct ctl		*c;
	cJSON			*array;
	struct member_row	 m;	/* cache of the last member named */
	bool			 lines;	/* --json --follow: one object a line */
	int64_t			 printed;	/* highest seq printed */
};

static const char *
member_name(struct log_ctx *x, int64_t id)
{
	if (id == 0)
		return "";
	if (x->m.id != id) {
		if (store_member_get(x->c->st, id, &x->m) != 1) {
			memset(&x->m, 0, sizeof(x->m));
			x->m.id = id;
			snprintf(x->m.name, sizeof(x->m.name), "#%lld", (long long)id);
		}
	}
	return x->m.name;
}

static int
log_cb(const struct event_row *e, void *arg)
{
	struct log_ctx *x = arg;
	const char *name = member_name(x, e->member_id);
	char t[32];

	if (e->seq > x->printed)
		x->printed = e->seq;

	if (x->array != NULL) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "seq", (double)e->seq);
		ctl_format_utc(e->ts_ms, t, sizeof(t));
		cJSON_AddStringToObject(j, "ts", t);
		cJSON_AddNumberToObject(j, "ts_ms", (double)e->ts_ms);
		cJSON_AddStringToObject(j, "type", e->type);
		ctl_json_text(j, "door", e->door);
		ctl_json_text(j, "reader", e->reader);
		if (e->member_id != 0) {
			cJSON_AddNumberToObject(j, "member_id", (double)e->member_id);
			cJSON_AddStringToObject(j, "member", name);
		} else {
			cJSON_AddNullToObject(j, "member_id");
			cJSON_AddNullToObject(j, "member");
		}
		if (e->badge_id != 0)
			cJSON_AddNumberToObject(j, "badge_id", (double)e->badge_id);
		else
			cJSON_AddNullToObject(j, "badge_id");
		ctl_json_text(j, "reason", e->reason);
		ctl_json_text(j, "detail", e->detail);
		cJSON_AddBoolToObject(j, "clock_synced", e->clock_synced);
		cJSON_AddItemToArray(x->array, j);
		return 0;
	}
	if (x->lines) {
		char *s;
		cJSON *j;

		/* One object a line: reuse the array form for one event. */
		x->array = cJSON_CreateArray();
		log_cb(e, x);
		j = cJSON_DetachItemFromArray(x->array, 0);
		cJSON_Delete(x->array);
		x->array = NULL;
		if (j != NULL && (s = cJSON_PrintUnformatted(j)) != NULL) {
			puts(s);
			cJSON_free(s);
		}
		cJSON_Delete(j);
		return 0;
	}
	ctl_format_time(e->ts_ms, t, sizeof(t));
	printf("%s %6lld %-16s %-8s", t, (long long)e->seq, e->type,
	    e->door[0] ? e->door : "-");
	if (e->reader[0] != '\0')
		printf(" reader=%s", e->reader);
	if (e->member_id != 0)
		printf(" member=%s", name);
	if (e->badge_id != 0)
		printf(" badge=%lld", (long long)e->badge_id);
	if (e->reason[0] != '\0')
		printf(" reason=%s", e->reason);
	if (e->detail[0] != '\0')
		printf(" detail=\"%s\"", e->detail);
	if (!e->clock_synced)
		printf(" (clock unsynced)");
	putchar('\n');
	return 0;
}

/* --follow: the filters of store_events_query, applied to new events. */
struct follow_ctx {
	struct log_ctx			*x;
	const struct event_filter	*f;
	int64_t				 last;	/* highest seq seen */
};

static int
follow_cb(const struct event_row *e, void *arg)
{
	struct follow_ctx *fc = arg;
	const struct event_filter *f = fc->f;

	fc->last = e->seq;
	if (e->seq <= fc->x->printed ||
	    (f->since_ms != 0 && e->ts_ms < f->since_ms) ||
	    (f->until_ms != 0 && e->ts_ms >= f->until_ms) ||
	    (f->member_id != 0 && e->member_id != f->member_id) ||
	    (f->door != NULL && strcmp(e->door, f->door) != 0) ||
	    (f->type != NULL && strcmp(e->type, f->type) != 0))
		return 0;
	return log_cb(e, fc->x);
}

static volatile sig_atomic_t follow_stop;

static void
follow_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

#define FOLLOW_POLL_MS	200
#define FOLLOW_BATCH	1000

/*
 * Poll rather than be told: seuilctl has no channel from the daemon but
 * the database, and a read of the events after the last seq seen every
 * 200 ms costs nothing.  Signals only set a flag; the sleep is cut short
 * and the loop ends at the next check.
 */
static int
follow(struct ctl *c, struct log_ctx *x, const struct event_filter *f, int64_t from_seq)
{
	struct follow_ctx fc = { x, f, from_seq };
	struct sigaction sa;
	struct timespec ts = { 0, FOLLOW_POLL_MS * 1000000L };
	int n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = follow_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!follow_stop) {
		do {
			n = store_events_after(c->st, fc.last, FOLLOW_BATCH, follow_cb, &fc);
			if (n == -1)
				return ctl_store_error(c, "log");
		} while (n == FOLLOW_BATCH && !follow_stop);
		if (fflush(stdout) == EOF)
			return EX_IOERR;
		if (!follow_stop)
			nanosleep(&ts, NULL);
	}
	return EX_OK;
}

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_MEMBER, OPT_DOOR, OPT_TYPE, OPT_LIMIT, OPT_FOLLOW };

int
ctl_log(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "door", required_argument, NULL, OPT_DOOR },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		CTL_COMMON_OPTS
	};
	struct event_filter f;
	struct log_ctx x;
	const char *member = NULL, *p;
	bool follow_mode = false;
	int64_t start_seq;
	char *end;
	long n;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_SINCE:
		case OPT_UNTIL:
			if (tz_parse_time(optarg, ch == OPT_SINCE ? &f.since_ms :
			    &f.until_ms) == -1) {
				ctl_errx("bad time '%s' (want YYYY-MM-DD or "
				    "YYYY-MM-DDTHH:MM[:SS], local or with Z/offset)",
				    optarg);
				return EX_DATAERR;
			}
			break;
		case OPT_MEMBER:
			member = optarg;
			break;
		case OPT_DOOR:
			f.door = optarg;
			break;
		case OPT_TYPE:
			for (p = optarg; *p != '\0'; p++)
				if ((*p < 'a' || *p > 'z') && *p != '_')
					break;
			if (*optarg == '\0' || *p != '\0') {
				ctl_errx("bad event type '%s'", optarg);
				return EX_DATAERR;
			}
			f.type = optarg;
			break;
		case OPT_LIMIT:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || n <= 0 ||
			    n > 1000000000) {
				ctl_errx("bad limit '%s'", optarg);
				return EX_DATAERR;
			}
			f.limit = (int)n;
			break;
		case OPT_FOLLOW:
			follow_mode = true;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != -1)
				return rc;
		}
	}
	if (optind != argc)
		return ctl_usage(c);
	if (f.since_ms != 0 && f.until_ms != 0 && f.until_ms <= f.since_ms) {
		ctl_errx("--until is not after --since");
		return EX_DATAERR;
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	memset(&x, 0, sizeof(x));
	x.c = c;
	if (member != NULL) {
		if ((rc = ctl_member(c, member, &x.m)) != EX_OK)
			return rc;
		f.member_id = x.m.id;
	}
	if (follow_mode) {
		/* Like tail -f: the recent past, then what comes.  The seq is
		 * read before the history, and follow skips what the history
		 * printed, so no event falls between the two nor shows twice. */
		if ((start_seq = store_last_seq(c->st)) == -1)
			return ctl_store_error(c, "log");
		if (f.limit == 0 && f.since_ms == 0)
			f.limit = 10;
		x.lines = c->json;
		if (store_events_query(c->st, &f, log_cb, &x) == -1)
			return ctl_store_error(c, "log");
		return follow(c, &x, &f, start_seq);
	}
	if (c->json)
		x.array = cJSON_CreateArray();
	if (store_events_query(c->st, &f, log_cb, &x) == -1) {
		cJSON_Delete(x.array);
		return ctl_store_error(c, "log");
	}
	if (c->json)
		return ctl_json_print(x.array);
	return EX_OK;
}
