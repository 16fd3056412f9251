/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Enrolment at a replica's desk (docs/site.md): a replica's store refuses
 * a badge, so the tap at its desk reader is sent to the primary, which
 * creates the badge and answers; the badge then reaches every node with
 * the next signed delta.
 *
 * The request travels on the node's private B/node/<node>/enrol, unsigned
 * (a node has no signing key): the primary trusts it as it trusts the
 * node's journal, for the broker's login, whose ACL lets a node write only
 * under its own name, and it takes a request only when its "node" is the
 * topic's.  The answer comes back on B/to/<node>/enrol, signed by the
 * primary (core/site_sig.h), so that no one else can tell the node a badge
 * was made.
 *
 * A request is named by a random "id": the node sends it again while no
 * answer comes, and the primary answers a request it has carried out
 * already with the same result, never a second badge (the badge_enrolled
 * event it recorded names the request).  "expires_ms" (the node's wall
 * clock) bounds it: the node gives up then and says nothing was enrolled,
 * so the primary refuses it after that, even if a bridge delivers it late.
 *
 * A request is of one of two kinds.  "uid": the tap's UID, made a UID
 * badge.  "desfire": a DESFire card the replica's desk made with the
 * site's keys (daemon/enrol.c, as a single Pi does), sent with the MAC of
 * the credential it now holds and of its UID, so that the primary makes
 * it a DESFire badge, upgrading the member's own UID badge on that card,
 * under the same role rules as a single Pi's desk.
 */
#ifndef SEUIL_SITE_ENROL_H
#define SEUIL_SITE_ENROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "uid.h"

#define SITE_ENROL_MSG_MAX	2048	/* a message larger is refused unread */
#define SITE_ENROL_ID_LEN	32	/* hex digits of a request's id */
#define SITE_ENROL_REF_MAX	136	/* the member as asked: an id or a name */
#define SITE_ENROL_ACTOR_MAX	160

struct site_enrol_req {
	bool	desfire;	/* kind "desfire": cred is the credential's MAC */
	char	site[CONFIG_NAME_MAX + 1];
	char	node[CONFIG_NAME_MAX + 1];
	char	id[SITE_ENROL_ID_LEN + 1];
	char	member[SITE_ENROL_REF_MAX];
	uint8_t	mac[UID_MAC_LEN];	/* the UID's */
	uint8_t	cred[UID_MAC_LEN];	/* kind "desfire": the credential's; else zero */
	char	hint[UID_HINT_LEN];
	char	reader[CONFIG_NAME_MAX + 1];
	char	actor[SITE_ENROL_ACTOR_MAX];
	bool	admin;		/* false: the operate role's limits (a first badge only) */
	int64_t	expires_ms;	/* the node's wall clock */
};

enum site_enrol_result {
	SITE_ENROL_CREATED,
	SITE_ENROL_EXISTS,	/* the badge is enrolled already */
	SITE_ENROL_NOT_FOUND,	/* no such member */
	SITE_ENROL_INVALID,	/* an erased member, an expired request */
	SITE_ENROL_PERMISSION,	/* the operate role, a member with a badge */
	SITE_ENROL_DATABASE,
	SITE_ENROL_NRESULTS
};

struct site_enrol_res {
	char	site[CONFIG_NAME_MAX + 1];
	char	node[CONFIG_NAME_MAX + 1];
	char	id[SITE_ENROL_ID_LEN + 1];
	enum site_enrol_result result;
	int64_t	badge_id, member_id;	/* 0 when none */
	char	message[200];
};

const char *site_enrol_result_name(enum site_enrol_result r);

/* The body of a request or an answer: malloc'd text, NULL when out of
 * memory. */
char *site_enrol_req_encode(const struct site_enrol_req *q);
char *site_enrol_res_encode(const struct site_enrol_res *r);
/* Read a body: every field present, of its type, size and alphabet.  0, or
 * -1 with why. */
int site_enrol_req_parse(const char *body, size_t len, struct site_enrol_req *q, char *why,
    size_t whylen);
int site_enrol_res_parse(const char *body, size_t len, struct site_enrol_res *r, char *why,
    size_t whylen);

#endif
