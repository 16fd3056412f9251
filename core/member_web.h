/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Members on the console, for themselves (docs/web.md, "A member's own
 * page"): an invite code (single use, MEMBER_CODE_TTL_MS) that an admin
 * makes or a tap of the member's own badge at a desk reader, the account
 * it opens (a yescrypt hash in member_accounts, set by the member at
 * once), and the member's choice of how the lobby names them, which an
 * import or an admin's edit then leaves alone.
 *
 * A code is MEMBER_CODE_LEN characters of an alphabet without look-alikes
 * (50 bits); only its SHA-256 is stored.  Each change is one transaction
 * with its admin_change event by actor (the member's own is "member:ID").
 */
#ifndef SEUIL_MEMBER_WEB_H
#define SEUIL_MEMBER_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "manage.h"
#include "store.h"

#define MEMBER_CODE_LEN		10
#define MEMBER_CODE_TTL_MS	(15 * 60 * 1000)

/* A fresh code for member id (any older one goes): into code, 0; or -1
 * with *err (a member erased or disabled has none). */
int member_invite(struct store *st, int64_t member_id, int64_t now_ms, const char *actor,
    char code[MEMBER_CODE_LEN + 1], struct manage_err *err);
/* Spend code for member id: 0 when it was theirs, unused and in time (the
 * member's account is opened, with a password nobody knows until they set
 * one); -1 with *err otherwise (MANAGE_ENOENT for a code that does not
 * open, whatever the reason). */
int member_code_use(struct store *st, int64_t member_id, const char *code, int64_t now_ms,
    const char *actor, struct manage_err *err);
/* The member's new password hash (made by the client). */
int member_password(struct store *st, int64_t member_id, const char *hash, int64_t now_ms,
    const char *actor, struct manage_err *err);
/* How the lobby names the member: public, and as display (NULL: as now),
 * the member's own choice from now on. */
int member_lobby_choose(struct store *st, int64_t member_id, bool public, const char *display,
    int64_t now_ms, const char *actor, struct manage_err *err);
/* Whether text is a code's shape (the alphabet, the length). */
bool member_code_valid(const char *text);

#endif
