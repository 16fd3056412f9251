/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl report attendance, and the insight figures (core/insight.h) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "insight.h"
#include "report.h"
#include "tz.h"

enum report_fmt { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_HTML };

enum { OPT_FROM = 256, OPT_TO, OPT_BY, OPT_MEMBER, OPT_CSV, OPT_HTML };

/* A format option; --json is the common one, so it is checked after. */
static int
set_format(struct ctl *c, enum report_fmt *fmt, enum report_fmt want)
{
	if (*fmt != FMT_TEXT && *fmt != want) {
		ctl_errx("--csv, --json and --html exclude each other");
		return ctl_usage(c);
	}
	*fmt = want;
	return EX_OK;
}

/* The range: --from and --to, or defaults (see report.h). */
static int
resolve_range(const char *from, const char *to, int64_t now, char dfrom[11], char dto[11])
{
	if ((from != NULL && tz_parse_date(from, dfrom) == -1) ||
	    (to != NULL && tz_parse_date(to, dto) == -1)) {
		ctl_errx("bad date '%s' (YYYY-MM-DD)",
		    from != NULL && tz_parse_date(from, NULL) == -1 ? from : to);
		return EX_USAGE;
	}
	if (from == NULL && to == NULL) {
		report_default_range(now, dfrom, dto);
	} else if (to == NULL) {
		/* From a date to today, or just that day if it is to come. */
		report_default_range(now, dto, dto);
		if (strcmp(dfrom, dto) > 0)
			memcpy(dto, dfrom, 11);
	} else if (from == NULL) {
		memcpy(dfrom, dto, 11);
		dfrom[8] = '0';
		dfrom[9] = '1';
	}
	if (strcmp(dfrom, dto) > 0) {
		ctl_errx("report: --from is after --to");
		return EX_USAGE;
	}
	return EX_OK;
}

int
ctl_report_attendance(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "by", required_argument, NULL, OPT_BY },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "html", no_argument, NULL, OPT_HTML },
		CTL_COMMON_OPTS
	};
	const char *from = NULL, *to = NULL, *member = NULL;
	enum report_by by = REPORT_BY_MONTH;
	enum report_fmt fmt = FMT_TEXT;
	char dfrom[11], dto[11];
	struct member_row m;
	struct report *r;
	int64_t now = clock_wall_ms();
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_TO:
			to = optarg;
			break;
		case OPT_BY:
			if (report_by_parse(optarg, &by) == -1) {
				ctl_errx("--by is day, week or month, not '%s'", optarg);
				return EX_USAGE;
			}
			break;
		case OPT_MEMBER:
			member = optarg;
			break;
		case OPT_CSV:
		case OPT_HTML:
			if ((rc = set_format(c, &fmt, ch == OPT_CSV ? FMT_CSV : FMT_HTML)) != EX_OK)
				return rc;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (c->json && (rc = set_format(c, &fmt, FMT_JSON)) != EX_OK)
		return rc;
	if (optind != argc) {
		ctl_errx("unexpected argument '%s'", argv[optind]);
		return ctl_usage(c);
	}
	if ((rc = resolve_range(from, to, now, dfrom, dto)) != EX_OK ||
	    (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (member != NULL && (rc = ctl_member(c, member, &m)) != EX_OK)
		return rc;

	if ((r = report_new(dfrom, dto, by, now)) == NULL) {
		if (errno == EINVAL) {
			ctl_errx("report: bad range (at most ten years, from a date before to)");
			return EX_USAGE;
		}
		if (errno == ERANGE) {
			ctl_errx("report: %s to %s goes past 2038-01-19, the end of this "
			    "system's 32-bit time (a 64-bit OS counts further)", dfrom, dto);
			return EX_USAGE;
		}
		ctl_errx("%s", strerror(errno));
		return EX_OSERR;
	}
	report_filter_member(r, member != NULL ? m.id : 0);
	/* A site's primary: every node's visits, each row naming its nodes. */
	report_set_site(r, config_site(&c->conf) && !config_replica(&c->conf));
	if (report_load(r, c->st) == -1) {
		rc = errno == ENOMEM ? EX_OSERR : ctl_store_error(c, "report");
		if (rc == EX_OSERR)
			ctl_errx("out of memory");
		report_free(r);
		return rc;
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
		rc = report_write_html(r, stdout, c->conf.site_name);
		break;
	}
	report_free(r);
	if (rc == -1) {
		ctl_errx("writing the report: %s", strerror(errno));
		return errno == ENOMEM ? EX_OSERR : EX_IOERR;
	}
	return EX_OK;
}

int
ctl_report_insight(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "csv", no_argument, NULL, OPT_CSV },
		CTL_COMMON_OPTS
	};
	enum insight_kind kind;
	enum report_fmt fmt = FMT_TEXT;
	const char *from = NULL, *to = NULL;
	char err[256];
	cJSON *doc;
	int ch, rc;

	if (insight_parse(c->cmd->sub, &kind) == -1)
		return ctl_usage(c);
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_TO:
			to = optarg;
			break;
		case OPT_CSV:
			if ((rc = set_format(c, &fmt, FMT_CSV)) != EX_OK)
				return rc;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (c->json && (rc = set_format(c, &fmt, FMT_JSON)) != EX_OK)
		return rc;
	if (optind != argc) {
		ctl_errx("unexpected argument '%s'", argv[optind]);
		return ctl_usage(c);
	}
	if (!c->conf.report_insight) {
		ctl_errx("report %s: insight is off ([report] insight = false in %s)",
		    c->cmd->sub, c->conf_path);
		return EX_CONFIG;
	}
	if ((from != NULL && tz_parse_date(from, NULL) == -1) ||
	    (to != NULL && tz_parse_date(to, NULL) == -1)) {
		ctl_errx("bad date '%s' (YYYY-MM-DD)", from != NULL &&
		    tz_parse_date(from, NULL) == -1 ? from : to);
		return EX_USAGE;
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if ((doc = insight_run(c->st, kind, from, to, clock_wall_ms(),
	    config_site(&c->conf) && !config_replica(&c->conf), err, sizeof(err))) == NULL) {
		if (errno == EINVAL) {
			ctl_errx("report %s: %s", c->cmd->sub, err);
			return EX_USAGE;
		}
		if (errno == ENOMEM) {
			ctl_errx("out of memory");
			return EX_OSERR;
		}
		return ctl_store_error(c, "report");
	}
	if (fmt == FMT_JSON)
		return ctl_json_print(c, doc);
	rc = fmt == FMT_CSV ? insight_write_csv(doc, stdout) : insight_write_text(doc, stdout);
	cJSON_Delete(doc);
	if (rc == -1) {
		ctl_errx("writing the report: %s", strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}
