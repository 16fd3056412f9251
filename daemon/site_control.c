/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild's control requests as a node of a site (docs/site.md): the role
 * its store holds, checked against its configuration at start; a
 * replica's refusal of changes to the member data, naming the primary; and
 * a checkout on the primary, which ends the member's visits at every node
 * (site_visits).  None of it needs the site's connection (daemon/site.c).
 */
#include <stdio.h>

#include "daemon.h"

int
daemon_site_check(struct daemon *d, char *err, size_t errlen)
{
	char primary[CONFIG_NAME_MAX + 1];
	bool replica;

	if (store_site_role(d->st, &replica, primary, sizeof(primary)) == -1) {
		snprintf(err, errlen, "site: %s", store_errmsg(d->st));
		return -1;
	}
	if (config_replica(d->conf) && !replica) {
		snprintf(err, errlen, "site: [site] role = replica, but %.200s is not a "
		    "replica's store: install the site's bundle first (seuilctl site "
		    "install BUNDLE)", d->conf->database);
		return -1;
	}
	if (!config_replica(d->conf) && replica) {
		snprintf(err, errlen, "site: %.200s is the store of a replica of '%s': set "
		    "[site] role = replica, or make this node the primary (seuilctl site "
		    "promote)", d->conf->database, primary[0] ? primary : "?");
		return -1;
	}
	return 0;
}

cJSON *
daemon_site_refusal(struct daemon *d)
{
	char primary[CONFIG_NAME_MAX + 1] = "";
	bool replica;

	if (store_site_role(d->st, &replica, primary, sizeof(primary)) == -1 ||
	    primary[0] == '\0')
		snprintf(primary, sizeof(primary), "?");
	return control_fail(CONTROL_REPLICA, "this node ('%s') is a replica: members, badges, "
	    "groups and schedules are changed on the site's primary, '%s'",
	    d->conf->site_node, primary);
}

/* ---- a checkout on the primary ---- */

struct checkout_job {
	int64_t	member_id, now_ms;
	int	client, closed;
};

static int
checkout_run(struct writer_job *j, struct store *st)
{
	struct checkout_job *c = writer_job_data(j);

	return (c->closed = store_site_visits_checkout(st, c->member_id, c->now_ms,
	    "manual")) == -1 ? -1 : 0;
}

static void
checkout_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct checkout_job *c = writer_job_data(j);
	cJSON *r;

	if (j->rc != 0) {
		log_warnx("site: checkout of member %lld: %s", (long long)c->member_id, j->err);
		if (c->client != -1)
			control_reply(d->control, c->client, control_fail(CONTROL_DATABASE,
			    "cannot record the departure"));
		return;
	}
	if (c->closed > 0)
		d->presence_pending = true;
	if (c->client == -1)
		return;
	r = control_ok();
	cJSON_AddBoolToObject(r, "was_present", c->closed > 0);
	control_reply(d->control, c->client, r);
}

int
site_checkout(struct daemon *d, int64_t member_id, int client)
{
	struct checkout_job c = { .member_id = member_id, .now_ms = clock_wall_ms(),
	    .client = client };

	return writer_submit(d->writer, checkout_run, checkout_done, d, 0, 0, &c, sizeof(c));
}
