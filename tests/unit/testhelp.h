/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A tiny test harness in the spirit of redis' testhelp.h.  A test is a
 * function; EXPECT records a failure with its file and line and goes on;
 * RUN prints "ok NAME" or "not ok NAME", which tests/run counts.
 *
 *	static void test_parse(void) { EXPECT(parse("x") == -1); }
 *	int main(void) { RUN(test_parse); return TEST_REPORT(); }
 */
#ifndef SEUIL_TESTHELP_H
#define SEUIL_TESTHELP_H

#include <stdio.h>
#include <string.h>

static int th_passed, th_failed, th_current_failed;

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
		th_current_failed = 1;					\
	}								\
} while (0)

#define EXPECT_STR(a, b) do {						\
	const char *th_a = (a), *th_b = (b);				\
	if (th_a == NULL || th_b == NULL || strcmp(th_a, th_b) != 0) {	\
		printf("#   %s:%d: %s is \"%s\", expected \"%s\"\n",	\
		    __FILE__, __LINE__, #a, th_a ? th_a : "(null)",	\
		    th_b ? th_b : "(null)");				\
		th_current_failed = 1;					\
	}								\
} while (0)

#define EXPECT_INT(a, b) do {						\
	long long th_a = (long long)(a), th_b = (long long)(b);	\
	if (th_a != th_b) {						\
		printf("#   %s:%d: %s is %lld, expected %lld\n",	\
		    __FILE__, __LINE__, #a, th_a, th_b);		\
		th_current_failed = 1;					\
	}								\
} while (0)

#define RUN(fn) do {							\
	th_current_failed = 0;						\
	fn();								\
	if (th_current_failed) {					\
		th_failed++;						\
		printf("not ok %s\n", #fn);				\
	} else {							\
		th_passed++;						\
		printf("ok %s\n", #fn);					\
	}								\
	fflush(stdout);							\
} while (0)

#define TEST_REPORT() (th_failed ? 1 : 0)

/* The first 24 bytes of db's WAL (magic to salts; zeros when it has
 * none): a restart of the WAL changes them, an appended frame does not. */
static inline void
th_wal_header(const char *db, char out[24])
{
	char wal[300];
	FILE *f;

	memset(out, 0, 24);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	if ((f = fopen(wal, "rb")) != NULL) {
		EXPECT_INT((int)fread(out, 1, 24, f), 24);
		fclose(f);
	}
}

#endif
