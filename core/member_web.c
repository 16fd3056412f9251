/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Members on the console, for themselves (member_web.h). */
#include "member_web.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/sha.h>

/* No 0/O, 1/I: read off a screen and typed on a phone. */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

bool
member_code_valid(const char *text)
{
	return text != NULL && strlen(text) == MEMBER_CODE_LEN &&
	    strspn(text, alphabet) == MEMBER_CODE_LEN;
}

static void
code_hash(const char *code, uint8_t out[STORE_CODE_HASH_LEN])
{
	SHA256((const unsigned char *)code, strlen(code), out);
}

static int
fail_tx(struct store *st, struct manage_err *err, const char *what)
{
	if (err->status == MANAGE_OK)
		manage_store_fail(st, err, what);
	store_rollback(st);
	return -1;
}

/* The member, active and not erased: 0, or -1 with *err. */
static int
member_ok(struct store *st, int64_t id, struct member_row *m, struct manage_err *err)
{
	int rc;

	if ((rc = store_member_get(st, id, m)) != 1)
		return rc == 0 ? manage_fail(err, MANAGE_ENOENT, "member %lld not found",
		    (long long)id) : manage_store_fail(st, err, "member");
	if (!m->active || m->erased)
		return manage_fail(err, MANAGE_EINVAL, "member %lld is not active",
		    (long long)id);
	return 0;
}

int
member_invite(struct store *st, int64_t member_id, int64_t now_ms, const char *actor,
    char code[MEMBER_CODE_LEN + 1], struct manage_err *err)
{
	uint8_t r[MEMBER_CODE_LEN], h[STORE_CODE_HASH_LEN];
	struct member_row m;
	size_t got = 0;
	ssize_t n;
	int i;

	memset(err, 0, sizeof(*err));
	while (got < sizeof(r)) {
		if ((n = getrandom(r + got, sizeof(r) - got, 0)) <= 0)
			return manage_fail(err, MANAGE_EDB, "no random bytes for a code");
		got += (size_t)n;
	}
	for (i = 0; i < MEMBER_CODE_LEN; i++)
		code[i] = alphabet[r[i] % 32];	/* 256 is a multiple of 32: no bias */
	code[MEMBER_CODE_LEN] = '\0';
	explicit_bzero(r, sizeof(r));
	code_hash(code, h);
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "invite");
	if (member_ok(st, member_id, &m, err) == -1 ||
	    store_invite_add(st, member_id, h, now_ms, now_ms + MEMBER_CODE_TTL_MS) == -1 ||
	    manage_audit(st, actor, member_id, 0, "member invite %lld", (long long)member_id) == -1 ||
	    store_commit(st) == -1) {
		explicit_bzero(code, MEMBER_CODE_LEN + 1);
		return fail_tx(st, err, "invite");
	}
	return 0;
}

int
member_code_use(struct store *st, int64_t member_id, const char *code, int64_t now_ms,
    const char *actor, struct manage_err *err)
{
	uint8_t h[STORE_CODE_HASH_LEN], r[16];
	char locked[2 + 2 * sizeof(r)];
	struct member_row m;
	size_t i;
	int rc;

	memset(err, 0, sizeof(*err));
	if (!member_code_valid(code))
		return manage_fail(err, MANAGE_ENOENT, "no such code");
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return manage_fail(err, MANAGE_EDB, "no random bytes");
	/* Not a crypt(3) hash: no password matches it until the member sets
	 * one; random, so that a session of this login is its own. */
	locked[0] = '!';
	for (i = 0; i < sizeof(r); i++)
		snprintf(locked + 1 + 2 * i, 3, "%02x", r[i]);
	code_hash(code, h);
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "code");
	if (member_ok(st, member_id, &m, err) == -1 ||
	    (rc = store_invite_use(st, member_id, h, now_ms)) == -1)
		return fail_tx(st, err, "code");
	if (rc == 0) {
		manage_fail(err, MANAGE_ENOENT, "no such code, or used, or past its 15 minutes");
		return fail_tx(st, err, "code");
	}
	if (store_member_account_set(st, member_id, locked, now_ms) == -1 ||
	    manage_audit(st, actor, member_id, 0, "member code %lld", (long long)member_id) == -1 ||
	    store_commit(st) == -1)
		return fail_tx(st, err, "code");
	return 0;
}

int
member_password(struct store *st, int64_t member_id, const char *hash, int64_t now_ms,
    const char *actor, struct manage_err *err)
{
	struct store_member_account a;
	struct member_row m;
	int rc;

	memset(err, 0, sizeof(*err));
	if (hash == NULL || strncmp(hash, "$y$", 3) != 0 || strlen(hash) >= sizeof(a.hash))
		return manage_fail(err, MANAGE_EINVAL, "hash: a yescrypt hash");
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "password");
	if (member_ok(st, member_id, &m, err) == -1 ||
	    (rc = store_member_account_get(st, member_id, &a)) == -1)
		return fail_tx(st, err, "password");
	if (rc == 0) {
		manage_fail(err, MANAGE_ENOENT, "member %lld has no console account (an invite "
		    "code opens one)", (long long)member_id);
		return fail_tx(st, err, "password");
	}
	if (store_member_account_set(st, member_id, hash, now_ms) == -1 ||
	    manage_audit(st, actor, member_id, 0, "member password %lld",
	    (long long)member_id) == -1 || store_commit(st) == -1)
		return fail_tx(st, err, "password");
	return 0;
}

int
member_lobby_choose(struct store *st, int64_t member_id, bool public, const char *display,
    int64_t now_ms, const char *actor, struct manage_err *err)
{
	struct member_row m;

	memset(err, 0, sizeof(*err));
	if (display != NULL && display[0] != '\0' &&
	    !manage_valid_name(display, sizeof(m.display_name)))
		return manage_fail(err, MANAGE_EINVAL, "display name: printable text, 1 to %zu "
		    "bytes", sizeof(m.display_name) - 1);
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "lobby");
	if (member_ok(st, member_id, &m, err) == -1 ||
	    store_member_lobby_set(st, member_id, public, display != NULL ? display :
	    m.display_name, now_ms) == -1 ||
	    manage_audit(st, actor, member_id, 0, "member lobby %lld %s", (long long)member_id,
	    public ? "public" : "anonymous") == -1 || store_commit(st) == -1)
		return fail_tx(st, err, "lobby");
	return 0;
}
