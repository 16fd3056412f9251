/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl badge add|list|revoke.  A UID typed on the command line is turned
 * into its MAC at once and wiped; it is never printed, not even in an error
 * message (uid_parse's messages do not repeat it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"

/* MAC of a UID argument.  The parsed UID is wiped before returning. */
static int
uid_arg_mac(struct ctl *c, const char *arg, uint8_t mac[UID_MAC_LEN],
    char hint[UID_HINT_LEN])
{
	struct uid u;
	char err[128];

	if (uid_parse(arg, &u, err, sizeof(err)) == -1) {
		ctl_errx("bad UID: %s", err);
		return EX_DATAERR;
	}
	return ctl_uid_mac(c, &u, mac, hint);
}

/*
 * The UID of `badge add M -`: one line of standard input (a terminal's
 * echo turned off), so that it never shows in ps, shell history or sudo's
 * log.  0, or -1 with a message.  The caller wipes buf.
 */
int
ctl_read_uid_stdin(char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) == 1;
	size_t n;

	if (tty) {
		fputs("badge UID (hex; not echoed): ", stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		} else
			tty = false;
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 == len) {
		ctl_errx("bad UID: the line on standard input is too long");
		return -1;
	}
	buf[n] = '\0';
	if (n == 0) {
		ctl_errx("no UID on standard input");
		return -1;
	}
	return 0;
}

/* No daemon runs: the MAC made here with the key, the badge written. */
static int
badge_add_direct(struct ctl *c, const char *member, const char *uid, const char *label,
    struct badge_row *b, struct member_row *m)
{
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	struct manage_err err;
	int rc;

	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, member, m)) != EX_OK)
		return rc;
	if ((rc = uid_arg_mac(c, uid, mac, hint)) != EX_OK)
		return rc;
	rc = manage_badge_add(c->st, member, mac, hint, label, c->actor, b, m, &err) == -1 ?
	    ctl_manage_error(&err) : EX_OK;
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

int
ctl_badge_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		CTL_COMMON_OPTS
	};
	const char *label = NULL, *uid;
	char line[128] = "";
	struct control_req req;
	struct control_reply rep;
	struct member_row m;
	struct badge_row b;
	int64_t id;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":l:", opts, NULL)) != -1) {
		if (ch == 'l') {
			label = optarg;
			continue;
		}
		if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 2)
		return ctl_usage(c);
	uid = argv[optind + 1];
	if (strcmp(uid, "-") == 0) {
		if (ctl_read_uid_stdin(line, sizeof(line)) == -1) {
			explicit_bzero(line, sizeof(line));
			return EX_DATAERR;
		}
		uid = line;
	}
	/* Through seuild, which holds the key and writes the audit event
	 * with the badge; the UID crosses the socket once and is wiped. */
	control_req_init(&req, CONTROL_BADGE_ADD);
	req.member_name = argv[optind];
	req.uid = uid;
	req.label = label;
	rc = ctl_change(c, &req, &rep);
	if (rc == CTL_DIRECT) {
		rc = badge_add_direct(c, argv[optind], uid, label, &b, &m);
		explicit_bzero(line, sizeof(line));
		if (rc != EX_OK)
			return rc;
	} else {
		explicit_bzero(line, sizeof(line));
		if (rc != EX_OK)
			return rc;
		id = control_reply_int(&rep, "badge_id");
		control_reply_free(&rep);
		if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		if (store_badge_get(c->st, id, &b) != 1 || store_member_get(c->st,
		    b.member_id, &m) != 1)
			return ctl_store_error(c, "badge add");
	}
	if (c->json)
		return ctl_json_print(c, render_badge(&b, &m));
	printf("badge %lld hint %s added to member %lld (%s)\n", (long long)b.id,
	    b.hint, (long long)m.id, m.name);
	return EX_OK;
}

static int
list_cb(const struct badge_row *b, void *arg)
{
	struct ctl *c = arg;
	struct member_row m;
	char seen[32];

	if (store_member_get(c->st, b->member_id, &m) != 1)
		memset(&m, 0, sizeof(m));
	ctl_format_time(b->last_seen_ms, seen, sizeof(seen));
	printf("%-5lld %-20s %-4s %-7s %-7s %-19s %s\n", (long long)b->id, m.name,
	    b->hint, store_badge_kind_name(b->kind), b->active ? "active" : "revoked", seen,
	    b->label);
	return 0;
}

int
ctl_badge_list(struct ctl *c, int argc, char **argv)
{
	struct member_row m;
	int64_t member_id = 0;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 1)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (argc - optind == 1) {
		if ((rc = ctl_member(c, argv[optind], &m)) != EX_OK)
			return rc;
		member_id = m.id;
	}
	if (c->json)
		return ctl_json_print(c, render_badges(c->st, member_id));
	printf("%-5s %-20s %-4s %-7s %-7s %-19s %s\n", "ID", "MEMBER", "HINT", "KIND",
	    "STATUS", "LAST SEEN", "LABEL");
	if (store_badges_list(c->st, member_id, list_cb, c) == -1)
		return ctl_store_error(c, "badge list");
	return EX_OK;
}

/*
 * BADGE is an id (what `badge add` and `badge list` print) or a UID.  A UID
 * has at least 8 hex digits, so a shorter all-digit argument is an id.
 */
int
ctl_badge_revoke(struct ctl *c, int argc, char **argv)
{
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	struct badge_row b;
	struct member_row m;
	const char *arg;
	int64_t id;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	arg = argv[optind];
	if (manage_all_digits(arg) && strlen(arg) < 8)
		id = strtoll(arg, NULL, 10);
	else {
		if ((rc = uid_arg_mac(c, arg, mac, hint)) != EX_OK)
			return rc;
		rc = store_find_badge(c->st, BADGE_UID, mac, &b, &m);
		if (rc == -1)
			return ctl_store_error(c, "badge revoke");
		if (rc == 0) {
			ctl_errx("no badge with this UID (hint %s)", hint);
			return EX_NOINPUT;
		}
		id = b.id;
	}
	control_req_init(&req, CONTROL_BADGE_REVOKE);
	req.badge = id;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		control_reply_free(&rep);
		if (store_badge_get(c->st, id, &b) != 1 ||
		    store_member_get(c->st, b.member_id, &m) == -1)
			return ctl_store_error(c, "badge revoke");
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if (manage_badge_revoke(c->st, id, c->actor, &b, &m, &err) == -1)
		return ctl_manage_error(&err);
	if (c->json)
		return ctl_json_print(c, render_badge(&b, &m));
	printf("badge %lld hint %s of member %lld (%s) revoked\n", (long long)b.id,
	    b.hint, (long long)b.member_id, m.name);
	return EX_OK;
}

#define ENROL_DEFAULT_S	60
#define ENROL_MAX_S	3600

static int
timeout_arg(const char *arg, long *timeout)
{
	char *end;

	errno = 0;
	*timeout = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || *timeout < 1 || *timeout > ENROL_MAX_S) {
		ctl_errx("--timeout must be 1 to %d seconds", ENROL_MAX_S);
		return EX_DATAERR;
	}
	return EX_OK;
}

/*
 * Enrolment by tap: the daemon owns the readers, so seuilctl asks it to
 * link the next unknown badge and waits for its answer.  The daemon still
 * denies that tap (the badge was unknown when it was read); from the next
 * tap on, the badge is the member's.  The raw UID never leaves the daemon.
 */
/*
 * On a site's replica: the member is named as typed (a replica's copy has
 * no names) and found by the primary, which makes the badge from the tap
 * at this node's desk; it reaches this node with the next delta, so the
 * answer is printed from seuild's reply, not read from the store.  seuild
 * waits for the primary's answer up to 10 s after the tap.
 */
static int
enrol_replica(struct ctl *c, const char *member, const char *reader, long timeout, bool secure)
{
	struct control_req req;
	struct control_reply rep;
	const char *at, *primary;
	bool absent;
	int rc;

	control_req_init(&req, CONTROL_ENROL);
	req.member_name = member;
	req.reader = reader;
	req.timeout = timeout;
	req.secure = secure;
	if (!c->json) {
		fprintf(stderr, "tap the %s for %s at %s%s within %ld s%s (this node is a "
		    "replica: the primary records the badge)\n", secure ? "DESFire card" :
		    "badge", member, reader != NULL ? "reader " : secure ? "a desk reader" :
		    "a reader that allows enrolment", reader != NULL ? reader : "", timeout,
		    secure ? ", and hold it there until it beeps twice" : "");
		fflush(stderr);
	}
	/* seuild answers at most 10 s after the tap, or, for a DESFire card,
	 * after two card exchanges of at most 10 s each (daemon/exchange.h). */
	rc = ctl_call(c, &req, (int)(timeout + (secure ? 35 : 15)) * 1000, &rep, &absent, true);
	if (absent) {
		ctl_errx("seuild is not running: enrolment by tap needs the daemon");
		return EX_UNAVAILABLE;
	}
	if (rc != EX_OK)
		return rc;
	at = control_reply_str(&rep, "reader");
	primary = control_reply_str(&rep, "primary");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "id", (double)control_reply_int(&rep, "badge_id"));
		cJSON_AddNumberToObject(j, "member", (double)control_reply_int(&rep, "member"));
		cJSON_AddStringToObject(j, "hint", control_reply_str(&rep, "hint") ?
		    control_reply_str(&rep, "hint") : "");
		cJSON_AddStringToObject(j, "reader", at != NULL ? at : "");
		cJSON_AddStringToObject(j, "primary", primary != NULL ? primary : "");
		cJSON_AddStringToObject(j, "kind", secure ? "desfire" : "uid");
		control_reply_free(&rep);
		return ctl_json_print(c, j);
	}
	printf("badge %lld (hint %s%s) enrolled for %s (member %lld) at reader %s by the "
	    "primary %s\n", (long long)control_reply_int(&rep, "badge_id"),
	    control_reply_str(&rep, "hint") ? control_reply_str(&rep, "hint") : "?",
	    secure ? ", DESFire" : "", member,
	    (long long)control_reply_int(&rep, "member"), at != NULL ? at : "?",
	    primary != NULL ? primary : "?");
	control_reply_free(&rep);
	return EX_OK;
}

int
ctl_badge_enrol(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "secure", no_argument, NULL, 's' },
		CTL_COMMON_OPTS
	};
	const char *reader = NULL, *at;
	struct control_req req;
	struct control_reply rep;
	struct member_row m;
	struct badge_row b;
	long timeout = ENROL_DEFAULT_S;
	bool absent, secure = false;
	int ch, rc, k;

	while ((ch = getopt_long(argc, argv, ":r:t:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reader = optarg;
			break;
		case 's':
			secure = true;
			break;
		case 't':
			if ((rc = timeout_arg(optarg, &timeout)) != EX_OK)
				return rc;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if (reader != NULL && (k = config_reader_index(&c->conf, reader)) == -1) {
		ctl_errx("reader '%s' not found in %s", reader, c->conf_path);
		return EX_NOINPUT;
	}
	if (reader != NULL && !c->conf.readers[k].enrol) {
		ctl_errx("reader '%s' does not allow enrolment: set enrol = true in its "
		    "[reader.%s] section (only at a reader where you are)", reader, reader);
		return EX_CONFIG;
	}
	if (reader == NULL) {
		for (k = 0; k < c->conf.nreaders && !c->conf.readers[k].enrol; k++)
			;
		if (k == c->conf.nreaders) {
			ctl_errx("no reader allows enrolment: set enrol = true in the "
			    "[reader.NAME] section of a reader where you are (a desk reader)");
			return EX_CONFIG;
		}
	}
	if (config_replica(&c->conf))
		return enrol_replica(c, argv[optind], reader, timeout, secure);
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if (m.erased) {
		ctl_errx("member %lld was erased", (long long)m.id);
		return EX_DATAERR;
	}

	control_req_init(&req, CONTROL_ENROL);
	req.member = m.id;
	req.reader = reader;
	req.timeout = timeout;
	req.secure = secure;
	if (!c->json) {
		fprintf(stderr, "tap the %s for %s at %s%s within %ld s%s\n",
		    secure ? "DESFire card" : "badge", m.name, reader != NULL ? "reader " :
		    secure ? "a desk reader" : "a reader that allows enrolment",
		    reader != NULL ? reader : "", timeout, secure ?
		    ", and hold it there until it beeps twice" : "");
		fflush(stderr);
	}
	/* The daemon answers at its own deadline; ours is later, by two card
	 * exchanges of at most 10 s each for a DESFire card
	 * (daemon/exchange.h). */
	rc = ctl_call(c, &req, (int)(timeout + (secure ? 25 : 5)) * 1000, &rep, &absent, true);
	if (absent) {
		ctl_errx("seuild is not running: enrolment by tap needs the daemon "
		    "(or type the badge's UID: `seuilctl badge add %s -`)", m.name);
		return EX_UNAVAILABLE;
	}
	if (rc != EX_OK)
		return rc;
	if (store_badge_get(c->st, control_reply_int(&rep, "badge_id"), &b) != 1) {
		control_reply_free(&rep);
		ctl_errx("seuild enrolled a badge that is not in the database");
		return EX_PROTOCOL;
	}
	at = control_reply_str(&rep, "reader");
	if (c->json) {
		cJSON *j = render_badge(&b, &m);

		cJSON_AddStringToObject(j, "reader", at != NULL ? at : "");
		control_reply_free(&rep);
		return ctl_json_print(c, j);
	}
	printf("badge %lld (hint %s%s) enrolled for %s at reader %s\n", (long long)b.id,
	    b.hint, b.kind == BADGE_DESFIRE ? ", DESFire" : "", m.name, at != NULL ? at : "?");
	control_reply_free(&rep);
	return EX_OK;
}

/* Remove our application from the next card at a desk reader: seuild runs
 * the exchange and revokes the badge; this waits for its answer. */
int
ctl_badge_wipe(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		CTL_COMMON_OPTS
	};
	const char *reader = NULL;
	struct control_req req;
	struct control_reply rep;
	long timeout = ENROL_DEFAULT_S;
	int64_t id, member;
	bool absent;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":r:t:", opts, NULL)) != -1) {
		if (ch == 'r')
			reader = optarg;
		else if (ch == 't') {
			if ((rc = timeout_arg(optarg, &timeout)) != EX_OK)
				return rc;
		} else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != 0)
		return ctl_usage(c);
	control_req_init(&req, CONTROL_BADGE_WIPE);
	req.reader = reader;
	req.timeout = timeout;
	if (!c->json) {
		fprintf(stderr, "tap the card to wipe at %s%s within %ld s, and hold it there "
		    "until it beeps twice\n", reader != NULL ? "reader " : "a desk reader",
		    reader != NULL ? reader : "", timeout);
		fflush(stderr);
	}
	rc = ctl_call(c, &req, (int)(timeout + 15) * 1000, &rep, &absent, true);
	if (absent) {
		ctl_errx("seuild is not running: a card is wiped by the daemon, at a desk "
		    "reader");
		return EX_UNAVAILABLE;
	}
	if (rc != EX_OK)
		return rc;
	id = control_reply_int(&rep, "badge_id");
	member = control_reply_int(&rep, "member");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "reader", control_reply_str(&rep, "reader") ?
		    control_reply_str(&rep, "reader") : "");
		cJSON_AddStringToObject(j, "hint", control_reply_str(&rep, "hint") ?
		    control_reply_str(&rep, "hint") : "");
		if (id > 0) {
			cJSON_AddNumberToObject(j, "revoked", (double)id);
			cJSON_AddNumberToObject(j, "member", (double)member);
		} else
			cJSON_AddNullToObject(j, "revoked");
		control_reply_free(&rep);
		return ctl_json_print(c, j);
	}
	if (id > 0)
		printf("card %s wiped at reader %s; badge %lld of member %lld revoked\n",
		    control_reply_str(&rep, "hint"), control_reply_str(&rep, "reader"),
		    (long long)id, (long long)member);
	else
		printf("card %s wiped at reader %s; no badge held its credential\n",
		    control_reply_str(&rep, "hint"), control_reply_str(&rep, "reader"));
	control_reply_free(&rep);
	return EX_OK;
}
