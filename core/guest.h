/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guests a member vouches for (docs/design.md, Guests): a pass with a
 * name, a sponsor (an active member of a [guests] sponsor_groups group),
 * an end (today's day end by default, at most max_duration ahead, at most
 * per_sponsor_per_day passes a sponsor a local day) and a loaner badge of
 * the space's pool, lent when the guest arrives and back in the pool when
 * the pass ends.  The door decides a guest's tap offline like a member's
 * (core/decision.c); this module is the manager's side, shared by seuild
 * (on its writer, for seuilctl and seuil-web) and seuilctl (without it).
 *
 * Every change is one transaction with its admin_change event by actor,
 * naming the guest and the sponsor by id, never by name.  Functions return
 * 0 (or an id) or -1 with *err, as core/manage.h's.
 */
#ifndef SEUIL_GUEST_H
#define SEUIL_GUEST_H

#include <cjson/cJSON.h>

#include "config.h"
#include "manage.h"
#include "store.h"

/* What a new pass is: name and sponsor required; until_ms 0 for the
 * default end; loaner NULL for none yet. */
struct guest_new {
	const char	*name;
	const char	*sponsor;	/* a member, id or name */
	int64_t		 until_ms;
	const char	*loaner;	/* a label of the pool */
};

/* A pass; its id, or -1. */
int64_t guest_add(struct store *st, const struct config *conf, const struct guest_new *n,
    int64_t now_ms, const char *actor, struct guest_row *out, struct manage_err *err);
/* Lend the loaner of label to guest id's open pass. */
int guest_lend(struct store *st, int64_t id, const char *label, const char *actor,
    struct manage_err *err);
/* End guest id's pass now (reason "ended"): its loaner is back in the pool.
 * *was_open says whether it was. */
int guest_end(struct store *st, int64_t id, int64_t now_ms, const char *actor, bool *was_open,
    struct manage_err *err);
/* Erase guest id's personal data now (store_guest_erase), with its event. */
int guest_erase(struct store *st, int64_t id, const char *actor, struct manage_err *err);
/* A loaner badge into the pool, by the MAC and hint of its UID. */
int64_t guest_loaner_add(struct store *st, const uint8_t mac[UID_MAC_LEN], const char *hint,
    const char *label, int64_t now_ms, const char *actor, struct manage_err *err);
/* A loaner out of the pool (refused while it is lent). */
int guest_loaner_remove(struct store *st, const char *label, const char *actor,
    struct manage_err *err);

/* The pass the wall time text names ("YYYY-MM-DDTHH:MM[:SS]", local or
 * with its zone) into *ms: 0, or -1 with *err. */
int guest_parse_until(const char *text, int64_t *ms, struct manage_err *err);

/* JSON, as seuilctl --json prints and seuil-web serves: a guest (with its
 * sponsor's name and loaner), the guests (sponsor_id > 0: theirs; open
 * only, or all), the pool, and everything held about a guest. */
cJSON *guest_json(struct store *st, const struct guest_row *g);
cJSON *guest_list_json(struct store *st, int64_t sponsor_id, bool open_only);
cJSON *guest_pool_json(struct store *st);
cJSON *guest_export_json(struct store *st, const struct guest_row *g, int64_t now_ms);

#endif
