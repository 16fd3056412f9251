/* seuilctl report attendance */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "config.h"
#include "report.h"
#include "store.h"
#include "tz.h"

enum report_fmt { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_HTML };

enum { OPT_FROM = 256, OPT_TO, OPT_BY, OPT_MEMBER, OPT_CSV, OPT_JSON, OPT_HTML,
    OPT_HELP };

static const struct option report_longopts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "by", required_argument, NULL, OPT_BY },
	{ "member", required_argument, NULL, OPT_MEMBER },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "html", no_argument, NULL, OPT_HTML },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static const char report_usage[] =
	"usage: seuilctl report attendance [--from DATE] [--to DATE] "
	"[--by day|week|month]\n"
	"                                  [--member M] [--csv|--json|--html]\n";

struct feed {
	struct store	*st;
	struct report	*r;
	int		 err;		/* errno of a failure in the callback */
	bool		 store_failed;
};

/* Names are looked up once per member, not once per visit: a year of a
 * big site is 100k visits but only hundreds of members. */
static int
feed_visit(const struct visit_row *v, void *arg)
{
	struct feed *f = arg;
	struct member_row m;
	const char *name = NULL;
	int rc;

	if (v->member_id != 0 && !report_has_member(f->r, v->member_id)) {
		if ((rc = store_member_get(f->st, v->member_id, &m)) == -1) {
			f->store_failed = true;
			return 1;
		}
		if (rc == 1)
			name = m.erased ? "(erased)" : m.name;
	}
	if (report_add_visit(f->r, v, name) == -1) {
		f->err = errno;
		return 1;
	}
	return 0;
}

static int
fail(const char *fmt, const char *arg, int code)
{
	fflush(stdout);
	fputs("seuilctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}

int
ctl_report_attendance(struct store *st, const struct config *conf, int argc,
    char **argv)
{
	const char *from = NULL, *to = NULL, *member = NULL;
	enum report_by by = REPORT_BY_MONTH;
	enum report_fmt fmt = FMT_TEXT;
	bool fmt_set = false;
	char dfrom[11], dto[11], err[256];
	struct member_row m;
	struct report *r = NULL;
	struct feed f;
	int64_t now = clock_wall_ms(), member_id = 0;
	int ch, rc, n, code;

	optind = 0;	/* glibc: full re-initialisation for the command */
	while ((ch = getopt_long(argc, argv, ":", report_longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_TO:
			to = optarg;
			break;
		case OPT_BY:
			if (report_by_parse(optarg, &by) == -1)
				return fail("--by is day, week or month, not '%s'", optarg,
				    EX_USAGE);
			break;
		case OPT_MEMBER:
			member = optarg;
			break;
		case OPT_CSV:
		case OPT_JSON:
		case OPT_HTML:
			if (fmt_set && fmt != (enum report_fmt)(ch - OPT_CSV + FMT_CSV))
				return fail("%s: --csv, --json and --html exclude each other",
				    "report", EX_USAGE);
			fmt = (enum report_fmt)(ch - OPT_CSV + FMT_CSV);
			fmt_set = true;
			break;
		case OPT_HELP:
			fputs(report_usage, stdout);
			return EX_OK;
		case ':':
			fail("option '%s' needs a value", argv[optind - 1], EX_USAGE);
			fputs(report_usage, stderr);
			return EX_USAGE;
		default:
			fail("unknown option '%s'", argv[optind - 1], EX_USAGE);
			fputs(report_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fail("unexpected argument '%s'", argv[optind], EX_USAGE);
		fputs(report_usage, stderr);
		return EX_USAGE;
	}

	if (tz_set(conf->timezone, err, sizeof(err)) == -1)
		return fail("%s", err, EX_CONFIG);
	if (from != NULL && tz_parse_date(from, dfrom) == -1)
		return fail("bad date '%s' (YYYY-MM-DD)", from, EX_USAGE);
	if (to != NULL && tz_parse_date(to, dto) == -1)
		return fail("bad date '%s' (YYYY-MM-DD)", to, EX_USAGE);
	if (from == NULL && to == NULL) {
		report_default_range(now, dfrom, dto);
	} else if (to == NULL) {
		/* From a date to today, or just that day if it is to come. */
		report_default_range(now, dto, dto);
		if (strcmp(dfrom, dto) > 0)
			memcpy(dto, dfrom, sizeof(dto));
	} else if (from == NULL) {
		memcpy(dfrom, dto, sizeof(dfrom));
		dfrom[8] = '0';
		dfrom[9] = '1';
	}
	if (strcmp(dfrom, dto) > 0)
		return fail("%s: --from is after --to", "report", EX_USAGE);

	if (member != NULL) {
		if ((rc = store_member_find(st, member, &m)) == -1)
			return fail("database: %s", store_errmsg(st), EX_IOERR);
		if (rc == 0)
			return fail("member '%s' not found", member, EX_NOINPUT);
		member_id = m.id;
	}

	if ((r = report_new(dfrom, dto, by, now)) == NULL) {
		if (errno == EINVAL)
			return fail("report: bad range %s", "(at most "
			    "ten years, from a date before to)", EX_USAGE);
		return fail("%s", strerror(errno), EX_OSERR);
	}
	report_filter_member(r, member_id);
	memset(&f, 0, sizeof(f));
	f.st = st;
	f.r = r;
	n = store_visits_between(st, report_from_ms(r), report_to_ms(r), member_id,
	    feed_visit, &f);
	if (f.err != 0) {
		code = fail("%s", strerror(f.err), EX_OSERR);
		goto done;
	}
	if (n == -1 || f.store_failed) {
		code = fail("database: %s", store_errmsg(st), EX_IOERR);
		goto done;
	}

	switch (fmt) {
	case FMT_TEXT:
		rc = report_write_text(r, stdout);
		break;
	case FMT_CSV:
		rc = report_write_csv(r, stdout);
		break;
	case FMT_JSON:
		rc = report_write_json(r, stdout);
		break;
	case FMT_HTML:
	default:
		rc = report_write_html(r, stdout, conf->site_name);
		break;
	}
	code = EX_OK;
	if (rc == -1)
		code = fail("writing the report: %s", strerror(errno),
		    errno == ENOMEM ? EX_OSERR : EX_IOERR);
done:
	report_free(r);
	return code;
}
