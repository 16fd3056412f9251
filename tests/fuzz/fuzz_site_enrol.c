/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Enrolment at a replica's desk (core/site_enrol.h): the primary parses
 * whatever a node's login publishes on B/node/<node>/enrol, and a replica
 * the body of an answer that opened under the site's key.  The first
 * byte picks which: even, a request; odd, an answer.
 * Oracle:
 *  - a request that parses has a site and a node of [a-z0-9_-], an id of
 *    exactly SITE_ENROL_ID_LEN lowercase hex digits, a member, a reader,
 *    a hint of hex digits, an actor and an expiry; a credential's MAC only
 *    when of kind "desfire" (zero otherwise); it survives encode and parse
 *    unchanged, byte for byte of the struct;
 *  - an answer that parses has a known result and survives the same;
 *  - what fails says why.
 */
#include <string.h>

#include "fuzz.h"
#include "site_enrol.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789_-"

static void
request(const char *p, size_t len)
{
	struct site_enrol_req q, q2;
	char why[96] = "", *text;

	if (site_enrol_req_parse(p, len, &q, why, sizeof(why)) == -1) {
		FUZZ_ASSERT(why[0] != '\0');
		return;
	}
	FUZZ_ASSERT(q.site[0] != '\0' && strspn(q.site, NAME_CHARS) == strlen(q.site));
	FUZZ_ASSERT(q.node[0] != '\0' && strspn(q.node, NAME_CHARS) == strlen(q.node));
	FUZZ_ASSERT(strlen(q.id) == SITE_ENROL_ID_LEN &&
	    strspn(q.id, "0123456789abcdef") == SITE_ENROL_ID_LEN);
	FUZZ_ASSERT(q.member[0] != '\0' && q.reader[0] != '\0' && q.actor[0] != '\0');
	FUZZ_ASSERT(q.hint[0] != '\0' && strspn(q.hint, "0123456789ABCDEF") == strlen(q.hint));
	FUZZ_ASSERT(q.expires_ms > 0);
	if (!q.desfire) {
		static const uint8_t zero[UID_MAC_LEN];

		FUZZ_ASSERT(memcmp(q.cred, zero, UID_MAC_LEN) == 0);
	}
	FUZZ_ASSERT((text = site_enrol_req_encode(&q)) != NULL);
	FUZZ_ASSERT(site_enrol_req_parse(text, strlen(text), &q2, why, sizeof(why)) == 0);
	FUZZ_ASSERT(memcmp(&q, &q2, sizeof(q)) == 0);
	free(text);
}

static void
answer(const char *p, size_t len)
{
	struct site_enrol_res r, r2;
	char why[96] = "", *text;

	if (site_enrol_res_parse(p, len, &r, why, sizeof(why)) == -1) {
		FUZZ_ASSERT(why[0] != '\0');
		return;
	}
	FUZZ_ASSERT(r.result < SITE_ENROL_NRESULTS);
	FUZZ_ASSERT(strcmp(site_enrol_result_name(r.result), "?") != 0);
	FUZZ_ASSERT(r.badge_id >= 0 && r.member_id >= 0);
	FUZZ_ASSERT((text = site_enrol_res_encode(&r)) != NULL);
	FUZZ_ASSERT(site_enrol_res_parse(text, strlen(text), &r2, why, sizeof(why)) == 0);
	FUZZ_ASSERT(memcmp(&r, &r2, sizeof(r)) == 0);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p;
	size_t len;

	if (size < 1 || size > 16 * 1024)
		return -1;
	/* A copy of exactly the payload's size, so ASan sees any overread. */
	len = size - 1;
	p = malloc(len > 0 ? len : 1);
	memcpy(p, data + 1, len);
	if (data[0] % 2 == 0)
		request(p, len);
	else
		answer(p, len);
	free(p);
	return 0;
}
