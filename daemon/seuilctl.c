/*
 * seuilctl: how the manager enrols, reviews and operates (DESIGN §3).
 *
 * Members, badges, groups and schedules live in the store, which seuilctl
 * edits directly (the daemon reads them at every decision).  The daemon's
 * live state (doors, presence, enrolment) is changed through its control
 * socket.  Every command is one row of the table below.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "ctl.h"
#include "report.h"
#include "tz.h"

/* report.c's command, which opens nothing itself. */
static int
ctl_report(struct ctl *c, int argc, char **argv)
{
	int rc;

	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	return ctl_report_attendance(c->st, &c->conf, argc, argv);
}

/*
 * Still to come, as rows of this table: member export, member erase,
 * badge enroll (through the control socket), explain, purge, and
 * log --follow (an option of `log`).
 */
static const struct ctl_cmd commands[] = {
	{ "init", NULL, ctl_init, "",
	    "create the database and the UID key file if missing" },
	{ "member", "add", ctl_member_add,
	    "NAME [--display NAME] [--email E] [--group G]... [--from DATE] "
	    "[--until DATE] [--public|--anonymous]",
	    "add a member and print its id" },
	{ "member", "list", ctl_member_list, "", "list members" },
	{ "member", "show", ctl_member_show, "M", "show a member, groups and badges" },
	{ "member", "edit", ctl_member_edit,
	    "M [--name NAME] [--display NAME] [--email E] [--group G]... "
	    "[--no-groups] [--from DATE] [--until DATE] [--public|--anonymous]",
	    "change a member (--group replaces the groups)" },
	{ "member", "disable", ctl_member_disable, "M", "deny a member every door" },
	{ "member", "enable", ctl_member_enable, "M", "allow a disabled member again" },
	{ "badge", "add", ctl_badge_add, "M UID [--label L]",
	    "enrol a badge by UID (hex) and print its id and hint" },
	{ "badge", "list", ctl_badge_list, "[M]", "list badges" },
	{ "badge", "revoke", ctl_badge_revoke, "BADGE",
	    "revoke a badge, by id or by UID" },
	{ "group", "add", ctl_group_add, "G", "add a group" },
	{ "group", "list", ctl_group_list, "", "list groups and their schedules" },
	{ "schedule", "set", ctl_schedule_set, "G 'Mon-Fri 08:00-19:00, Sat 10:00-14:00'",
	    "replace a group's schedule ('always' removes it)" },
	{ "who", NULL, ctl_who, "", "who is here now" },
	{ "checkout", NULL, ctl_checkout, "M", "end a member's visit now" },
	{ "log", NULL, ctl_log,
	    "[--since T] [--until T] [--member M] [--door D] [--type T] [--limit N]",
	    "show the event log" },
	{ "report", "attendance", ctl_report,
	    "[--from DATE] [--to DATE] [--by day|week|month] [--member M] "
	    "[--csv|--json|--html]",
	    "per member: days present, visits, hours, first and last seen" },
	{ "status", NULL, ctl_status, "", "the daemon's doors, readers, MQTT and database" },
	{ "door", "unlock", ctl_door_unlock, "[DOOR] [--seconds N]",
	    "unlock a door for a moment" },
	{ "hw", "test", ctl_hw_test,
	    "[--door D]... [--reader R]... [--pulse SECONDS] [--timeout S]",
	    "test doors and readers on site, with seuild stopped" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
print_command(FILE *f, const struct ctl_cmd *c)
{
	fprintf(f, "seuilctl [-f FILE] [--json] %s%s%s%s%s\n", c->name,
	    c->sub != NULL ? " " : "", c->sub != NULL ? c->sub : "",
	    *c->args != '\0' ? " " : "", c->args);
}

static void
usage_all(FILE *f)
{
	size_t i;

	fprintf(f, "usage: seuilctl [-f FILE] [--json] COMMAND ...\n"
	    "       seuilctl COMMAND --help\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		fprintf(f, "  %s%s%s%s%s\n", commands[i].name,
		    commands[i].sub != NULL ? " " : "",
		    commands[i].sub != NULL ? commands[i].sub : "",
		    *commands[i].args != '\0' ? " " : "", commands[i].args);
		fprintf(f, "      %s\n", commands[i].help);
	}
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

int
ctl_usage(struct ctl *c)
{
	fputs("usage: ", stderr);
	if (c->cmd != NULL)
		print_command(stderr, c->cmd);
	else
		usage_all(stderr);
	return EX_USAGE;
}

int
ctl_help(struct ctl *c)
{
	fputs("usage: ", stdout);
	print_command(stdout, c->cmd);
	printf("%s\n", c->cmd->help);
	return EX_OK;
}

int
ctl_opt(struct ctl *c, int ch, char **argv)
{
	switch (ch) {
	case 'h':
		return ctl_help(c);
	case 'J':
		c->json = true;
		return -1;
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
	ctl_errx("%s: %s", what, store_errmsg(c->st));
	switch (store_errcode(c->st)) {
	case STORE_EEXIST:
	case STORE_EINVAL:
		return EX_DATAERR;
	case STORE_ENOENT:
		return EX_NOINPUT;
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
ctl_all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A member or group name: printable, no leading '-' (it would read as an
 * option), not all digits (it would read as an id), shorter than max. */
bool
ctl_valid_name(const char *s, size_t max)
{
	const unsigned char *p;

	if (*s == '\0' || *s == '-' || *s == ' ' || strlen(s) >= max ||
	    ctl_all_digits(s))
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return s[strlen(s) - 1] != ' ';
}

int
ctl_member(struct ctl *c, const char *arg, struct member_row *m)
{
	int rc;

	rc = store_member_find(c->st, arg, m);
	if (rc == -1)
		return ctl_store_error(c, "member");
	if (rc == 0) {
		ctl_errx("member '%s' not found", arg);
		return EX_NOINPUT;
	}
	return EX_OK;
}

int
ctl_json_print(cJSON *j)
{
	char *s;

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

static const struct ctl_cmd *
find_command(int argc, char **argv, int *used)
{
	size_t i;
	bool name_known = false;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		name_known = true;
		if (commands[i].sub == NULL) {
			*used = 0;
			return &commands[i];
		}
		if (argc > 1 && strcmp(commands[i].sub, argv[1]) == 0) {
			*used = 1;
			return &commands[i];
		}
	}
	*used = name_known ? -1 : -2;
	return NULL;
}

static void
usage_group(const char *name)
{
	size_t i;

	fputs("usage:\n", stderr);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0) {
			fputs("  ", stderr);
			print_command(stderr, &commands[i]);
		}
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		CTL_COMMON_OPTS
	};
	static struct ctl ctl;
	const struct ctl_cmd *cmd;
	char err[256];
	int ch, used, n, rc;

	ctl.conf_path = CONFIG_DEFAULT_PATH;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:f:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			ctl.conf_path = optarg;
			break;
		case 'J':
			ctl.json = true;
			break;
		case 'h':
			usage_all(stdout);
			return EX_OK;
		case 'V':
			printf("seuilctl %s\n", SEUIL_VERSION);
			return EX_OK;
		default:
			ctl_opt(&ctl, ch, argv);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return ctl_usage(&ctl);
	if (strcmp(argv[0], "help") == 0) {
		usage_all(stdout);
		return EX_OK;
	}
	cmd = find_command(argc, argv, &used);
	if (cmd == NULL) {
		if (used == -2) {
			ctl_errx("unknown command '%s'", argv[0]);
			return ctl_usage(&ctl);
		}
		if (argc > 1 && strcmp(argv[1], "--help") != 0 &&
		    strcmp(argv[1], "-h") != 0)
			ctl_errx("unknown command '%s %s'", argv[0], argv[1]);
		else if (argc == 1)
			ctl_errx("'%s' needs a subcommand", argv[0]);
		usage_group(argv[0]);
		return (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) ? EX_OK : EX_USAGE;
	}
	ctl.cmd = cmd;
	argc -= used;
	argv += used;

	/* --help needs no configuration. */
	for (n = 1; n < argc && strcmp(argv[n], "--") != 0; n++)
		if (strcmp(argv[n], "--help") == 0 || strcmp(argv[n], "-h") == 0)
			return ctl_help(&ctl);

	rc = config_load(ctl.conf_path, &ctl.conf, stderr);
	if (rc != 0) {
		if (rc > 0)
			ctl_errx("%s: %d error%s in configuration", ctl.conf_path,
			    rc, rc == 1 ? "" : "s");
		return EX_CONFIG;
	}
	if (tz_set(ctl.conf.timezone, err, sizeof(err)) == -1) {
		ctl_errx("%s: %s", ctl.conf_path, err);
		return EX_CONFIG;
	}

	optind = 0;	/* glibc: full re-initialisation for the command */
	rc = cmd->fn(&ctl, argc, argv);
	store_close(ctl.st);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_errx("stdout: %s", strerror(errno));
		if (rc == EX_OK)
			rc = EX_IOERR;
	}
	return rc;
}
