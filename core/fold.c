/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fold of names (fold.h): a table, not a locale. */
#include "fold.h"

#include <string.h>

/*
 * Latin-1's letters U+00C0 to U+00FF and Latin Extended-A's U+0100 to
 * U+017F, one byte each: the letter it folds to, or a digit for two
 * letters (below), or '*' for a character kept as it is (× and ÷).
 */
static const char latin1[64 + 1] =
    "aaaaaa1ceeeeiiii"	/* À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï */
    "dnooooo*ouuuuy23"	/* Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß */
    "aaaaaa1ceeeeiiii"	/* à á â ã ä å æ ç è é ê ë ì í î ï */
    "dnooooo*ouuuuy2y";	/* ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ */
static const char latin_ext_a[128 + 1] =
    "aaaaaaccccccccdd"	/* Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď */
    "ddeeeeeeeeeegggg"	/* Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě Ĝ ĝ Ğ ğ */
    "gggghhhhiiiiiiii"	/* Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ Ĩ ĩ Ī ī Ĭ ĭ Į į */
    "ii44jjkkklllllll"	/* İ ı Ĳ ĳ Ĵ ĵ Ķ ķ ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ */
    "lllnnnnnnnnnoooo"	/* ŀ Ł ł Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ Ō ō Ŏ ŏ */
    "oo55rrrrrrssssss"	/* Ő ő Œ œ Ŕ ŕ Ŗ ŗ Ř ř Ś ś Ŝ ŝ Ş ş */
    "ssttttttuuuuuuuu"	/* Š š Ţ ţ Ť ť Ŧ ŧ Ũ ũ Ū ū Ŭ ŭ Ů ů */
    "uuuuwwyyyzzzzzzs";	/* Ű ű Ų ų Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ */
static const char *const pairs[] = { "", "ae", "th", "ss", "ij", "oe" };

/* The code point at s (n bytes of it in *n), or -1 for a byte that does
 * not start a well-formed UTF-8 sequence (*n = 1). */
static long
decode(const unsigned char *s, int *n)
{
	long cp;
	int i, k;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0)
		k = 1, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		k = 2, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		k = 3, cp = s[0] & 0x07;
	else {
		*n = 1;
		return -1;
	}
	for (i = 1; i <= k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*n = 1;
			return -1;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*n = k + 1;
	return cp;
}

/* The Greek or Cyrillic letter cp folds to, or cp. */
static long
fold_greek_cyrillic(long cp)
{
	static const struct { unsigned short from, to; } greek[] = {
		{ 0x386, 0x3b1 }, { 0x388, 0x3b5 }, { 0x389, 0x3b7 }, { 0x38a, 0x3b9 },
		{ 0x38c, 0x3bf }, { 0x38e, 0x3c5 }, { 0x38f, 0x3c9 }, { 0x390, 0x3b9 },
		{ 0x3aa, 0x3b9 }, { 0x3ab, 0x3c5 }, { 0x3ac, 0x3b1 }, { 0x3ad, 0x3b5 },
		{ 0x3ae, 0x3b7 }, { 0x3af, 0x3b9 }, { 0x3b0, 0x3c5 }, { 0x3c2, 0x3c3 },
		{ 0x3ca, 0x3b9 }, { 0x3cb, 0x3c5 }, { 0x3cc, 0x3bf }, { 0x3cd, 0x3c5 },
		{ 0x3ce, 0x3c9 },
	};
	size_t i;

	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 0x20;
	for (i = 0; i < sizeof(greek) / sizeof(greek[0]); i++)
		if (greek[i].from == cp)
			return greek[i].to;
	if (cp >= 0x400 && cp <= 0x40f)
		cp += 0x50;
	else if (cp >= 0x410 && cp <= 0x42f)
		cp += 0x20;
	if (cp == 0x450 || cp == 0x451)		/* ѐ ё */
		cp = 0x435;
	return cp;
}

size_t
fold_text(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *add;
	char buf[4];
	size_t o = 0, k;
	long cp;
	int n;

	if (len == 0)
		return 0;
	while (*p != '\0') {
		cp = decode(p, &n);
		add = buf;
		k = 0;
		if (cp >= 'A' && cp <= 'Z')
			buf[k++] = (char)(cp + 32);
		else if (cp >= 0x300 && cp <= 0x36f)
			;	/* a combining mark */
		else if ((cp >= 0xc0 && cp <= 0xff) || (cp >= 0x100 && cp <= 0x17f) ||
		    (cp >= 0x218 && cp <= 0x21b)) {
			char c = cp >= 0x218 ? (cp < 0x21a ? 's' : 't') :
			    cp < 0x100 ? latin1[cp - 0xc0] : latin_ext_a[cp - 0x100];

			if (c == '*') {
				add = (const char *)p;
				k = (size_t)n;
			} else if (c >= '1' && c <= '5') {
				add = pairs[c - '0'];
				k = 2;
			} else
				buf[k++] = c;
		} else if (cp >= 0x386 && cp <= 0x451) {
			cp = fold_greek_cyrillic(cp);
			buf[k++] = (char)(0xc0 | (cp >> 6));
			buf[k++] = (char)(0x80 | (cp & 0x3f));
		} else {
			add = (const char *)p;
			k = (size_t)n;
		}
		if (o + k >= len)
			break;
		memcpy(out + o, add, k);
		o += k;
		p += n;
	}
	out[o] = '\0';
	return o;
}

#define FOLD_MAX	1024

bool
fold_contains(const char *hay, const char *needle)
{
	char h[FOLD_MAX + 1], n[FOLD_MAX + 1];

	fold_text(hay, h, sizeof(h));
	fold_text(needle, n, sizeof(n));
	return strstr(h, n) != NULL;
}

int
fold_cmp(const char *a, const char *b)
{
	char fa[FOLD_MAX + 1], fb[FOLD_MAX + 1];
	int c;

	fold_text(a, fa, sizeof(fa));
	fold_text(b, fb, sizeof(fb));
	if ((c = strcmp(fa, fb)) != 0)
		return c;
	return strcmp(a, b);
}
