/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

/* 0 when the clock cannot be read: CLOCK_REALTIME past 2038-01-19 where
 * time_t is 32-bit (EOVERFLOW); clock_synced then says the wall clock is
 * not to be trusted. */
static int64_t
clock_read_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clock_mono_ns(void)
{
	return clock_read_ns(CLOCK_MONOTONIC);
}

int64_t
clock_mono_ms(void)
{
	return clock_read_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t
clock_boot_ms(void)
{
	return clock_read_ns(CLOCK_BOOTTIME) / 1000000;
}

int64_t
clock_wall_ms(void)
{
	return clock_read_ns(CLOCK_REALTIME) / 1000000;
}

bool
clock_synced(void)
{
	struct timespec ts;
	struct timex tx;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return false;
	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) == -1)
		return false;
	return (tx.status & STA_UNSYNC) == 0;
}

const char *
clock_boot_id(void)
{
	static char id[37];
	FILE *f;

	if (id[0] != '\0')
		return id;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f == NULL || fgets(id, sizeof(id), f) == NULL || strlen(id) != 36)
		strcpy(id, "unknown");
	if (f != NULL)
		fclose(f);
	return id;
}

void
clock_format_utc(int64_t ts_ms, char buf[static 21])
{
	time_t t = (time_t)(ts_ms / 1000);
	struct tm tm;

	if (ts_ms < 0 && ts_ms % 1000 != 0)
		t--;
	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
