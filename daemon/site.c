/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild as a node of a site of several Pis (docs/site.md): its role, the
 * store's agreement with it, and what a replica answers to a change that
 * belongs to the primary.
 */
#include <stdio.h>
#include <string.h>

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
