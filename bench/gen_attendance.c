/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_attendance: fill a seuil database with a realistic stretch of
 * attendance, for the report benchmark and for trying reports by hand.
 *
 *	gen_attendance --db FILE [--members N] [--days D] [--seed S]
 *	    [--start YYYY-MM-DD] [--timezone ZONE]
 *
 * Members (default 500) with names and one badge each; over D days (default
 * 365 from --start, default 2026-01-01) each member comes on most weekdays
 * and some weekend days, at an arrival time and for a stay typical of them;
 * some come back after lunch, some work evenings past midnight, some forget
 * to badge out (timeout), some are still there at the day end (day_end).
 * Visits on the last day may still be open.  Every visit has its events:
 * access_granted and arrival, then access_granted and departure (or only a
 * departure for timeouts and day ends); a few unknown badges are denied.
 *
 * The schema comes from store_open (the same migrations as seuilctl init);
 * the rows are then written with sqlite3 directly, in one transaction, for
 * speed.  A database that already has members is refused.  The same seed gives the same
 * database.  Prints "bench: gen_attendance_rows N visits" at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"


static const char *const first_names[] = {
	"Alice", "Bruno", "Camille", "David", "Élodie", "Farid", "Gaëlle", "Hugo",
	"Inès", "Jules", "Karim", "Léa", "Manon", "Nathan", "Océane", "Paul",
	"Quentin", "Rose", "Samir", "Théo", "Ulla", "Victor", "Wiebke", "Xavier",
	"Yasmine", "Zoé", "Anja", "Björn", "Chloé", "Diego", "Eva", "François",
	"Greta", "Hélène", "Ivan", "Jürgen", "Kasia", "Lucas", "Maël", "Noor",
	"Olga", "Pierre", "Rania", "Sofia", "Tomás", "Valentin", "Wen", "Yusuf",
};
static const char *const last_names[] = {
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
	"Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel",
	"Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
	"Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François",
	"Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
	"Müller", "Nowak", "Kowalski", "Schmidt", "Rossi", "Haddad", "Nguyen",
};
#define NFIRST	(sizeof(first_names) / sizeof(first_names[0]))
#define NLAST	(sizeof(last_names) / sizeof(last_names[0]))

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
unif(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

/* Roughly normal (sum of four uniforms), mean 0, deviation 1. */
static double
gauss(void)
{
	return (unif() + unif() + unif() + unif() - 2.0) * 1.7320508;
}

static int
irange(int lo, int hi)		/* inclusive */
{
	return lo + (int)(rng() % (uint64_t)(hi - lo + 1));
}

struct profile {
	double	p_weekday;	/* chance of coming on a weekday */
	double	p_weekend;
	int	arrive_min;	/* usual arrival, minutes after midnight */
	int	stay_min;	/* usual stay */
	double	p_evening;	/* chance a visit is an evening one */
	double	p_lunch;	/* chance of leaving for lunch and coming back */
	double	p_forget;	/* chance of not badging out */
};

struct gvisit {
	int64_t	arrived, left, last_seen;	/* left 0: still open */
	int	member;				/* 1-based id */
	const char *reason;
};

enum etype { E_GRANTED_IN, E_ARRIVAL, E_GRANTED_OUT, E_DEPARTURE, E_DENIED };

struct gevent {
	int64_t	ts;
	int	member;		/* 0: none */
	int	type;		/* enum etype */
	const char *reason;
};

struct gen {
	struct gvisit	*visits;
	size_t		nvisits, capvisits;
	struct gevent	*events;
	size_t		nevents, capevents;
};

static void *
grow(void *p, size_t *cap, size_t size)
{
	void *np;

	*cap = *cap ? *cap * 2 : 4096;
	if ((np = realloc(p, *cap * size)) == NULL) {
		fprintf(stderr, "gen_attendance: out of memory\n");
		exit(EX_OSERR);
	}
	return np;
}

static void
add_event(struct gen *g, int64_t ts, int member, int type, const char *reason)
{
	if (g->nevents == g->capevents)
		g->events = grow(g->events, &g->capevents, sizeof(*g->events));
	g->events[g->nevents++] = (struct gevent){ ts, member, type, reason };
}

static void
add_visit(struct gen *g, int member, int64_t arrived, int64_t left, int64_t last_seen,
    const char *reason)
{
	if (g->nvisits == g->capvisits)
		g->visits = grow(g->visits, &g->capvisits, sizeof(*g->visits));
	g->visits[g->nvisits++] = (struct gvisit){ arrived, left, last_seen, member, reason };
	add_event(g, arrived, member, E_GRANTED_IN, NULL);
	add_event(g, arrived, member, E_ARRIVAL, NULL);
	if (left == 0)
		return;
	if (strcmp(reason, "badge_out") == 0)
		add_event(g, left, member, E_GRANTED_OUT, NULL);
	add_event(g, left, member, E_DEPARTURE, reason);
}

/* UTC ms of a local wall time; minutes may run past 24 h into next days. */
static int64_t
local_ms(const struct tm *day, int minutes)
{
	struct tm tm = *day;

	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = irange(0, 59);
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int
event_cmp(const void *a, const void *b)
{
	const struct gevent *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->type != y->type)
		return x->type - y->type;
	return x->member - y->member;
}

static int
visit_cmp(const void *a, const void *b)
{
	const struct gvisit *x = a, *y = b;

	if (x->arrived != y->arrived)
		return x->arrived < y->arrived ? -1 : 1;
	return x->member - y->member;
}

/* One member's visits on one local day. */
static void
gen_day(struct gen *g, int member, const struct profile *pr, const struct tm *day,
    int weekday, int64_t day_end_next, bool last_day)
{
	int arrive, stay, back, end;
	int64_t a, l, seen;
	const char *reason;
	double u;

	if (unif() >= (weekday < 5 ? pr->p_weekday : pr->p_weekend))
		return;
	if (unif() < pr->p_evening) {
		/* An evening: 18:30-22:30 for 2-8 hours, often past midnight
		 * and now and then past the day end. */
		arrive = irange(18 * 60 + 30, 22 * 60 + 30);
		stay = irange(120, 480);
	} else {
		arrive = pr->arrive_min + (int)(gauss() * 30);
		stay = pr->stay_min + (int)(gauss() * 45);
		if (stay < 30)
			stay = 30;
	}
	end = arrive + stay;
	if (arrive < 12 * 60 && end > 14 * 60 && unif() < pr->p_lunch) {
		/* Out for lunch and back: two visits. */
		back = irange(12 * 60, 13 * 60);
		a = local_ms(day, arrive);
		l = local_ms(day, back);
		add_visit(g, member, a, l, l, "badge_out");
		arrive = back + irange(30, 75);
	}
	a = local_ms(day, arrive);
	l = local_ms(day, end);
	u = unif();
	if (last_day && unif() < 0.5) {
		/* Still here when the data ends. */
		add_visit(g, member, a, 0, a, NULL);
		return;
	}
	if (l > day_end_next) {
		/* Still in at the day end (04:00): last badge was the
		 * arrival or a door on the way. */
		seen = a + (int64_t)(unif() * (double)(day_end_next - a) * 0.5);
		add_visit(g, member, a, day_end_next, seen, "day_end");
	} else if (u < pr->p_forget) {
		/* No badge out: the visit expires 12 h after the last badge,
		 * and left_ts is that badge (docs/design.md, Presence). */
		seen = a + (int64_t)(unif() * (double)(l - a));
		reason = "timeout";
		add_visit(g, member, a, seen, seen, reason);
	} else if (u < pr->p_forget + 0.01) {
		add_visit(g, member, a, l, a, "manual");
	} else {
		add_visit(g, member, a, l, l, "badge_out");
	}
}

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "gen_attendance: %s\n", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_attendance: %s: %s\n", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return s;
}

static int
step(sqlite3 *db, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "gen_attendance: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void
fake_mac(uint8_t mac[32])
{
	int i;

	for (i = 0; i < 32; i += 8) {
		uint64_t x = rng();
		memcpy(mac + i, &x, 8);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_attendance --db FILE [--members N] [--days D] "
	    "[--seed S] [--start YYYY-MM-DD] [--timezone ZONE]\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'b' },
		{ "members", required_argument, NULL, 'm' },
		{ "days", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'S' },
		{ "timezone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dbpath = NULL, *start = "2026-01-01", *zone = "Europe/Paris";
	const char *door = "front";
	long nmembers = 500, ndays = 365;
	unsigned long long seed = 1;
	struct profile *prof;
	struct gen g = { 0 };
	struct tm day0, day, next;
	sqlite3 *db = NULL;
	sqlite3_stmt *q, *ins_member, *ins_badge, *ins_visit, *ins_event;
	uint8_t mac[32], (*macs)[32];
	char name[128], email[160], hint[8], *end;
	int64_t boot_ms, day_end_next, created;
	long i, d;
	int c, nmem_existing, wd;
	size_t k;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			dbpath = optarg;
			break;
		case 'm':
			nmembers = strtol(optarg, &end, 10);
			if (*end != '\0' || nmembers < 1 || nmembers > 100000)
				usage();
			break;
		case 'd':
			ndays = strtol(optarg, &end, 10);
			if (*end != '\0' || ndays < 1 || ndays > 3650)
				usage();
			break;
		case 's':
			seed = strtoull(optarg, &end, 10);
			if (*end != '\0')
				usage();
			break;
		case 'S':
			start = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			usage();
		}
	}
	if (dbpath == NULL || optind != argc)
		usage();
	memset(&day0, 0, sizeof(day0));
	if (sscanf(start, "%4d-%2d-%2d", &day0.tm_year, &day0.tm_mon, &day0.tm_mday) != 3)
		usage();
	day0.tm_year -= 1900;
	day0.tm_mon -= 1;
	setenv("TZ", zone, 1);
	tzset();
	rng_state = seed;

	/* Member profiles, then the days in order. */
	if ((prof = calloc(nmembers, sizeof(*prof))) == NULL ||
	    (macs = calloc(nmembers, sizeof(*macs))) == NULL) {
		fprintf(stderr, "gen_attendance: out of memory\n");
		return EX_OSERR;
	}
	for (i = 0; i < nmembers; i++) {
		prof[i].p_weekday = 0.35 + 0.6 * unif();
		prof[i].p_weekend = unif() < 0.2 ? 0.3 * unif() : 0.02;
		prof[i].arrive_min = irange(7 * 60 + 15, 10 * 60 + 30);
		prof[i].stay_min = irange(4 * 60, 9 * 60 + 30);
		prof[i].p_evening = unif() < 0.08 ? 0.3 + 0.5 * unif() : 0.01;
		prof[i].p_lunch = 0.25 * unif();
		prof[i].p_forget = 0.02 + 0.1 * unif();
		fake_mac(macs[i]);
	}
	for (d = 0; d < ndays; d++) {
		day = day0;
		day.tm_mday += (int)d;
		day.tm_isdst = -1;
		mktime(&day);		/* normalise: tm_wday, month ends */
		wd = (day.tm_wday + 6) % 7;
		next = day;
		next.tm_mday += 1;
		day_end_next = local_ms(&next, 4 * 60) / 60000 * 60000;
		for (i = 0; i < nmembers; i++)
			gen_day(&g, (int)i + 1, &prof[i], &day, wd, day_end_next,
			    d == ndays - 1);
		/* A few unknown badges tried at the door every day. */
		for (c = irange(0, 3); c > 0; c--)
			add_event(&g, local_ms(&day, irange(7 * 60, 23 * 60)), 0, E_DENIED,
			    "unknown_badge");
	}
	qsort(g.visits, g.nvisits, sizeof(*g.visits), visit_cmp);
	qsort(g.events, g.nevents, sizeof(*g.events), event_cmp);

	{
		char err[512];
		struct store *st = store_open(dbpath, STORE_CREATE, err, sizeof(err));

		if (st == NULL) {
			fprintf(stderr, "gen_attendance: %s\n", err);
			return EX_CANTCREAT;
		}
		store_close(st);
	}
	if (sqlite3_open(dbpath, &db) != SQLITE_OK) {
		fprintf(stderr, "gen_attendance: %s: %s\n", dbpath, sqlite3_errmsg(db));
		return EX_CANTCREAT;
	}
	if (exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
	    "PRAGMA foreign_keys = ON;") == -1 || exec(db, "BEGIN IMMEDIATE") == -1)
		goto fail;
	if ((q = prep(db, "SELECT count(*) FROM members")) == NULL)
		goto fail;
	nmem_existing = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	sqlite3_finalize(q);
	if (nmem_existing != 0) {
		fprintf(stderr, "gen_attendance: %s already has members; use a new file\n",
		    dbpath);
		goto fail;
	}

	ins_member = prep(db, "INSERT INTO members (id, name, display_name, email, status,"
	    " public, created) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6)");
	ins_badge = prep(db, "INSERT INTO badges (id, member_id, uid_mac, uid_hint, label,"
	    " status, created, last_seen) VALUES (?1, ?1, ?2, ?3, 'card', 'active', ?4, ?5)");
	ins_visit = prep(db, "INSERT INTO visits (member_id, door, arrived_ts, left_ts,"
	    " left_reason, last_seen_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	ins_event = prep(db, "INSERT INTO events (ts_ms, clock_synced, boot_id, mono_ms,"
	    " type, door, reader, member_id, badge_id, uid_mac, reason)"
	    " VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)");
	if (ins_member == NULL || ins_badge == NULL || ins_visit == NULL || ins_event == NULL)
		goto fail;

	created = local_ms(&day0, 0) - 86400000LL * 30;
	for (i = 0; i < nmembers; i++) {
		const char *fn = first_names[i % NFIRST];
		const char *ln = last_names[(i / NFIRST + seed) % NLAST];

		if ((size_t)i < NFIRST * NLAST)
			snprintf(name, sizeof(name), "%s %s", fn, ln);
		else
			snprintf(name, sizeof(name), "%s %s %ld", fn, ln, i / (long)(NFIRST * NLAST) + 1);
		snprintf(email, sizeof(email), "member%ld@example.org", i + 1);
		sqlite3_bind_int64(ins_member, 1, i + 1);
		sqlite3_bind_text(ins_member, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins_member, 3, fn, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_member, 4, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins_member, 5, unif() < 0.4);
		sqlite3_bind_int64(ins_member, 6, created);
		if (step(db, ins_member) == -1)
			goto fail;
		snprintf(hint, sizeof(hint), "%02X%02X", macs[i][30], macs[i][31]);
		sqlite3_bind_int64(ins_badge, 1, i + 1);
		sqlite3_bind_blob(ins_badge, 2, macs[i], 32, SQLITE_STATIC);
		sqlite3_bind_text(ins_badge, 3, hint, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_badge, 4, created);
		sqlite3_bind_null(ins_badge, 5);
		if (step(db, ins_badge) == -1)
			goto fail;
	}
	for (k = 0; k < g.nvisits; k++) {
		const struct gvisit *v = &g.visits[k];

		sqlite3_bind_int(ins_visit, 1, v->member);
		sqlite3_bind_text(ins_visit, 2, door, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_visit, 3, v->arrived);
		if (v->left != 0) {
			sqlite3_bind_int64(ins_visit, 4, v->left);
			sqlite3_bind_text(ins_visit, 5, v->reason, -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(ins_visit, 6, v->last_seen);
		if (step(db, ins_visit) == -1)
			goto fail;
	}
	boot_ms = g.nevents ? g.events[0].ts - 3600000 : 0;
	for (k = 0; k < g.nevents; k++) {
		static const char *const tname[] = { "access_granted", "arrival",
		    "access_granted", "departure", "access_denied" };
		const struct gevent *e = &g.events[k];
		const char *reader = e->type == E_GRANTED_OUT ? "front-out" :
		    e->type == E_DEPARTURE ? NULL : "front-in";

		sqlite3_bind_int64(ins_event, 1, e->ts);
		sqlite3_bind_text(ins_event, 2, "00000000-0000-4000-8000-000000000000", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(ins_event, 3, e->ts - boot_ms);
		sqlite3_bind_text(ins_event, 4, tname[e->type], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_event, 5, door, -1, SQLITE_STATIC);
		if (reader != NULL)
			sqlite3_bind_text(ins_event, 6, reader, -1, SQLITE_STATIC);
		if (e->member != 0) {
			sqlite3_bind_int(ins_event, 7, e->member);
			if (e->type == E_GRANTED_IN || e->type == E_GRANTED_OUT)
				sqlite3_bind_blob(ins_event, 8, macs[e->member - 1], 32,
				    SQLITE_STATIC);
		} else {
			fake_mac(mac);
			sqlite3_bind_blob(ins_event, 8, mac, 32, SQLITE_TRANSIENT);
		}
		if (e->reason != NULL)
			sqlite3_bind_text(ins_event, 9, e->reason, -1, SQLITE_STATIC);
		if (step(db, ins_event) == -1)
			goto fail;
	}
	/* Each badge was last seen at its member's last visit. */
	if (exec(db, "UPDATE badges SET last_seen = (SELECT max(last_seen_ts) FROM visits"
	    " WHERE visits.member_id = badges.member_id)") == -1)
		goto fail;
	sqlite3_finalize(ins_member);
	sqlite3_finalize(ins_badge);
	sqlite3_finalize(ins_visit);
	sqlite3_finalize(ins_event);
	if (exec(db, "COMMIT") == -1)
		goto fail;
	sqlite3_close(db);
	fprintf(stderr, "gen_attendance: %ld members, %zu visits, %zu events over %ld days"
	    " from %s\n", nmembers, g.nvisits, g.nevents, ndays, start);
	printf("bench: gen_attendance_rows %zu visits\n", g.nvisits);
	free(g.visits);
	free(g.events);
	free(prof);
	free(macs);
	return 0;

fail:
	sqlite3_close_v2(db);
	return EX_SOFTWARE;
}
