/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl log: the event log, filtered, and --follow */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "csv.h"
#include "ctl.h"
#include "tz.h"

struct log_ctx {
	struct ctl		*c;
	cJSON			*array;
	struct event_names	 names;	/* the members' names, as the console's */
	bool			 lines;	/* --json --follow: one object a line */
	bool			 csv;	/* --csv: the console's download */
	int64_t			 printed;	/* highest seq printed */
};

/*
 * A field of a log line, if set.  Whatever reached the store (a name, an
 * unlock command's id from MQTT) reaches a terminal here: control bytes
 * and quotes are shown as \xNN, never sent as they are.
 */
static void
print_field(const char *key, const char *v, bool quoted)
{
	const unsigned char *p;

	if (v[0] == '\0')
		return;
	printf(" %s=%s", key, quoted ? "\"" : "");
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			printf("\\x%02x", *p);
		else
			putchar(*p);
	if (quoted)
		putchar('"');
}

static int
log_cb(const struct event_row *e, void *arg)
{
	struct log_ctx *x = arg;
	cJSON *named = render_event_named(&x->names, e);
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(named,
	    "member"));
	char t[32];

	if (named == NULL)
		return 1;	/* the store failed: the query says so */
	if (e->seq > x->printed)
		x->printed = e->seq;

	if (x->array != NULL) {
		cJSON_AddItemToArray(x->array, named);
		return 0;
	}
	if (x->csv) {
		csv_event(stdout, named);
		cJSON_Delete(named);
		return 0;
	}
	if (x->lines) {
		cJSON *j = named;
		char *s;

		if (j != NULL && (s = cJSON_PrintUnformatted(j)) != NULL) {
			puts(s);
			cJSON_free(s);
		}
		cJSON_Delete(j);
		return 0;
	}
	ctl_format_time(e->ts_ms, t, sizeof(t));
	printf("%s %6lld ", t, (long long)e->seq);
	if (e->node[0] != '\0')	/* --site: where, and its seq there */
		printf("%s:%-6lld ", e->node, (long long)e->node_seq);
	printf("%-16s %-8s", e->type, e->door[0] ? e->door : "-");
	print_field("reader", e->reader, false);
	if (name != NULL)
		print_field("member", name, false);
	if (e->badge_id != 0)
		printf(" badge=%lld", (long long)e->badge_id);
	if (e->guest_id != 0)
		printf(" guest=%lld", (long long)e->guest_id);
	if (e->via != 0)
		print_field("via", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(named,
		    "via")) ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(named, "via")) :
		    "?", false);
	print_field("reason", e->reason, false);
	print_field("detail", e->detail, true);
	print_field("by", e->actor, false);
	if (!e->clock_synced)
		printf(" (clock unsynced)");
	putchar('\n');
	cJSON_Delete(named);
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

	fc->last = e->seq;
	if (e->seq <= fc->x->printed || !store_event_matches(fc->f, e))
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
			n = f->site ? store_site_events_after(c->st, fc.last, FOLLOW_BATCH,
			    follow_cb, &fc) : store_events_after(c->st, fc.last, FOLLOW_BATCH,
			    follow_cb, &fc);
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

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_FROM, OPT_TO, OPT_MEMBER, OPT_DOOR, OPT_READER,
    OPT_TYPE, OPT_REASON, OPT_ACTOR, OPT_BEFORE, OPT_LIMIT, OPT_FOLLOW, OPT_CSV, OPT_SITE };

/* A word of the log ([a-z_]+: an event type or a reason), or NULL. */
static const char *
log_word(const char *what, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((*p < 'a' || *p > 'z') && *p != '_')
			break;
	if (*s != '\0' && *p == '\0' && p - s < 32)
		return s;
	ctl_errx("bad %s '%s'", what, s);
	return NULL;
}

/* A positive whole number of at most max, or -1 with the message. */
static long
log_number(const char *what, const char *s, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || n <= 0 || n > max) {
		ctl_errx("bad %s '%s'", what, s);
		return -1;
	}
	return n;
}

/* One option of `log` into f (and *member, *follow_mode, *csv): EX_OK, or
 * the exit status with the message printed. */
static int
log_option(struct ctl *c, int ch, char **argv, struct event_filter *f, const char **member,
    bool *follow_mode, bool *csv)
{
	long n;

	switch (ch) {
	case OPT_SINCE:
	case OPT_UNTIL:
	case OPT_FROM:
	case OPT_TO:
		/* --to DATE is the whole day; --until is the instant. */
		if ((ch == OPT_TO ? tz_parse_period_end(optarg, &f->until_ms) :
		    tz_parse_time(optarg, ch == OPT_SINCE || ch == OPT_FROM ? &f->since_ms :
		    &f->until_ms)) == -1) {
			ctl_errx("bad time '%s' (want YYYY-MM-DD or "
			    "YYYY-MM-DDTHH:MM[:SS], local or with Z/offset%s)",
			    optarg, sizeof(time_t) < 8 ? "; on this system's "
			    "32-bit time, local times end at 2038-01-19" : "");
			return EX_DATAERR;
		}
		return EX_OK;
	case OPT_MEMBER:
		*member = optarg;
		return EX_OK;
	case OPT_DOOR:
		f->door = optarg;
		return EX_OK;
	case OPT_READER:
		f->reader = optarg;
		return EX_OK;
	case OPT_ACTOR:
		f->actor = optarg;
		return EX_OK;
	case OPT_TYPE:
	case OPT_REASON:
		if ((*(ch == OPT_TYPE ? &f->type : &f->reason) = log_word(ch == OPT_TYPE ?
		    "event type" : "reason", optarg)) == NULL)
			return EX_DATAERR;
		return EX_OK;
	case OPT_BEFORE:
	case OPT_LIMIT:
		if ((n = log_number(ch == OPT_LIMIT ? "limit" : "seq", optarg,
		    ch == OPT_LIMIT ? 1000000000L : LONG_MAX)) == -1)
			return EX_DATAERR;
		if (ch == OPT_LIMIT)
			f->limit = (int)n;
		else
			f->before_seq = n;
		return EX_OK;
	case OPT_FOLLOW:
		*follow_mode = true;
		return EX_OK;
	case OPT_CSV:
		*csv = true;
		return EX_OK;
	case OPT_SITE:
		f->site = true;
		return EX_OK;
	default:
		return ctl_opt(c, ch, argv);
	}
}

int
ctl_log(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "door", required_argument, NULL, OPT_DOOR },
		{ "reader", required_argument, NULL, OPT_READER },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "actor", required_argument, NULL, OPT_ACTOR },
		{ "before", required_argument, NULL, OPT_BEFORE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "site", no_argument, NULL, OPT_SITE },
		CTL_COMMON_OPTS
	};
	struct event_filter f;
	struct log_ctx x;
	const char *member = NULL;
	bool follow_mode = false, csv = false;
	int64_t start_seq;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		if ((rc = log_option(c, ch, argv, &f, &member, &follow_mode, &csv)) != EX_OK)
			return rc;
	if (optind != argc)
		return ctl_usage(c);
	if (f.since_ms != 0 && f.until_ms != 0 && f.until_ms <= f.since_ms) {
		ctl_errx("--until (or --to) is not after --since (or --from)");
		return EX_DATAERR;
	}
	if (csv && (c->json || follow_mode)) {
		ctl_errx("--csv goes with neither --json nor --follow");
		return ctl_usage(c);
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.csv = csv;
	x.names.st = c->st;
	if (member != NULL) {
		if ((rc = ctl_member(c, member, &x.names.m)) != EX_OK)
			return rc;
		f.member_id = x.names.m.id;
	}
	if (follow_mode) {
		/* Like tail -f: the recent past, then what comes.  The seq is
		 * read before the history, and follow skips what the history
		 * printed, so no event falls between the two nor shows twice. */
		if ((start_seq = f.site ? store_site_last_seq(c->st) :
		    store_last_seq(c->st)) == -1)
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
	if (csv)
		csv_event_header(stdout);
	if (store_events_query(c->st, &f, log_cb, &x) == -1) {
		cJSON_Delete(x.array);
		return ctl_store_error(c, "log");
	}
	if (c->json)
		return ctl_json_print(c, x.array);
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	return EX_OK;
}
