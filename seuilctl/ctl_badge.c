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

#include "clock.h"
#include "ctl.h"

static cJSON *
badge_json(const struct badge_row *b, const struct member_row *m)
{
	cJSON *j = cJSON_CreateObject();
	char t[32];

	cJSON_AddNumberToObject(j, "id", (double)b->id);
	cJSON_AddNumberToObject(j, "member_id", (double)b->member_id);
	cJSON_AddStringToObject(j, "member", m != NULL ? m->name : "");
	cJSON_AddStringToObject(j, "hint", b->hint);
	ctl_json_text(j, "label", b->label);
	cJSON_AddStringToObject(j, "status", b->active ? "active" : "revoked");
	ctl_format_utc(b->created_ms, t, sizeof(t));
	cJSON_AddStringToObject(j, "created", t);
	ctl_json_time(j, "last_seen", b->last_seen_ms);
	return j;
}

/* MAC of a UID argument.  The parsed UID is wiped before returning. */
static int
uid_arg_mac(struct ctl *c, const char *arg, uint8_t mac[UID_MAC_LEN],
    char hint[UID_HINT_LEN])
{
	uint8_t key[UID_KEY_LEN];
	struct uid u;
	char err[128];
	int rc;

	if (uid_parse(arg, &u, err, sizeof(err)) == -1) {
		ctl_errx("bad UID: %s", err);
		return EX_DATAERR;
	}
	if ((rc = ctl_key(c, key)) != EX_OK) {
		uid_wipe(&u);
		return rc;
	}
	uid_mac(key, &u, mac);
	uid_hint(&u, hint);
	uid_wipe(&u);
	memset(key, 0, sizeof(key));
	return EX_OK;
}

int
ctl_badge_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		CTL_COMMON_OPTS
	};
	const char *label = NULL;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	struct member_row m;
	struct badge_row b;
	int64_t id;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":l:", opts, NULL)) != -1) {
		if (ch == 'l') {
			label = optarg;
			continue;
		}
		if ((rc = ctl_opt(c, ch, argv)) != -1)
			return rc;
	}
	if (argc - optind != 2)
		return ctl_usage(c);
	if (label != NULL && !ctl_valid_text(label, sizeof(b.label))) {
		ctl_errx("bad label (printable UTF-8, under %zu bytes)", sizeof(b.label));
		return EX_DATAERR;
	}
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if (m.erased) {
		ctl_errx("member %lld was erased", (long long)m.id);
		return EX_DATAERR;
	}
	if ((rc = uid_arg_mac(c, argv[optind + 1], mac, hint)) != EX_OK)
		return rc;
	id = store_badge_add(c->st, m.id, mac, hint, label, clock_wall_ms());
	if (id == -1)
		return ctl_store_error(c, "badge add");
	if (c->json) {
		if (store_badge_get(c->st, id, &b) != 1)
			return ctl_store_error(c, "badge add");
		return ctl_json_print(badge_json(&b, &m));
	}
	printf("badge %lld hint %s added to member %lld (%s)\n", (long long)id,
	    hint, (long long)m.id, m.name);
	return EX_OK;
}

struct list_ctx {
	struct ctl		*c;
	cJSON			*array;
	struct member_row	 m;
};

static int
list_cb(const struct badge_row *b, void *arg)
{
	struct list_ctx *x = arg;
	char seen[32];

	if (x->m.id != b->member_id && store_member_get(x->c->st, b->member_id, &x->m) != 1) {
		memset(&x->m, 0, sizeof(x->m));
		x->m.id = b->member_id;
	}
	if (x->array != NULL) {
		cJSON_AddItemToArray(x->array, badge_json(b, &x->m));
		return 0;
	}
	ctl_format_time(b->last_seen_ms, seen, sizeof(seen));
	printf("%-5lld %-20s %-4s %-7s %-19s %s\n", (long long)b->id, x->m.name,
	    b->hint, b->active ? "active" : "revoked", seen, b->label);
	return 0;
}

int
ctl_badge_list(struct ctl *c, int argc, char **argv)
{
	struct list_ctx x;
	int64_t member_id = 0;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 1)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	memset(&x, 0, sizeof(x));
	x.c = c;
	if (argc - optind == 1) {
		if ((rc = ctl_member(c, argv[optind], &x.m)) != EX_OK)
			return rc;
		member_id = x.m.id;
	}
	if (c->json)
		x.array = cJSON_CreateArray();
	else
		printf("%-5s %-20s %-4s %-7s %-19s %s\n", "ID", "MEMBER", "HINT",
		    "STATUS", "LAST SEEN", "LABEL");
	if (store_badges_list(c->st, member_id, list_cb, &x) == -1) {
		cJSON_Delete(x.array);
		return ctl_store_error(c, "badge list");
	}
	if (c->json)
		return ctl_json_print(x.array);
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
	struct badge_row b;
	struct member_row m;
	const char *arg;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	arg = argv[optind];
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (ctl_all_digits(arg) && strlen(arg) < 8) {
		rc = store_badge_get(c->st, strtoll(arg, NULL, 10), &b);
		if (rc == -1)
			return ctl_store_error(c, "badge revoke");
		if (rc == 0) {
			ctl_errx("badge %s not found", arg);
			return EX_NOINPUT;
		}
	} else {
		if ((rc = uid_arg_mac(c, arg, mac, hint)) != EX_OK)
			return rc;
		rc = store_find_badge(c->st, mac, &b, &m);
		if (rc == -1)
			return ctl_store_error(c, "badge revoke");
		if (rc == 0) {
			ctl_errx("no badge with this UID (hint %s)", hint);
			return EX_NOINPUT;
		}
	}
	if (store_badge_revoke(c->st, b.id) != 1)
		return ctl_store_error(c, "badge revoke");
	if (store_member_get(c->st, b.member_id, &m) != 1)
		memset(&m, 0, sizeof(m));
	b.active = false;
	if (c->json)
		return ctl_json_print(badge_json(&b, &m));
	printf("badge %lld hint %s of member %lld (%s) revoked\n", (long long)b.id,
	    b.hint, (long long)b.member_id, m.name);
	return EX_OK;
}

#define ENROL_DEFAULT_S	60
#define ENROL_MAX_S	3600

/*
 * Enrolment by tap: the daemon owns the readers, so seuilctl asks it to
 * link the next unknown badge and waits for its answer.  The daemon still
 * denies that tap (the badge was unknown when it was read); from the next
 * tap on, the badge is the member's.  The raw UID never leaves the daemon.
 */
int
ctl_badge_enroll(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		CTL_COMMON_OPTS
	};
	const char *reader = NULL, *err;
	struct member_row m;
	struct badge_row b;
	cJSON *req, *reply;
	char *text, *end;
	const cJSON *v;
	long timeout = ENROL_DEFAULT_S;
	bool absent;
	int ch, rc, k;

	while ((ch = getopt_long(argc, argv, ":r:t:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reader = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || timeout < 1 ||
			    timeout > ENROL_MAX_S) {
				ctl_errx("--timeout must be 1 to %d seconds", ENROL_MAX_S);
				return EX_DATAERR;
			}
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != -1)
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
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if (m.erased) {
		ctl_errx("member %lld was erased", (long long)m.id);
		return EX_DATAERR;
	}

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "enroll");
	cJSON_AddNumberToObject(req, "member", (double)m.id);
	if (reader != NULL)
		cJSON_AddStringToObject(req, "reader", reader);
	cJSON_AddNumberToObject(req, "timeout", (double)timeout);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (text == NULL) {
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	if (!c->json) {
		fprintf(stderr, "tap the badge for %s at %s%s within %ld s\n",
		    m.name, reader != NULL ? "reader " : "a reader that allows enrolment",
		    reader != NULL ? reader : "", timeout);
		fflush(stderr);
	}
	/* The daemon answers at its own deadline; ours is later. */
	rc = ctl_request_wait(c, text, (int)(timeout + 5) * 1000, &reply, &absent, true);
	cJSON_free(text);
	if (absent) {
		ctl_errx("seuild is not running: enrolment by tap needs the daemon "
		    "(or type the badge's UID: `seuilctl badge add %s -`)", m.name);
		return EX_UNAVAILABLE;
	}
	if (rc != EX_OK)
		return rc;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		v = cJSON_GetObjectItemCaseSensitive(reply, "error");
		err = cJSON_IsString(v) ? v->valuestring : "request refused";
		if (strcmp(err, "timeout") == 0) {
			ctl_errx("no unknown badge was tapped within %ld s: nothing enrolled",
			    timeout);
			rc = EX_TEMPFAIL;
		} else if (strstr(err, "already enrolled") != NULL) {
			ctl_errx("that badge is already enrolled (see `seuilctl explain` or "
			    "`badge list`): nothing changed");
			rc = EX_DATAERR;
		} else if (strstr(err, "another enrolment") != NULL) {
			ctl_errx("seuild: %s; try again later", err);
			rc = EX_TEMPFAIL;
		} else {
			ctl_errx("seuild: %s", err);
			rc = EX_SOFTWARE;
		}
		cJSON_Delete(reply);
		return rc;
	}
	v = cJSON_GetObjectItemCaseSensitive(reply, "badge_id");
	if (!cJSON_IsNumber(v) || store_badge_get(c->st, (int64_t)v->valuedouble, &b) != 1) {
		cJSON_Delete(reply);
		ctl_errx("seuild enrolled a badge that is not in the database");
		return EX_PROTOCOL;
	}
	v = cJSON_GetObjectItemCaseSensitive(reply, "reader");
	if (c->json) {
		cJSON *j = badge_json(&b, &m);

		cJSON_AddStringToObject(j, "reader", cJSON_IsString(v) ? v->valuestring : "");
		cJSON_Delete(reply);
		return ctl_json_print(j);
	}
	printf("badge %lld (hint %s) enrolled for %s at reader %s\n", (long long)b.id,
	    b.hint, m.name, cJSON_IsString(v) ? v->valuestring : "?");
	cJSON_Delete(reply);
	return EX_OK;
}
