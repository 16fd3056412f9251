/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What every seuilctl command shares: usage and help, options, the store
 * and the key, errors and output.  One return convention (ctl.h): EX_OK
 * to go on, or the exit status to return, its message printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "fold.h"
#include "tz.h"

void
ctl_print_command(FILE *f, const struct ctl_cmd *c)
{
	fprintf(f, "seuilctl [-f FILE] [--json] %s%s%s%s%s\n", c->name,
	    c->sub != NULL ? " " : "", c->sub != NULL ? c->sub : "",
	    *c->args != '\0' ? " " : "", c->args);
}

void
ctl_errx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("seuilctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A --timeout of a wait for a tap at a desk reader: whole seconds, 1 to
 * CTL_TAP_TIMEOUT_MAX_S (seuild's own bound).  EX_OK, or EX_DATAERR with
 * the message printed. */
int
ctl_tap_timeout(const char *arg, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || *out < 1 ||
	    *out > CTL_TAP_TIMEOUT_MAX_S) {
		ctl_errx("--timeout must be 1 to %d seconds, not '%.20s'", CTL_TAP_TIMEOUT_MAX_S,
		    arg);
		return EX_DATAERR;
	}
	return EX_OK;
}

int
ctl_usage(struct ctl *c)
{
	fputs("usage: ", stderr);
	if (c->cmd != NULL)
		ctl_print_command(stderr, c->cmd);
	else
		fputs("seuilctl [-f FILE] [--json] COMMAND ...\n", stderr);
	return EX_USAGE;
}

int
ctl_help(struct ctl *c)
{
	fputs("usage: ", stdout);
	ctl_print_command(stdout, c->cmd);
	printf("\n%s.\n", c->cmd->help);
	if (c->cmd->doc != NULL)
		printf("\n%s\n", c->cmd->doc);
	printf("\nCommon options: -f FILE (configuration, default %s), --json,\n"
	    "--help.  Common exit status: 0 success, 64 bad usage, 74 database\n"
	    "error, 78 bad configuration.  See seuilctl(1).\n", CONFIG_DEFAULT_PATH);
	return EX_OK;
}

int
ctl_args(struct ctl *c, int argc, char **argv, int min, int max)
{
	static const struct option opts[] = { CTL_COMMON_OPTS };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	if (argc - optind < min || argc - optind > max)
		return ctl_usage(c);
	return EX_OK;
}

int
ctl_opt(struct ctl *c, int ch, char **argv)
{
	switch (ch) {
	case 'h':
		/* main answers --help and -h before the command runs; an
		 * abbreviation (--he) still lands here. */
		store_close(c->st);
		exit(ctl_help(c));
	case 'J':
		c->json = true;
		return EX_OK;
	case ':':
		ctl_errx("option '%s' needs a value", argv[optind - 1]);
		return ctl_usage(c);
	default:
		if (optopt != 0 && optopt != '?')
			ctl_errx("unknown option '-%c'", optopt);
		else
			ctl_errx("unknown option '%s'", argv[optind - 1]);
		return ctl_usage(c);
	}
}

int
ctl_store(struct ctl *c)
{
	char err[PATH_MAX + 256];

	if (c->st != NULL)
		return EX_OK;
	c->st = store_open(c->conf.database, 0, err, sizeof(err));
	if (c->st == NULL) {
		ctl_errx("%s", err);
		return EX_IOERR;
	}
	return EX_OK;
}

int
ctl_store_error(struct ctl *c, const char *what)
{
	struct manage_err err;

	manage_store_fail(c->st, &err, what);
	return ctl_manage_error(&err);
}

int
ctl_manage_error(const struct manage_err *err)
{
	ctl_errx("%s", err->msg);
	switch (err->status) {
	case MANAGE_EEXIST:
	case MANAGE_EINVAL:
		return EX_DATAERR;
	case MANAGE_ENOENT:
		return EX_NOINPUT;
	case MANAGE_EREPLICA:
		return EX_NOPERM;
	case MANAGE_OK:
	case MANAGE_EDB:
	default:
		return EX_IOERR;
	}
}

int
ctl_key(struct ctl *c, uint8_t key[UID_KEY_LEN])
{
	char err[PATH_MAX + 256];

	if (uid_key_load(c->conf.uid_key_file, key, err, sizeof(err)) == -1) {
		ctl_errx("%s", err);
		return EX_IOERR;
	}
	return EX_OK;
}

int
ctl_uid_mac(struct ctl *c, struct uid *u, uint8_t mac[UID_MAC_LEN], char hint[UID_HINT_LEN])
{
	uint8_t key[UID_KEY_LEN];
	int rc;

	if ((rc = ctl_key(c, key)) != EX_OK) {
		uid_wipe(u);
		return rc;
	}
	uid_mac(key, u, mac);
	uid_hint(u, hint);
	uid_wipe(u);
	explicit_bzero(key, sizeof(key));
	return EX_OK;
}

/* Members a name not found may have meant: those whose name or display
 * name holds it, folded (fold.h), a few of them. */
struct suggest_ctx {
	const char	*typed;
	char		 names[256];
	int		 n;
};

static int
suggest_cb(const struct member_row *m, void *arg)
{
	struct suggest_ctx *x = arg;
	size_t len = strlen(x->names);

	if (m->erased || (!fold_contains(m->name, x->typed) &&
	    !fold_contains(m->display_name, x->typed)))
		return 0;
	if (x->n++ == 5) {
		snprintf(x->names + len, sizeof(x->names) - len, ", ...");
		return 1;
	}
	snprintf(x->names + len, sizeof(x->names) - len, "%s%s (%lld)", len ? ", " : "",
	    m->name, (long long)m->id);
	return 0;
}

int
ctl_member(struct ctl *c, const char *arg, struct member_row *m)
{
	struct suggest_ctx x = { .typed = arg };
	struct manage_err err;
	int rc;

	if (manage_member_find(c->st, arg, m, &err) == 0)
		return EX_OK;
	rc = ctl_manage_error(&err);
	/* An exact name stays the rule (a change must name its member
	 * exactly); what was typed only helps to find it. */
	if (err.status == MANAGE_ENOENT && *arg != '\0' &&
	    store_members_list(c->st, suggest_cb, &x) != -1 && x.n > 0)
		fprintf(stderr, "seuilctl: did you mean %s?\n", x.names);
	return rc;
}

/* NULL: the render failed, for the store's reason if it has one. */
int
ctl_json_print(struct ctl *c, cJSON *j)
{
	char *s;

	if (j == NULL && c->st != NULL && store_errcode(c->st) != STORE_OK)
		return ctl_store_error(c, c->cmd != NULL ? c->cmd->name : "database");
	if (j == NULL || (s = cJSON_PrintUnformatted(j)) == NULL) {
		cJSON_Delete(j);
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	puts(s);
	cJSON_free(s);
	cJSON_Delete(j);
	return EX_OK;
}

void
ctl_format_time(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "-");
	else
		tz_format_local(ms, buf, len);
}

void
ctl_format_utc(int64_t ms, char *buf, size_t len)
{
	char b[21];

	clock_format_utc(ms, b);
	snprintf(buf, len, "%s", b);
}

