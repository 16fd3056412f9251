/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A member's invite code and account (core/member_web.c) on a real store:
 * a code opens for its 15 minutes and not a millisecond after, once, for
 * its member only; a new code takes the place of the old one; a disabled
 * member gets none; disabling or erasing the member deletes the account
 * (the console's sessions look it up at each request, web/session.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manage.h"
#include "member_web.h"
#include "store.h"
#include "testhelp.h"

#define NOW_MS	((int64_t)1709542800 * 1000)

static char dir[] = "/tmp/seuil-test-member-web.XXXXXX";
static int64_t alice, bob;

static struct store *
fresh(const char *name)
{
	struct member_change ch = { .public = -1 };
	struct manage_err err;
	char path[300], e[512];
	struct store *st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((st = store_open(path, STORE_CREATE, e, sizeof(e))) == NULL) {
		printf("# %s\n", e);
		return NULL;
	}
	ch.name = "alice";
	if ((alice = manage_member_add(st, &ch, "test", &err)) == -1)
		printf("# %s\n", err.msg);
	ch.name = "bob";
	if ((bob = manage_member_add(st, &ch, "test", &err)) == -1)
		printf("# %s\n", err.msg);
	return st;
}

static bool
has_account(struct store *st, int64_t id)
{
	struct store_member_account a;

	return store_member_account_get(st, id, &a) == 1;
}

/* 15 minutes, to the millisecond; a code's shape alone opens nothing. */
static void
test_code_ttl(void)
{
	struct store *st = fresh("ttl.db");
	struct manage_err err;
	char code[MEMBER_CODE_LEN + 1];

	EXPECT_INT(member_invite(st, alice, NOW_MS, "test", code, &err), 0);
	EXPECT(member_code_valid(code));
	EXPECT_INT(member_code_use(st, alice, code, NOW_MS + MEMBER_CODE_TTL_MS + 1, "test", &err),
	    -1);
	EXPECT_INT(err.status, MANAGE_ENOENT);
	EXPECT(!has_account(st, alice));
	EXPECT_INT(member_invite(st, alice, NOW_MS, "test", code, &err), 0);
	EXPECT_INT(member_code_use(st, alice, code, NOW_MS + MEMBER_CODE_TTL_MS - 1, "test", &err),
	    0);
	EXPECT(has_account(st, alice));
	EXPECT_INT(member_code_use(st, alice, "ABCDEFGHJK", NOW_MS, "test", &err), -1);
	store_close(st);
}

/* Once, for its member; the older code goes when a new one is made. */
static void
test_code_once(void)
{
	struct store *st = fresh("once.db");
	struct manage_err err;
	char old[MEMBER_CODE_LEN + 1], code[MEMBER_CODE_LEN + 1];

	EXPECT_INT(member_invite(st, alice, NOW_MS, "test", old, &err), 0);
	EXPECT_INT(member_invite(st, alice, NOW_MS + 1000, "test", code, &err), 0);
	EXPECT(strcmp(old, code) != 0);
	EXPECT_INT(member_code_use(st, alice, old, NOW_MS + 2000, "test", &err), -1);
	EXPECT_INT(member_code_use(st, bob, code, NOW_MS + 2000, "test", &err), -1);
	EXPECT(!has_account(st, bob));
	EXPECT_INT(member_code_use(st, alice, code, NOW_MS + 3000, "test", &err), 0);
	EXPECT_INT(member_code_use(st, alice, code, NOW_MS + 4000, "test", &err), -1);
	EXPECT_INT(err.status, MANAGE_ENOENT);
	store_close(st);
}

/* Disabled: no code, and the account goes; erased: the account and its
 * invites go. */
static void
test_disable_erase(void)
{
	struct store *st = fresh("gone.db");
	struct manage_err err;
	struct member_row m;
	char code[MEMBER_CODE_LEN + 1];

	EXPECT_INT(member_invite(st, alice, NOW_MS, "test", code, &err), 0);
	EXPECT_INT(member_code_use(st, alice, code, NOW_MS, "test", &err), 0);
	EXPECT_INT(manage_member_set_active(st, "alice", false, "test", &m, &err), 0);
	EXPECT(!has_account(st, alice));
	EXPECT_INT(member_invite(st, alice, NOW_MS, "test", code, &err), -1);

	EXPECT_INT(member_invite(st, bob, NOW_MS, "test", code, &err), 0);
	EXPECT_INT(member_code_use(st, bob, code, NOW_MS, "test", &err), 0);
	EXPECT_INT(member_invite(st, bob, NOW_MS, "test", code, &err), 0);	/* pending */
	EXPECT(has_account(st, bob));
	EXPECT_INT(manage_member_erase(st, bob, "test", &err), 0);
	EXPECT(!has_account(st, bob));
	EXPECT_INT(member_code_use(st, bob, code, NOW_MS, "test", &err), -1);
	store_close(st);
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_code_ttl);
	RUN(test_code_once);
	RUN(test_disable_erase);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_REPORT();
}
