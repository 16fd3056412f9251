/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl's private header: the shared context and the command functions,
 * grouped by file as in OpenBSD's ntpd.h.
 *
 * A command function gets argv starting at its own name ("add" for
 * `member add`) and returns an exit code from <sysexits.h> (EX_OK on
 * success), having printed its own message on failure.  The work itself
 * is core's (manage.h, render_json.h, report.h): a command parses its
 * arguments, calls it, and prints text, or JSON with --json.
 *
 * One return convention for every helper below that returns an int: EX_OK
 * to go on, or the exit status to return, its message printed.
 */
#ifndef SEUIL_CTL_H
#define SEUIL_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "control.h"
#include "manage.h"
#include "render_json.h"
#include "store.h"
#include "uid.h"

struct ctl {
	const char	*conf_path;
	struct config	 conf;
	bool		 json;
	struct store	*st;		/* opened by ctl_store() */
	const struct ctl_cmd *cmd;	/* the command being run */
	char		 actor[MANAGE_ACTOR_MAX];	/* who, for the audit trail */
};

/* Every command's long options end with these. */
#define CTL_COMMON_OPTS	{ "help", no_argument, NULL, 'h' }, \
			{ "json", no_argument, NULL, 'J' }, \
			{ NULL, 0, NULL, 0 }

struct ctl_cmd {
	const char	*name;		/* "member" */
	const char	*sub;		/* "add", or NULL for a one-word command */
	int		(*fn)(struct ctl *, int, char **);
	const char	*args;		/* usage after the command words */
	const char	*help;		/* one line */
	const char	*doc;		/* --help: description, options, examples */
	const char	*alias;		/* an older spelling of sub, still accepted */
};

/* ctl_commands.c */
extern const struct ctl_cmd ctl_commands[];
extern const size_t ctl_ncommands;

/* ctl_common.c */
void	 ctl_print_command(FILE *, const struct ctl_cmd *);	/* its usage line */
int	 ctl_usage(struct ctl *);			/* EX_USAGE */
int	 ctl_help(struct ctl *);			/* prints, EX_OK */
int	 ctl_store(struct ctl *);
int	 ctl_store_error(struct ctl *, const char *);	/* by store_errcode */
int	 ctl_manage_error(const struct manage_err *);	/* by its status */
int	 ctl_key(struct ctl *, uint8_t[UID_KEY_LEN]);
/* The MAC and hint of a parsed UID under the site key; the UID and the key
 * are wiped either way.  EX_OK, or an exit code with the message printed. */
int	 ctl_uid_mac(struct ctl *, struct uid *, uint8_t[UID_MAC_LEN], char[UID_HINT_LEN]);
int	 ctl_member(struct ctl *, const char *, struct member_row *);
/* The default case of every command's getopt_long loop: --json, unknown
 * options, a missing value (--help never gets here: main answers it). */
int	 ctl_opt(struct ctl *, int, char **);
/* Common options only, then min..max operands from argv[optind]. */
int	 ctl_args(struct ctl *, int, char **, int, int);
void	 ctl_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
#define CTL_TAP_TIMEOUT_MAX_S	3600
int	 ctl_tap_timeout(const char *, long *);	/* --timeout: EX_OK or EX_DATAERR */
int	 ctl_json_print(struct ctl *, cJSON *);	/* prints, frees; NULL: failed */
void	 ctl_format_time(int64_t, char *, size_t);	/* local, "-" for 0 */
void	 ctl_format_utc(int64_t, char *, size_t);	/* ISO 8601 Z */

/* ctl_init.c */
int	 ctl_init(struct ctl *, int, char **);
/* Give the file at path (opened without following a link, a regular file
 * of its own) to uid:gid, mode unless 0.  1 done, 0 missing, -1 errno. */
int	 ctl_give_file(const char *, uid_t, gid_t, mode_t);
/* Run as root while the user seuil exists: its uid and gid, true. */
bool	 ctl_seuil_ids(uid_t *, gid_t *);

/* ctl_site.c */
int	 ctl_site_init(struct ctl *, int, char **);
int	 ctl_site_join(struct ctl *, int, char **);
int	 ctl_site_install(struct ctl *, int, char **);
int	 ctl_site_promote(struct ctl *, int, char **);
int	 ctl_site_show(struct ctl *, int, char **);

/* ctl_member.c */
int	 ctl_member_add(struct ctl *, int, char **);
int	 ctl_member_list(struct ctl *, int, char **);
int	 ctl_member_show(struct ctl *, int, char **);
int	 ctl_member_edit(struct ctl *, int, char **);
int	 ctl_member_disable(struct ctl *, int, char **);
int	 ctl_member_enable(struct ctl *, int, char **);
int	 ctl_member_export(struct ctl *, int, char **);
int	 ctl_member_erase(struct ctl *, int, char **);
int	 ctl_member_invite(struct ctl *, int, char **);

/* ctl_badge.c */
int	 ctl_badge_add(struct ctl *, int, char **);
int	 ctl_badge_list(struct ctl *, int, char **);
int	 ctl_badge_revoke(struct ctl *, int, char **);
int	 ctl_badge_enrol(struct ctl *, int, char **);
int	 ctl_badge_wipe(struct ctl *, int, char **);
/* A UID typed on standard input (echo off on a terminal): 0, or -1 with
 * its message printed.  The caller wipes buf. */
int	 ctl_read_uid_stdin(char *, size_t);

/* ctl_guest.c */
int	 ctl_guest_add(struct ctl *, int, char **);
int	 ctl_guest_list(struct ctl *, int, char **);
int	 ctl_guest_lend(struct ctl *, int, char **);
int	 ctl_guest_end(struct ctl *, int, char **);
int	 ctl_guest_export(struct ctl *, int, char **);
int	 ctl_guest_erase(struct ctl *, int, char **);
int	 ctl_guest_pool(struct ctl *, int, char **);

/* ctl_group.c */
int	 ctl_group_add(struct ctl *, int, char **);
int	 ctl_group_list(struct ctl *, int, char **);
int	 ctl_schedule_set(struct ctl *, int, char **);
int	 ctl_group_edit(struct ctl *, int, char **);

/* ctl_who.c */
int	 ctl_who(struct ctl *, int, char **);
int	 ctl_checkout(struct ctl *, int, char **);
/* End m's visit: through seuild if it runs, else in the store.  *daemon
 * says which. */
int	 ctl_checkout_member(struct ctl *, const struct member_row *, bool *was_present,
	    bool *daemon);

/* ctl_log.c */
int	 ctl_log(struct ctl *, int, char **);

/* ctl_explain.c */
int	 ctl_explain(struct ctl *, int, char **);

/* ctl_report.c */
int	 ctl_report_attendance(struct ctl *, int, char **);
/* report presence-hours|members|drifting|retention (core/insight.h), by
 * the command's own word. */
int	 ctl_report_insight(struct ctl *, int, char **);

/* ctl_purge.c */
int	 ctl_purge(struct ctl *, int, char **);

/* ctl_daemon.c */
int	 ctl_status(struct ctl *, int, char **);
int	 ctl_door_unlock(struct ctl *, int, char **);
int	 ctl_door_lock(struct ctl *, int, char **);
/* The exit status of a reply's code (sysexits). */
int	 ctl_exit_code(enum control_code);
/*
 * Ask seuild (timeout_ms 0: CONTROL_TIMEOUT_MS).  EX_OK with *rep holding
 * its answer, which the caller frees with control_reply_free; otherwise
 * the exit status, the reason printed, except when no daemon runs and
 * quiet (then *absent is true and nothing is printed).
 */
int	 ctl_call(struct ctl *, const struct control_req *, int, struct control_reply *,
	    bool *, bool);
/*
 * A change to the store: through seuild when it runs (EX_OK, *rep its
 * answer), else CTL_DIRECT and the caller opens the store and writes it
 * itself (setup and recovery, as root or the seuil user); or the exit
 * status of a refusal, printed.
 */
#define CTL_DIRECT	(-1)
int	 ctl_change(struct ctl *, const struct control_req *, struct control_reply *);

/* ctl_backup.c */
int	 ctl_backup(struct ctl *, int, char **);
int	 ctl_restore(struct ctl *, int, char **);

/* ctl_hw.c */
int	 ctl_hw_test(struct ctl *, int, char **);

/* ctl_import.c */
int	 ctl_member_import(struct ctl *, int, char **);

/* ctl_web.c */
int	 ctl_web_user(struct ctl *, int, char **);
int	 ctl_web_cert(struct ctl *, int, char **);

#endif
