/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Names as they come in (core/manage.c's text checks): whatever reaches the
 * lobby, a terminal or the console must read as what it is.  No character
 * that reorders or hides text, no control character, no NUL in the JSON
 * that carries it; the joiners some scripts need inside a word stay
 * allowed there.
 */
#include <string.h>

#include "manage.h"
#include "testhelp.h"

static void
test_good_names(void)
{
	static const char *const good[] = {
		"alice", "Élodie", "François", "李小龙", "Zoë-Anne",
		/* a ZWJ inside a word (Devanagari "क्‍ष") and in an emoji */
		"\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7",
		"Al \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!manage_valid_name(good[i], 128))
			printf("#   refused: %s\n", good[i]);
		EXPECT(manage_valid_name(good[i], 128));
	}
}

static void
test_hidden_text_refused(void)
{
	static const char *const bad[] = {
		"ali\xe2\x80\xae" "ecila",	/* U+202E RIGHT-TO-LEFT OVERRIDE */
		"\xe2\x80\xaa" "bob",		/* U+202A LEFT-TO-RIGHT EMBEDDING */
		"bob\xe2\x81\xa6",		/* U+2066 LEFT-TO-RIGHT ISOLATE */
		"bo\xe2\x81\xa9" "b",		/* U+2069 POP DIRECTIONAL ISOLATE */
		"ali\xe2\x80\x8b" "ce",		/* U+200B ZERO WIDTH SPACE */
		"\xef\xbb\xbf" "alice",		/* U+FEFF */
		"\xe2\x80\x8d" "alice",		/* a ZWJ at the start */
		"alice\xe2\x80\x8c",		/* a ZWNJ at the end */
		"ali\tce", "alice\x7f", "ali\xc2\x85" "ce",	/* controls, C1 */
		"\xc0\xafx", "\xed\xa0\x80",	/* overlong, a surrogate */
		"", "-alice", " alice", "alice ", "12",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (manage_valid_name(bad[i], 128))
			printf("#   accepted case %zu\n", i);
		EXPECT(!manage_valid_name(bad[i], 128));
	}
	/* Display names follow the same rule for what hides text. */
	EXPECT(!manage_valid_text("Ali\xe2\x80\xae" "ce", 128));
	EXPECT(manage_valid_text("", 128));
}

static void
test_json_nul(void)
{
	static const char raw[] = "{\"name\":\"ali\0ce\"}";

	EXPECT(manage_json_has_nul("{\"name\":\"ali\\u0000ce\"}", 22));
	EXPECT(manage_json_has_nul("{\"name\":\"ali\\U0000ce\"}", 22));
	EXPECT(manage_json_has_nul(raw, sizeof(raw) - 1));
	EXPECT(!manage_json_has_nul("{\"name\":\"ali\\u00e9\"}", 20));
	EXPECT(!manage_json_has_nul("{\"name\":\"alice\"}", 16));
}

int
main(void)
{
	RUN(test_good_names);
	RUN(test_hidden_text_refused);
	RUN(test_json_nul);
	return TEST_REPORT();
}
