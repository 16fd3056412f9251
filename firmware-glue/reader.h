/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A badge reader backend.  These calls may block for as long as the
 * hardware likes, so they run only inside a reader child process (see
 * reader_child.h), never in seuild's main loop: the parent kills a child
 * that stops sending heartbeats and starts a new one.
 *
 * Backends: "sim" (reader_sim.c, lines on a FIFO) and "libnfc"
 * (reader_nfc.c), chosen by reader_conf.driver through an ops table
 * (reader_backend.h).  The child process that runs them is reader_child.h.
 */
#ifndef SEUIL_READER_H
#define SEUIL_READER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "uid.h"

enum reader_event_type {
	READER_TAP = 1,		/* a card entered the field: one tap */
	READER_GONE,		/* the card left the field */
};

/* What a card is, as far as its selection tells: enough to know a card
 * that may run a DESFire application (ISO 14443-4: SAK bit 0x20 and an
 * ATS) from one that cannot, such as MIFARE Classic and the "magic" cards
 * that copy a UID. */
enum reader_card {
	READER_CARD_OTHER = 0,
	READER_CARD_ISO14443_4,
};

struct reader_event {
	enum reader_event_type type;
	struct uid uid;		/* READER_TAP only */
	enum reader_card card;	/* READER_TAP only */
};

/* Opaque; each backend embeds it first in its own handle
 * (reader_backend.h). */
struct reader;

/* Open the reader of conf.  NULL with a message in err on failure. */
struct reader *reader_open(const struct reader_conf *conf, char *err, size_t errlen);

/* Wait up to timeout_ms for something to happen.  Returns 1 with *ev filled,
 * 0 if nothing happened, or -1 if the reader failed (message in err): the
 * caller then closes it and exits, and the supervisor reopens it later.
 * A card held in the field is one READER_TAP; it taps again only after a
 * READER_GONE. */
int reader_wait(struct reader *r, struct reader_event *ev, int timeout_ms, char *err, size_t errlen);

/*
 * Send tx to the card of the last READER_TAP (still in the field, no
 * READER_GONE since) and put its answer in rx: ISO 14443-4 frames through
 * the reader, as nfc_initiator_transceive_bytes does them.  Returns the
 * answer's length, or -1 when none came within about timeout_ms (the card
 * left, the reader failed, the answer did not fit rxsize) or the backend
 * has no such cards (sim).  The bytes are the card's: never logged here.
 */
int reader_transceive(struct reader *r, const uint8_t *tx, size_t txlen, uint8_t *rx,
    size_t rxsize, int timeout_ms);

/* Close and free; NULL is fine. */
void reader_close(struct reader *r);

#endif
