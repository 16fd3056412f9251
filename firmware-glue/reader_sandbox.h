/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Containing a reader child once its device is open (docs/security.md,
 * "The reader child").  libnfc parses whatever a card or a USB device
 * sends it; a bug it reaches must not become a door opening.  After
 * reader_sandbox_enter() the process can still read, write, poll and
 * ioctl the descriptors it holds, sleep, read the clocks, allocate memory,
 * send on a connected socket and exit; it can no longer open a file,
 * create or connect a socket, run a program, fork, signal another process
 * or change its credentials.
 */
#ifndef SEUIL_READER_SANDBOX_H
#define SEUIL_READER_SANDBOX_H

#include <stddef.h>

/*
 * Install, for the calling process and for good: no new privileges, a
 * Landlock ruleset that allows no file access (where the kernel has
 * Landlock; silently skipped where it does not), then the seccomp
 * allow-list.  Returns 0 once the seccomp filter is in force, or -1 with
 * errno and a message in err when it could not be installed (a kernel
 * without seccomp filters, qemu-user: EINVAL or ENOSYS); the caller then
 * decides, from [security] reader_sandbox, whether to go on uncontained.
 * Call it single-threaded, after every file the process needs is open.
 */
int reader_sandbox_enter(char *err, size_t errlen);

#endif
