/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Clocks.  Door timing uses only the monotonic clock, so that a wall-clock
 * step (NTP, a manual date, an RTC-less Pi booting in 1970) can never hold a
 * door open.  The wall clock is for timestamps, schedules and day ends.
 */
#ifndef SEUIL_CLOCK_H
#define SEUIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

int64_t clock_mono_ns(void);
int64_t clock_mono_ms(void);
/* Like the monotonic clock, but counting the time the system was
 * suspended too: how old a site's replica's copy is (docs/site.md). */
int64_t clock_boot_ms(void);
/* UTC milliseconds since the epoch; 0 when the C library cannot read the
 * clock (past 2038-01-19 where time_t is 32-bit), and clock_synced is then
 * false. */
int64_t clock_wall_ms(void);

/* Whether the kernel says the wall clock is NTP-synced (adjtimex has
 * STA_UNSYNC clear) and the C library can read it.  A Pi without an RTC
 * boots with a wrong date until NTP answers; schedules must not be trusted
 * then. */
bool clock_synced(void);

/* The kernel's boot id (36 characters and a NUL), read once; "unknown" if
 * /proc is not there.  Lets an auditor order mono_ms within one boot. */
const char *clock_boot_id(void);

/* Format UTC milliseconds as "2026-11-26T08:14:03Z" (buf >= 21 bytes). */
void clock_format_utc(int64_t ts_ms, char buf[static 21]);

#endif
