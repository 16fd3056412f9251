/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Why a badge would be granted or denied right now, rule by rule: the
 * explanation `seuilctl explain` prints and the console's *Why not?* view
 * shows.  One home for it, so both programs say the same.
 *
 * The verdict is never computed here: every (badge, reader) pair goes
 * through access_decide() with the input the door builds for that tap
 * (decision_input), so an explanation cannot disagree with the door.  The
 * steps around it only say why.
 *
 * The readers' lockouts are seuild's alone (kept in its memory, not in the
 * store): the caller asks seuild for its status and passes the answer
 * through explain_lockouts_from_status.  When seuild does not answer, the
 * lockout step says so (pass -1) instead of pretending no reader is
 * locked; no door opens then anyway.
 */
#ifndef SEUIL_EXPLAIN_H
#define SEUIL_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "access.h"
#include "config.h"
#include "decision.h"
#include "store.h"
#include "tz.h"

#define EXPLAIN_RULE_MAX	16
#define EXPLAIN_DETAIL_MAX	512
#define EXPLAIN_MAX_STEPS	8
#define EXPLAIN_CODE_MAX	32
#define EXPLAIN_ARGS_MAX	4
#define EXPLAIN_ARG_TEXT_MAX	128

/*
 * One parameter of a step's code, for a reader of the JSON that words the
 * step itself (the console, in its language): text, an integer, a
 * boolean, or a set of readers (n is a bit mask of reader indices, shown
 * as a list of their names).
 */
enum explain_arg_type {
	EXPLAIN_ARG_TEXT,
	EXPLAIN_ARG_INT,
	EXPLAIN_ARG_BOOL,
	EXPLAIN_ARG_READERS,
};

struct explain_arg {
	const char		*key;		/* a string literal */
	enum explain_arg_type	 type;
	long long		 n;		/* INT, BOOL, READERS */
	char			 text[EXPLAIN_ARG_TEXT_MAX];	/* TEXT */
};

/*
 * One rule: pass is 1 (passed), 0 (failed) or -1 (decides nothing, or
 * not known).  detail is the English sentence seuilctl prints; code and
 * args say the same for a program (JSON "code" and "args"): the codes and
 * their args are listed in docs/web.md and do not change meaning.
 */
struct explain_step {
	char			rule[EXPLAIN_RULE_MAX];
	int			pass;
	char			detail[EXPLAIN_DETAIL_MAX];
	char			code[EXPLAIN_CODE_MAX];
	int			nargs;
	struct explain_arg	args[EXPLAIN_ARGS_MAX];
};

/* The door's verdict for one badge at one reader with a door. */
struct explain_decision {
	int			reader;		/* index in conf->readers */
	int			locked_out;	/* 1, 0, or -1: seuild did not say */
	enum access_reason	reason;		/* ACCESS_GRANTED or why not */
};

struct explain_badge {
	bool			known;		/* false: unknown UID, or no badge */
	struct badge_row	b;		/* when known */
	char			hint[UID_HINT_LEN];	/* an unknown UID's; "" none */
	struct explain_step	step;		/* the "badge" rule */
	int			ndecisions;
	struct explain_decision	d[CONFIG_MAX_READERS];
};

struct explain_group {
	char	name[64];
	char	schedule[ACCESS_SCHEDULE_TEXT_MAX];	/* "always" without one */
	bool	allows_now;
};

/* What only seuild knows. */
struct explain_lockouts {
	bool	known;				/* seuild answered */
	bool	locked[CONFIG_MAX_READERS];	/* by reader index */
	bool	copy_expired;			/* a replica's copy, too old */
};

enum explain_kind {
	EXPLAIN_MEMBER,		/* a member and all their badges */
	EXPLAIN_BADGE,		/* one enrolled badge (a UID), and its member */
	EXPLAIN_UNKNOWN,	/* a UID never enrolled */
};

struct explanation {
	const struct config	*conf;
	enum explain_kind	 kind;
	char			 subject[200];
	int64_t			 now_ms;
	struct local_time	 now;		/* now_ms in site.timezone */
	bool			 synced;
	struct explain_lockouts	 lockouts;
	bool			 have_member;
	struct member_row	 m;
	struct access_groups	 access;	/* the member's groups, as the door reads them */
	/* The member's rules in access_decide's order, then "lockout". */
	int			 nsteps;
	struct explain_step	 steps[EXPLAIN_MAX_STEPS];
	int			 ngroups;
	struct explain_group	 groups[ACCESS_MAX_GROUPS];
	int			 nbadges;
	struct explain_badge	*badges;	/* malloc'd: explain_free */
	/* A loaner of the guests' pool (explain_badge): its rows, while the
	 * explanation is made (the door's input is built from them). */
	const struct decision_rows *loaner;
};

/* The lockouts of a `status` control reply (NULL or not ok: unknown). */
void explain_lockouts_from_status(const cJSON *reply, const struct config *conf,
    struct explain_lockouts *lo);

/*
 * Explain member m (with all their badges; a member without one gets the
 * unknown badge's verdict) at wall time now_ms.  0, or -1 on a store error
 * (x is then empty).
 */
int explain_member(struct explanation *x, struct store *st, const struct config *conf,
    const struct member_row *m, int64_t now_ms, bool synced,
    const struct explain_lockouts *lo);

/*
 * Explain one badge from the rows the door would load for its MAC (rows
 * NULL: an unknown UID, shown by hint).  0, or -1 out of memory.
 */
int explain_badge(struct explanation *x, const struct config *conf,
    const struct decision_rows *rows, const char *hint, int64_t now_ms, bool synced,
    const struct explain_lockouts *lo);

/* The explanation as `seuilctl --json explain` prints it (and the console
 * shows it). */
cJSON *explain_json(const struct explanation *x);

/* "Mon".."Sun" of x->now. */
const char *explain_weekday(const struct explanation *x);

/* The text of an unsynced_clock policy, as the config file spells it. */
const char *explain_unsynced_name(enum unsynced_policy p);

void explain_free(struct explanation *x);

#endif
