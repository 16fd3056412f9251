/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The service manager's notification protocol (sd_notify(3)): tell
 * systemd, when it started seuild as Type=notify, that it is ready,
 * reloading, alive (the watchdog) or stopping.
 */
#ifndef SEUIL_NOTIFY_H
#define SEUIL_NOTIFY_H

#include <stdint.h>

/* Send "KEY=VALUE[\n...]": 1 sent, 0 no $NOTIFY_SOCKET, -1 with errno. */
int notify_send(const char *state);
/* $WATCHDOG_USEC if it is meant for this process, else 0. */
uint64_t notify_watchdog_usec(void);

#endif
