/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A hostile PN532 for fuzz targets: the chip's side of a pseudo-terminal,
 * run by a thread, for the real libnfc (driver pn532_uart) on the other
 * side.  Each command the host sends is answered as a script says: as the
 * well-behaved model does (tests/tools/pn532_chip.c), or with a crafted,
 * malformed, truncated, oversized or out-of-order frame, raw bytes, a NACK,
 * an old answer again, or nothing at all; cards come and go.
 *
 * The script is the fuzz input, read one command at a time (pn532_side.c
 * says what each byte means).  Once it is used up the chip behaves, so
 * that closing the device is quick.  A chip that stays silent makes libnfc
 * wait for its own timeouts (350 ms to 1 s a command), so silence has a
 * budget; a frame left unfinished is padded with zeros after a few
 * milliseconds, so that libnfc's wait ends in a checksum error rather than
 * a timeout.
 *
 * Bugs of libnfc 1.8 itself are kept out of the answers, so that the
 * fuzzing reaches past them (docs/security.md): it reads an ATS length byte
 * of 0 as SIZE_MAX (a crash), and reads a UID, an ATS or a second InAutoPoll
 * target that the chip says is longer than the frame from whatever its
 * buffer held before (a tap of a UID nobody sent, which the oracle would
 * blame on seuil), and calls abort() when the status byte of an answer to
 * PowerDown, InDataExchange, InCommunicateThru, InSelect and a few others
 * has its top bit set.  So a crafted InAutoPoll or InListPassiveTarget
 * answer names ISO14443A targets only, with lengths inside the frame and a
 * non-zero ATS length, and a status byte has its top bit clear.
 *
 * The DESFire work reuses it: pn532_side_exchange lets a card model answer
 * InDataExchange and InCommunicateThru.
 */
#ifndef SEUIL_PN532_SIDE_H
#define SEUIL_PN532_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pn532_side;

/* Answers cmd (InDataExchange or InCommunicateThru) with data d[0..n) for
 * the card: fills out (at most max bytes, status byte first) and returns
 * its length, or -1 to let the model answer. */
typedef long (*pn532_exchange_fn)(void *arg, uint8_t cmd, const uint8_t *d, size_t n,
    uint8_t *out, size_t max);

/*
 * Open a pty, start the thread.  The script is borrowed until
 * pn532_side_stop.  max_silences: how many commands the script may leave
 * unanswered (each costs libnfc's timeout).  NULL with errno on failure.
 */
struct pn532_side *pn532_side_start(const uint8_t *script, size_t len, int max_silences);
/* "pn532_uart:/dev/pts/N", for reader_conf.connstring or nfc_open. */
const char *pn532_side_connstring(const struct pn532_side *s);
/* Set before the host opens the device. */
void pn532_side_exchange(struct pn532_side *s, pn532_exchange_fn fn, void *arg);
/* Stop the thread, close the pty.  What was sent stays readable until
 * pn532_side_free. */
void pn532_side_stop(struct pn532_side *s);
void pn532_side_free(struct pn532_side *s);	/* stops it first; NULL is fine */

/*
 * Whether the chip sent a UID: the n bytes in a row, or (n == 10) as the
 * three parts libnfc takes from a 12-byte cascaded UID (CT uid0-2, CT
 * uid3-5, uid6-9).  An oracle: a tap must carry a UID the chip sent.
 */
bool pn532_side_sent_uid(const struct pn532_side *s, const uint8_t *uid, size_t n);
/* Commands the host sent, and how many the script perturbed. */
int pn532_side_commands(const struct pn532_side *s);
int pn532_side_perturbed(const struct pn532_side *s);

#endif
