/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An LD_PRELOAD shim for the console's tests: the kernel's NTP sync as the
 * test says, so that "the clock is not synced" can be shown on demand
 * (core/clock.c asks adjtimex() in seuild and seuil-web).
 *
 *   SEUIL_FAKE_CLOCK=<file>	adjtimex() reads it at every call: while it
 *				holds "unsynced" the clock is reported
 *				unsynced (STA_UNSYNC, TIME_ERROR), otherwise
 *				(other text, no file) synced.
 *
 * Only reading is faked: a call that asks to change the clock (modes set)
 * fails with EPERM, as it would for seuil's users.  Under ASan the program
 * must run with ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

int
adjtimex(struct timex *tx)
{
	const char *path = getenv("SEUIL_FAKE_CLOCK");
	char buf[16] = "";
	FILE *f;
	int unsynced = 0;

	if (tx->modes != 0) {
		errno = EPERM;
		return -1;
	}
	if (path != NULL && (f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			unsynced = strncmp(buf, "unsynced", 8) == 0;
		fclose(f);
	}
	memset(tx, 0, sizeof(*tx));
	tx->status = unsynced ? STA_UNSYNC : 0;
	return unsynced ? TIME_ERROR : TIME_OK;
}
