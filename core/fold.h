/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one fold of names (docs/web.md, "Finding a member"): what "elodie"
 * must find in "Élodie", whoever types it and whatever locales the machine
 * has installed.  Used where a person looks a member up by part of a name
 * (the console's pickers through GET /api/v1/members?q=, seuilctl member
 * list --search and its suggestions) and to sort names in reports.
 *
 * The fold, code point by code point of UTF-8 text:
 *  - ASCII letters in lower case;
 *  - the Latin letters of Latin-1 and Latin Extended-A (the languages of
 *    Western, Central and Northern Europe) and Romanian's S and T with a
 *    comma, without their accents, in lower case: "É" "é" "È" "ê" are
 *    "e"; "Æ" "æ" are "ae", "Œ" "œ" "oe", "ß" "ss", "Þ" "þ" "th", "Ĳ" "ij",
 *    "Ł" "l", "Ø" "o", "Đ" "Ð" "d";
 *  - Greek and Cyrillic capitals in lower case, Greek vowels without
 *    their tonos or dialytika, final sigma as sigma, "ё" as "е";
 *  - combining marks (U+0300 to U+036F) dropped, so that a decomposed
 *    "e" + U+0301 folds as "é" does;
 *  - everything else as it is, bytes that are not UTF-8 included.
 * The folded text is never longer than the text.  It is a table in this
 * file, not the C library's locale: the same on every machine.
 */
#ifndef SEUIL_FOLD_H
#define SEUIL_FOLD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Fold s into out (len bytes, NUL-terminated; cut at a character boundary
 * when too small).  Returns the length of the folded text.
 */
size_t fold_text(const char *s, char *out, size_t len);

/* Whether the fold of hay contains the fold of needle (an empty needle is
 * in every text).  Texts longer than 1 KiB are compared on their first
 * 1 KiB. */
bool fold_contains(const char *hay, const char *needle);

/* strcmp of the folds, then of the texts themselves: "Élodie" sorts with
 * "elodie", before "Zoé", and two names that fold alike keep one order. */
int fold_cmp(const char *a, const char *b);

#endif
