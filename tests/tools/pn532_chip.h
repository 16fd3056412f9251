/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A PN532 as libnfc 1.8's pn532_uart driver sees it, without the wire: the
 * frames (PN532 user manual §6.2, libnfc's chips/pn53x.c) and the answers of
 * a well-behaved chip with at most one ISO14443A card in its field.  Bytes
 * from the host go in (pn532_chip_input); the chip's bytes go out through
 * the write callback.  No I/O, no clock, no thread of its own.
 *
 *	host: 00 00 FF LEN LCS D4 CMD data DCS 00   (extended: FF FF LENM LENL LCS)
 *	chip: ACK 00 00 FF 00 FF 00, then 00 00 FF LEN LCS D5 CMD+1 data DCS 00
 *
 * Two drivers share it: tests/tools/pn532emu.c (a process on a pty that
 * tests control through a FIFO) and tests/fuzz/pn532_side.c (a thread on a
 * pty whose answers a fuzz input perturbs).  Each complete host command is
 * handed to the driver's command callback, which answers it as the model
 * would (pn532_chip_answer) or otherwise (pn532_chip_respond, raw bytes).
 */
#ifndef SEUIL_PN532_CHIP_H
#define SEUIL_PN532_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PN532_UID_MAX		10
#define PN532_FRAME_MAX		(265 + 11)	/* a response frame, extended */

/* PN532 command codes (user manual §7) */
enum {
	PN532_DIAGNOSE = 0x00,
	PN532_GET_FIRMWARE_VERSION = 0x02,
	PN532_GET_GENERAL_STATUS = 0x04,
	PN532_READ_REGISTER = 0x06,
	PN532_WRITE_REGISTER = 0x08,
	PN532_READ_GPIO = 0x0C,
	PN532_WRITE_GPIO = 0x0E,
	PN532_SET_PARAMETERS = 0x12,
	PN532_SAM_CONFIGURATION = 0x14,
	PN532_POWER_DOWN = 0x16,
	PN532_RF_CONFIGURATION = 0x32,
	PN532_IN_DATA_EXCHANGE = 0x40,
	PN532_IN_COMMUNICATE_THRU = 0x42,
	PN532_IN_DESELECT = 0x44,
	PN532_IN_LIST_PASSIVE_TARGET = 0x4A,
	PN532_IN_RELEASE = 0x52,
	PN532_IN_SELECT = 0x54,
	PN532_IN_AUTO_POLL = 0x60,
};

enum pn532_card_type { PN532_CLASSIC, PN532_ULTRALIGHT, PN532_DESFIRE };

/* What an APDU hook returns when the card left in the middle (a torn
 * exchange): the chip answers a timeout and the card is gone. */
#define PN532_CARD_GONE		((size_t)-1)

struct pn532_card {
	bool			present;
	enum pn532_card_type	type;
	uint8_t			uid[PN532_UID_MAX];
	size_t			uidlen;		/* 4, 7 or 10 */
	/* A DESFire card's APDUs through InDataExchange: the answer's length
	 * in out (at most max), or PN532_CARD_GONE.  NULL: a one-byte answer,
	 * as for any card the model does not know in detail.  The driver's
	 * (pn532emu's card model, with its delays and tears). */
	size_t			(*apdu)(void *arg, const uint8_t *in, size_t n, uint8_t *out,
				    size_t max);
	void			*apdu_arg;
};

struct pn532_chip;

struct pn532_chip_ops {
	/* The chip's bytes, to the host. */
	void	(*write)(void *arg, const uint8_t *p, size_t n);
	/* A complete, well-formed host command (cmd, then n bytes of data).
	 * NULL: the model answers every command itself. */
	void	(*command)(void *arg, uint8_t cmd, const uint8_t *d, size_t n);
	/* Frames and events, for a verbose log.  May be NULL. */
	void	(*log)(void *arg, const char *what, const uint8_t *p, size_t n);
};

/* A chip with no card in its field.  NULL when out of memory. */
struct pn532_chip *pn532_chip_new(const struct pn532_chip_ops *ops, void *arg);
void pn532_chip_free(struct pn532_chip *c);	/* NULL is fine */

/*
 * Bytes from the host.  Anything before a start code (the 55 55 00…
 * wake-up, line noise) is skipped, as the chip does; a frame with a bad
 * checksum is dropped without an answer (the host times out, as with a
 * real chip).  An ACK from the host aborts a pending InAutoPoll; a NACK
 * asks for the last response again.
 */
void pn532_chip_input(struct pn532_chip *c, const uint8_t *p, size_t n);
/* Forget a partly received frame (a chip that was muted, then not). */
void pn532_chip_reset_input(struct pn532_chip *c);

/* Answer cmd as the model: ACK, then the response, or for InAutoPoll
 * without a card, nothing yet (pn532_chip_pending). */
void pn532_chip_answer(struct pn532_chip *c, uint8_t cmd, const uint8_t *d, size_t n);
/* One response frame for cmd with data (normal or extended length), also
 * kept for a NACK.  n <= 0xFFFF - 2. */
void pn532_chip_respond(struct pn532_chip *c, uint8_t cmd, const uint8_t *data, size_t n);
void pn532_chip_ack(struct pn532_chip *c);
/* The last response again, as for a NACK; false if there was none. */
bool pn532_chip_resend(struct pn532_chip *c);
/* The application-level error frame (00 00 FF 01 FF 7F 81 00). */
void pn532_chip_error(struct pn532_chip *c);

/* The answer to GetFirmwareVersion: n bytes (at most 8; 32 01 06 07, a
 * PN532 1.6 with ISO14443A, B and ISO18092, until set). */
void pn532_chip_firmware(struct pn532_chip *c, const uint8_t *fw, size_t n);

/* Put a card in the field (present) or take it out (!present). */
void pn532_chip_card(struct pn532_chip *c, const struct pn532_card *card);

/*
 * An InAutoPoll the chip holds because no card was there.  pending says
 * whether there is one and, through *ms, how long it lasts (PollNr x
 * Period x 150 ms; -1: for ever).  autopoll_try answers it if a card now
 * is; autopoll_expire answers it with no target.
 */
bool pn532_chip_pending(const struct pn532_chip *c, long *ms);
bool pn532_chip_autopoll_try(struct pn532_chip *c);
void pn532_chip_autopoll_expire(struct pn532_chip *c);
void pn532_chip_drop_pending(struct pn532_chip *c);

#endif
