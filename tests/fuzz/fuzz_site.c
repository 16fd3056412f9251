/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site's messages (docs/site.md): whoever may publish on the site's
 * broker, or sits between two of its buildings, reaches a replica's
 * envelope check (core/site_sig.c), and the primary's journal parser
 * (core/site_journal.c) reads what any node's login publishes.  The first
 * byte of an input picks what the rest is:
 *  0-2  an envelope received on B/acl/snapshot, delta or head, checked
 *       against the site's pinned key (fixed here; the seeds are signed
 *       with it by tests/tools/sitesign.py), applied when it opens;
 *  3    a body as if verified: parsed, and applied to a replica's store
 *       inside a transaction that is rolled back;
 *  4    a body signed here with the site's key, then checked: what the
 *       primary itself would publish;
 *  5    a journal row; 6  a journal acknowledgement.
 * Oracle:
 *  - an envelope that opens is byte for byte what the site's key signs
 *    for that topic (Ed25519 is deterministic: no forgery, no second form
 *    of a signature), its body the payload's tail; a body signed here
 *    opens, on its own topic only, with exactly its bytes, and with one
 *    byte of the signature or the body flipped it does not;
 *  - apply returns -1, 0 or 1; when 1 the copy's (epoch, rev) is the
 *    message's; nothing of it survives the rollback (the digest of the
 *    copy is the first one);
 *  - a journal row that parses has a node of [a-z0-9_-], 0 <= prev < seq,
 *    a known event type, and survives encode and parse unchanged.
 */
#include <string.h>
#include <unistd.h>

#include "event_type.h"
#include "fuzz.h"
#include "site_acl.h"
#include "site_journal.h"
#include "site_sig.h"
#include "store.h"

#define TOPIC_SNAPSHOT	"seuil/lab/acl/snapshot"
#define TOPIC_DELTA	"seuil/lab/acl/delta"
#define TOPIC_HEAD	"seuil/lab/acl/head"

static const char *const topics[] = { TOPIC_SNAPSHOT, TOPIC_DELTA, TOPIC_HEAD };
static uint8_t seed[SITE_KEY_LEN];
static struct site_pub pub;
static struct store *st;
static char digest0[65];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[512], e[512];

	(void)argc;
	(void)argv;
	for (int i = 0; i < SITE_KEY_LEN; i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	if (site_key_public(seed, &pub, e, sizeof(e)) == -1) {
		fprintf(stderr, "%s\n", e);
		abort();
	}
	if (getenv("TMPDIR") == NULL && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	snprintf(path, sizeof(path), "%s/seuil.db", fuzz_tmpdir());
	if ((st = store_open(path, STORE_CREATE, e, sizeof(e))) == NULL) {
		fprintf(stderr, "%s\n", e);
		abort();
	}
	FUZZ_ASSERT(store_site_set_role(st, true, "main") == 0);
	FUZZ_ASSERT(site_acl_digest(st, digest0) == 0);
	return 0;
}

static void apply(const char *body, size_t len);

static void
envelope(const char *topic, const uint8_t *p, size_t len)
{
	const char *body;
	char why[96] = "", *env;
	size_t blen, elen;

	if (site_open(&pub, 1, topic, p, len, &body, &blen, why, sizeof(why)) == -1) {
		FUZZ_ASSERT(why[0] != '\0');
		return;
	}
	/* Ed25519 is deterministic and the envelope has one form: what
	 * opens is byte for byte what the site's key signs for that topic
	 * (a forgery, or a second form of one signature, would not be). */
	FUZZ_ASSERT(body >= (const char *)p && body + blen == (const char *)p + len);
	FUZZ_ASSERT((env = site_sign(seed, topic, body, blen, &elen)) != NULL);
	FUZZ_ASSERT(elen == len && memcmp(env, p, len) == 0);
	free(env);
	apply(body, blen);
}

static void
apply(const char *body, size_t len)
{
	struct site_msg m;
	struct site_local l;
	char why[128], d[65];
	int rc;

	if (site_msg_parse(body, len, &m, why, sizeof(why)) == -1)
		return;
	FUZZ_ASSERT(m.json != NULL);
	FUZZ_ASSERT(store_begin(st) == 0);
	why[0] = '\0';
	rc = site_acl_apply(st, &m, 1000, why, sizeof(why));
	FUZZ_ASSERT(rc >= -1 && rc <= 1);
	if (rc == 1) {
		FUZZ_ASSERT(site_acl_local(st, &l) == 0);
		FUZZ_ASSERT(l.epoch == m.h.epoch && l.rev == m.h.rev);
	}
	store_rollback(st);
	site_msg_free(&m);
	FUZZ_ASSERT(site_acl_digest(st, d) == 0 && strcmp(d, digest0) == 0);
}

static void
signed_here(const uint8_t *p, size_t len, uint8_t pick)
{
	const char *topic = topics[pick % 3], *body;
	char *env, why[96];
	size_t elen, blen;

	if ((env = site_sign(seed, topic, p, len, &elen)) == NULL)
		return;
	FUZZ_ASSERT(site_open(&pub, 1, topic, env, elen, &body, &blen, why, sizeof(why)) == 0);
	FUZZ_ASSERT(blen == len && memcmp(body, p, len) == 0);
	FUZZ_ASSERT(site_open(&pub, 1, topics[(pick + 1) % 3], env, elen, &body, &blen, why,
	    sizeof(why)) == -1);
	/* One byte flipped, in the signature line or in the body. */
	env[(size_t)pick * 131 % elen] ^= 0x20;
	FUZZ_ASSERT(site_open(&pub, 1, topic, env, elen, &body, &blen, why, sizeof(why)) == -1);
	free(env);
	apply((const char *)p, len);
}

static void
journal_row(const uint8_t *p, size_t len)
{
	struct journal_row r, r2;
	char why[96], *text;

	if (site_journal_parse((const char *)p, len, &r, why, sizeof(why)) == -1)
		return;
	FUZZ_ASSERT(r.node[0] != '\0' &&
	    strspn(r.node, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(r.node));
	FUZZ_ASSERT(r.prev >= 0 && r.prev < r.ev.seq);
	FUZZ_ASSERT(event_type_known(r.ev.type));
	FUZZ_ASSERT((text = site_journal_encode(r.node, r.prev, &r.ev)) != NULL);
	FUZZ_ASSERT(site_journal_parse(text, strlen(text), &r2, why, sizeof(why)) == 0);
	FUZZ_ASSERT(strcmp(r.node, r2.node) == 0 && r.prev == r2.prev);
	FUZZ_ASSERT(r.ev.seq == r2.ev.seq && r.ev.ts_ms == r2.ev.ts_ms &&
	    r.ev.mono_ms == r2.ev.mono_ms && r.ev.clock_synced == r2.ev.clock_synced &&
	    r.ev.member_id == r2.ev.member_id && r.ev.badge_id == r2.ev.badge_id &&
	    r.ev.guest_id == r2.ev.guest_id && r.ev.via == r2.ev.via);
	FUZZ_ASSERT(strcmp(r.ev.type, r2.ev.type) == 0 && strcmp(r.ev.door, r2.ev.door) == 0 &&
	    strcmp(r.ev.reader, r2.ev.reader) == 0 && strcmp(r.ev.reason, r2.ev.reason) == 0 &&
	    strcmp(r.ev.detail, r2.ev.detail) == 0 && strcmp(r.ev.actor, r2.ev.actor) == 0 &&
	    strcmp(r.ev.boot_id, r2.ev.boot_id) == 0);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	int64_t seq;
	size_t len;

	if (size < 1 || size > 64 * 1024)
		return -1;
	/* A copy of exactly the payload's size, so ASan sees any overread. */
	len = size - 1;
	p = malloc(len > 0 ? len : 1);
	memcpy(p, data + 1, len);
	switch (data[0] % 7) {
	case 0:
	case 1:
	case 2:
		envelope(topics[data[0] % 7], p, len);
		break;
	case 3:
		apply((const char *)p, len);
		break;
	case 4:
		signed_here(p, len, data[0] / 7);
		break;
	case 5:
		journal_row(p, len);
		break;
	default:
		if (site_journal_ack_parse((const char *)p, len, "hall", &seq) == 0)
			FUZZ_ASSERT(seq >= 0);
		break;
	}
	free(p);
	return 0;
}
