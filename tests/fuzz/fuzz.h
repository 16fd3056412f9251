/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c; common.c).
 *
 * A target feeds one input class that crosses a trust boundary to the real
 * code under test and checks an oracle; a broken oracle calls FUZZ_ASSERT,
 * which aborts so that libFuzzer keeps the input as a crash.
 */
#ifndef SEUIL_FUZZ_H
#define SEUIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: oracle failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of the input (stops at an embedded NUL, as a C
 * string would); the caller frees it. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A fresh private directory under $TMPDIR or /tmp, removed at exit
 * (files directly in it only). */
const char *fuzz_tmpdir(void);

/*
 * The descriptors open now, as a bitmap of the first FUZZ_FD_SETS; and
 * closing those open now that were not before (what a run of libnfc left:
 * tests/fuzz/common.c says why).
 */
#define FUZZ_FD_SETS	1024
void fuzz_fds_open(unsigned char set[FUZZ_FD_SETS]);
void fuzz_fds_close_new(const unsigned char before[FUZZ_FD_SETS]);

/* Whether s is well-formed UTF-8 (no overlong forms, no surrogates). */
int fuzz_utf8_valid(const char *s, size_t len);

#endif
