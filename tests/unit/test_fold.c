/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fold of names (core/fold.c): what a manager types finds the member,
 * with or without accents or capitals, on any machine (no locale used).
 */
#include <stdlib.h>
#include <locale.h>
#include <string.h>

#include "fold.h"
#include "testhelp.h"

static const char *
folded(const char *s)
{
	static char buf[256];

	fold_text(s, buf, sizeof(buf));
	return buf;
}

static void
test_latin(void)
{
	EXPECT_STR(folded("Élodie"), "elodie");
	EXPECT_STR(folded("ÉLODIE"), "elodie");
	EXPECT_STR(folded("François Müller"), "francois muller");
	EXPECT_STR(folded("Zoë-Anne Øster"), "zoe-anne oster");
	EXPECT_STR(folded("Æsa Œuvre Straße Þór"), "aesa oeuvre strasse thor");
	EXPECT_STR(folded("Łukasz Đurić Ĳsbrand ſ"), "lukasz duric ijsbrand s");
	EXPECT_STR(folded("Ștefan Țugui"), "stefan tugui");
	EXPECT_STR(folded("Ÿvette ÿ"), "yvette y");
	/* × and ÷ are no letters: kept */
	EXPECT_STR(folded("2×3÷1"), "2×3÷1");
}

static void
test_decomposed(void)
{
	/* "E" + COMBINING ACUTE ACCENT, as macOS writes file names */
	EXPECT_STR(folded("E\xcc\x81lodie"), "elodie");
	EXPECT(fold_contains("E\xcc\x81lodie", "élo"));
}

static void
test_greek_cyrillic(void)
{
	EXPECT_STR(folded("ΆΝΝΑ Σοφίας"), "αννα σοφιασ");
	EXPECT_STR(folded("Ιωάννης"), "ιωαννησ");
	EXPECT_STR(folded("ΑΛΈΞΗΣ"), "αλεξησ");	/* final and medial sigma alike */
	EXPECT(fold_contains("Αλέξης", "αλεξησ"));
	EXPECT_STR(folded("Фёдор ЁЛКИН"), "федор елкин");
	EXPECT_STR(folded("ЄВГЕН Ївга"), "євген ївга");
}

static void
test_others_kept(void)
{
	EXPECT_STR(folded("李小龙"), "李小龙");
	EXPECT_STR(folded("Al \xf0\x9f\x91\xa9"), "al \xf0\x9f\x91\xa9");
	/* Bytes that are not UTF-8 go through as they are. */
	EXPECT_STR(folded("a\xff" "B\xc3"), "a\xff" "b\xc3");
	EXPECT_STR(folded(""), "");
}

static void
test_contains(void)
{
	EXPECT(fold_contains("Élodie Martin", "elodie"));
	EXPECT(fold_contains("Élodie Martin", "MART"));
	EXPECT(fold_contains("Élodie Martin", ""));
	EXPECT(!fold_contains("Élodie Martin", "elodie x"));
	EXPECT(fold_contains("bob", "Bob"));
}

static void
test_cut_at_character(void)
{
	char out[4];

	/* "αβ" is 4 bytes: only "α" fits with its NUL. */
	EXPECT_INT(fold_text("αβ", out, sizeof(out)), 2);
	EXPECT_STR(out, "α");
	EXPECT_INT(fold_text("Straße", out, sizeof(out)), 3);
	EXPECT_STR(out, "str");
	EXPECT_INT(fold_text("x", out, 0), 0);
}

static void
test_never_longer(void)
{
	static const char *const texts[] = {
		"ß", "Æ", "Þ", "Ĳ", "Œ", "É", "Ά", "Ё", "ΐ", "E\xcc\x81", "×",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		EXPECT(fold_text(texts[i], out, sizeof(out)) <= strlen(texts[i]));
}

static void
test_order(void)
{
	EXPECT(fold_cmp("Élodie", "Zoé") < 0);
	EXPECT(fold_cmp("élodie", "Emma") < 0);
	EXPECT(fold_cmp("Élodie", "Elodie") != 0);	/* a stable order */
	EXPECT(fold_cmp("Élodie", "Élodie") == 0);
	EXPECT(fold_cmp("bob", "Alice") > 0);
}

/* The machine's locale changes nothing: the fold is a table. */
static void
test_locale_independent(void)
{
	char a[64], b[64];

	fold_text("ÉLODIE İstanbul", a, sizeof(a));
	setlocale(LC_ALL, "tr_TR.UTF-8");
	setlocale(LC_ALL, "C.UTF-8");
	fold_text("ÉLODIE İstanbul", b, sizeof(b));
	setlocale(LC_ALL, "C");
	EXPECT_STR(a, b);
	EXPECT_STR(a, "elodie istanbul");
}

int
main(void)
{
	RUN(test_latin);
	RUN(test_decomposed);
	RUN(test_greek_cyrillic);
	RUN(test_others_kept);
	RUN(test_contains);
	RUN(test_cut_at_character);
	RUN(test_never_longer);
	RUN(test_order);
	RUN(test_locale_independent);
	return TEST_REPORT();
}
