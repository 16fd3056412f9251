/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What travels from a site's primary to its replicas (docs/site.md): the
 * projection of the member data that a door's decision reads, and nothing
 * else (never an e-mail or a name that is not shown; core/site_acl.c
 * holds the one list of what travels), as JSON bodies that core/site_sig.h
 * signs:
 *
 *   snapshot  the whole projection at (epoch, rev); retained
 *   delta     the current rows of what changed in (base, rev], and the ids
 *             of what was deleted
 *   head      (epoch, rev) and the heartbeat's interval: the primary's sign
 *             of life, and how a replica knows it has the latest copy
 *
 * Every body has "type", "site", "node" (the primary's), "format" (1),
 * "epoch", "rev" and "issued_ms".  rev is the primary's change log
 * sequence (acl_log); epoch grows at each promotion, and a replica takes
 * any message of a higher epoch as a new history, replacing its copy from
 * that epoch's snapshot.
 *
 * A replica applies a message into its own members, badges, groups,
 * member_groups and schedule_windows (its store refuses any other write
 * to them: core/schema.c), so that its doors, `explain` and every reading
 * command use the same queries as a primary's.
 */
#ifndef SEUIL_SITE_ACL_H
#define SEUIL_SITE_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"

enum site_msg_type { SITE_MSG_SNAPSHOT, SITE_MSG_DELTA, SITE_MSG_HEAD };

/* The header of a body, as the primary writes it or a replica read it. */
struct site_head {
	enum site_msg_type	type;
	char			site[CONFIG_NAME_MAX + 1];
	char			node[CONFIG_NAME_MAX + 1];	/* the primary */
	int64_t			epoch;
	int64_t			rev;
	int64_t			base;		/* delta */
	int64_t			issued_ms;	/* UTC */
	int64_t			interval_ms;	/* head: the heartbeat */
};

/* A parsed body: its header and its JSON (owned). */
struct site_msg {
	struct site_head	h;
	cJSON			*json;
};

/* "snapshot", "delta", "head". */
const char *site_msg_type_name(enum site_msg_type t);

/*
 * The bodies (malloc'd text, the caller frees).  snapshot and delta read
 * st in one read transaction; h->rev is set to the revision they hold
 * (the change log's sequence).  A delta of h->base to now: NULL with
 * *empty set when nothing changed.  NULL with the store's message
 * otherwise.
 */
char *site_acl_snapshot(struct store *st, struct site_head *h);
char *site_acl_delta(struct store *st, struct site_head *h, bool *empty);
char *site_acl_head(const struct site_head *h);

/* Parse a (verified) body: its header checked and filled, the JSON kept.
 * 0, or -1 with why.  Free with site_msg_free. */
int site_msg_parse(const char *body, size_t len, struct site_msg *m, char *why,
    size_t whylen);
void site_msg_free(struct site_msg *m);

/* A replica's copy, as its meta says: (epoch, rev) applied, the primary's
 * name.  0 (zeros and "" before the first), or -1. */
struct site_local {
	int64_t	epoch;
	int64_t	rev;
	int64_t	verified_ms;	/* UTC: the last verified message, 0: never */
	char	primary[CONFIG_NAME_MAX + 1];
};
int site_acl_local(struct store *st, struct site_local *l);

/*
 * Apply a snapshot or a delta to a replica's store, within the caller's
 * transaction (nested is fine): a snapshot of a higher (epoch, rev)
 * replaces the copy; a delta applies only on its base, in the same epoch.
 * Then meta holds the new (epoch, rev), verified_ms and the primary.
 * 1 applied, 0 not applicable (older, or a delta on another base: *why
 * says so), -1 refused (malformed rows: why) or a store error.
 */
int site_acl_apply(struct store *st, const struct site_msg *m, int64_t now_ms, char *why,
    size_t whylen);

/* Record a verified head: verified_ms, if it is (epoch, rev) the copy
 * holds.  0, or -1. */
int site_acl_seen(struct store *st, int64_t now_ms);

/* The SHA-256 of the projection st holds (the same text on a primary and
 * on a replica that holds the same revision), in hex.  0 or -1. */
int site_acl_digest(struct store *st, char hex[65]);

#endif
