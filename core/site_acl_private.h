/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Inside the projection that travels from a site's primary to its
 * replicas: what core/site_acl.c (building, reading) and core/site_apply.c
 * (applying, on a replica) share.  Not for other modules: site_acl.h is
 * the interface.
 */
#ifndef SEUIL_SITE_ACL_PRIVATE_H
#define SEUIL_SITE_ACL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct store;

#define META_EPOCH	"acl_epoch"
#define META_REV	"acl_rev"
#define META_VERIFIED	"acl_verified"
#define META_APPLYING	"acl_applying"
#define FORMAT		1
#define TEXT_MAX	128	/* a travelling text: a status, a date, a display name */
#define BLOB_MAX	64

enum kind { K_MEMBER, K_BADGE, K_GROUP, K_LOANER, K_GUEST, K_COUNT };

enum ctype { C_INT, C_TEXT, C_BLOB };

struct acl_kind {
	const char	*name;		/* acl_log.kind */
	const char	*list;		/* the body's array */
	const char	*table;
};
extern const struct acl_kind acl_kinds[K_COUNT];

/*
 * What travels: every column of the member data that the access decision
 * reads, or that a replica shows (a public member's display name, for its
 * own presence), and nothing else.  This list is the one place: the
 * snapshot, the delta, the apply and the digest walk it, so a column
 * added to a decision travels by adding its line here (and, for a column
 * of badges, to the change log's triggers in core/schema.c, which list
 * the badge columns they watch).  expr is read on the primary; column is
 * where a replica keeps it, which its own projection reads back with the
 * same expr.  The first column of each kind is its id.  Each member also
 * carries its groups, each group its windows (core/site_acl.c).
 */
struct acl_column {
	enum kind	 kind;
	const char	*field;		/* in the body */
	const char	*expr;		/* SELECT expression over the table */
	const char	*column;	/* the table's column */
	enum ctype	 type;
};
extern const struct acl_column acl_columns[];
extern const size_t acl_ncolumns;

/* A number of meta (0 when absent; *rc store_meta_get's), and setting one. */
int64_t	acl_meta_int(struct store *st, const char *key, int *rc);
int	acl_meta_set_int(struct store *st, const char *key, int64_t v);
/* A whole number of o's key within min..max, or -1. */
int	acl_get_int(const cJSON *o, const char *key, int64_t min, int64_t max, int64_t *out);

#endif
