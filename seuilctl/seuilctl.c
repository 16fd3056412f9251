/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl: how the manager enrols, reviews and operates (docs/design.md, "Programs").
 *
 * Members, badges, groups and schedules live in the store, which seuilctl
 * edits directly (the daemon reads them at every decision).  The daemon's
 * live state (doors, presence, enrolment) is changed through its control
 * socket.  Every command is one row of the table in ctl_commands.c.
 */
#include <ctype.h>
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
#include "tz.h"

static void
usage_all(FILE *f)
{
	size_t i;

	fprintf(f, "usage: seuilctl [-f FILE] [--json] COMMAND ...\n"
	    "       seuilctl COMMAND --help\n\ncommands:\n");
	for (i = 0; i < ctl_ncommands; i++) {
		fprintf(f, "  %s%s%s%s%s\n", ctl_commands[i].name,
		    ctl_commands[i].sub != NULL ? " " : "",
		    ctl_commands[i].sub != NULL ? ctl_commands[i].sub : "",
		    *ctl_commands[i].args != '\0' ? " " : "", ctl_commands[i].args);
		fprintf(f, "      %s\n", ctl_commands[i].help);
	}
}

static const struct ctl_cmd *
find_command(int argc, char **argv, int *used)
{
	size_t i;
	bool name_known = false;

	for (i = 0; i < ctl_ncommands; i++) {
		if (strcmp(ctl_commands[i].name, argv[0]) != 0)
			continue;
		name_known = true;
		if (ctl_commands[i].sub == NULL) {
			*used = 0;
			return &ctl_commands[i];
		}
		if (argc > 1 && (strcmp(ctl_commands[i].sub, argv[1]) == 0 ||
		    (ctl_commands[i].alias != NULL && strcmp(ctl_commands[i].alias, argv[1]) == 0))) {
			*used = 1;
			return &ctl_commands[i];
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
	for (i = 0; i < ctl_ncommands; i++)
		if (strcmp(ctl_commands[i].name, name) == 0) {
			fputs("  ", stderr);
			ctl_print_command(stderr, &ctl_commands[i]);
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
	manage_actor_os(ctl.actor);
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
	if (argc == 0) {
		usage_all(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage_all(stdout);
		return EX_OK;
	}
	cmd = find_command(argc, argv, &used);
	if (cmd == NULL) {
		if (used == -2) {
			ctl_errx("unknown command '%s'", argv[0]);
			usage_all(stderr);
			return EX_USAGE;
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
