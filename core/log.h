/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Logging for seuild and seuilctl, in the OpenBSD style: lower case, object
 * first, no trailing period.  log_warn() and fatal() append strerror(errno);
 * the *x variants do not.  Every function preserves errno.
 *
 * Never pass a raw badge UID to these functions: logs are kept longer and
 * read by more people than the event log.
 */
#ifndef SEUIL_LOG_H
#define SEUIL_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/* to_stderr: log to stderr (foreground, tests) rather than syslog.
 * verbose: 0 info, 1 and more debug. */
void log_init(const char *ident, int to_stderr, int verbose);

void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
_Noreturn void fatal(const char *fmt, ...) LOG_FMT(1, 2);
_Noreturn void fatalx(const char *fmt, ...) LOG_FMT(1, 2);

#endif
