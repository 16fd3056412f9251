/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl explain M|UID: why a member's badges, or one badge, would be
 * granted or denied right now at each reader, rule by rule.
 *
 * The explanation is core/explain.c's, the same the console's *Why not?*
 * view shows; this file finds the subject, asks seuild for the readers'
 * lockouts and prints the result as text or --json.
 *
 * A UID is turned into its MAC at once and never printed; the hint is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "explain.h"

/* The daemon's reader lockouts, if it runs. */
static void
read_lockouts(struct ctl *c, struct explain_lockouts *lo)
{
	struct control_req req;
	struct control_reply rep;

	memset(lo, 0, sizeof(*lo));
	control_req_init(&req, CONTROL_STATUS);
	if (control_call(c->conf.control_socket, &req, 5000, &rep) == 0 &&
	    rep.code == CONTROL_OK)
		explain_lockouts_from_status(rep.json, &c->conf, lo);
	control_reply_free(&rep);
}

static const char *
s_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
print_rule(const struct explain_step *s, const char *indent)
{
	printf("%s%s %-13s %s\n", indent, s->pass == 1 ? "[ok]" : s->pass == 0 ? "[NO]" :
	    "[--]", s->rule, s->detail);
}

/*
 * The member's rules, their groups, then the lockout step when it says
 * something (a locked reader, or seuild not running: the verdict lines
 * name the locked reader too).
 */
static void
print_human(const struct explanation *x, const cJSON *doc)
{
	const struct explain_step *lockout = NULL;
	const cJSON *g;
	int i, j;

	printf("explain %s, now %s %s (%s)\n", x->subject, s_of(doc, "local_time"),
	    explain_weekday(x), x->conf->timezone);
	for (i = 0; i < x->nsteps; i++) {
		if (strcmp(x->steps[i].rule, "lockout") == 0)
			lockout = &x->steps[i];
		else
			print_rule(&x->steps[i], "  ");
	}
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groups"))
		printf("       group %-7s %s, %s now\n", s_of(g, "name"), s_of(g, "schedule"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "allows_now")) ?
		    "allows" : "does not allow");
	if (lockout != NULL && lockout->pass != 1)
		print_rule(lockout, "  ");
	for (i = 0; i < x->nbadges; i++) {
		const struct explain_badge *b = &x->badges[i];

		if (b->known)
			printf("  badge %lld hint %s%s%s%s:\n", (long long)b->b.id, b->b.hint,
			    b->b.label[0] ? " \"" : "", b->b.label, b->b.label[0] ? "\"" : "");
		else if (b->hint[0] != '\0')
			printf("  badge with hint %s:\n", b->hint);
		else
			printf("  no badge:\n");
		print_rule(&b->step, "    ");
		for (j = 0; j < b->ndecisions; j++) {
			const struct explain_decision *d = &b->d[j];
			const struct reader_conf *rc = &x->conf->readers[d->reader];

			printf("    door %s, reader %s%s: %s", rc->door, rc->name,
			    d->locked_out == 1 ? " (locked out after repeated failures)" : "",
			    d->reason == ACCESS_GRANTED ? "GRANTED\n" : "DENIED");
			if (d->reason != ACCESS_GRANTED)
				printf(" (%s)\n", access_reason_name(d->reason));
		}
	}
}

int
ctl_explain(struct ctl *c, int argc, char **argv)
{
	struct explanation x;
	struct explain_lockouts lo;
	struct decision_rows rows;
	struct member_row m;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN], err[128];
	const char *arg;
	struct uid u;
	int64_t now;
	bool synced;
	cJSON *doc;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	arg = argv[optind];
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;

	hint[0] = '\0';
	err[0] = '\0';
	/* A member first (an id is under 8 digits, a name is never all
	 * digits), then a UID, as `badge revoke` reads BADGE. */
	if (manage_all_digits(arg) && strlen(arg) < 8)
		rc = store_member_find(c->st, arg, &m);
	else if ((rc = store_member_find(c->st, arg, &m)) == 0 &&
	    uid_parse(arg, &u, err, sizeof(err)) == 0) {
		if ((rc = ctl_uid_mac(c, &u, mac, hint)) != EX_OK)
			return rc;
		/* The rows the door would load for this badge. */
		if ((rc = decision_rows_load(c->st, BADGE_UID, mac, &rows)) == -1)
			return ctl_store_error(c, "explain");
		rc = rc == 1 ? 2 : 3;	/* known badge, unknown badge */
	}
	if (rc == -1)
		return ctl_store_error(c, "explain");
	if (rc == 0) {
		if (manage_looks_like_uid(arg))
			ctl_errx("no such member, and not a badge UID: %s", err);
		else
			ctl_errx("member '%s' not found (nor is it a badge UID)", arg);
		return EX_NOINPUT;
	}

	/* The daemon's inputs, as the badge path takes them. */
	now = clock_wall_ms();
	synced = clock_synced();
	read_lockouts(c, &lo);
	if (rc == 1 ? explain_member(&x, c->st, &c->conf, &m, now, synced, &lo) :
	    explain_badge(&x, &c->conf, rc == 2 ? &rows : NULL, hint, now, synced, &lo)) {
		if (rc == 1)
			return ctl_store_error(c, "explain");
		ctl_errx("explain: out of memory");
		return EX_OSERR;
	}
	doc = explain_json(&x);
	if (c->json) {
		explain_free(&x);
		return ctl_json_print(c, doc);
	}
	print_human(&x, doc);
	cJSON_Delete(doc);
	explain_free(&x);
	return EX_OK;
}
