/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The PN532 model shared by pn532emu and the fuzz targets' pn532_side
 * (pn532_chip.h).  Faithful enough that unmodified libnfc 1.8 opens it,
 * lists its card and checks the card's presence.
 */
#include "pn532_chip.h"

#include <stdlib.h>
#include <string.h>

#define IN_MAX		1024

#define PARAM_AUTO_RATS	0x10
#define ST_OK		0x00
#define ST_TIMEOUT	0x01	/* the target did not answer */
#define ST_BADCMD	0x27	/* command not acceptable in this context */

static const uint8_t ack_frame[] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
static const uint8_t error_frame[] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };
static const uint8_t desfire_ats[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };

struct pn532_chip {
	struct pn532_chip_ops ops;
	void		*arg;

	uint8_t		in[IN_MAX];
	size_t		inlen;

	uint8_t		last[PN532_FRAME_MAX + 0x10000];	/* last response, for NACK */
	size_t		lastlen;

	/* an InAutoPoll waiting for a card */
	bool		pending;
	long		pending_ms;		/* -1: for ever */
	uint8_t		pending_types[16];
	size_t		npending_types;

	struct pn532_card card;
	bool		selected;	/* the card was selected and not released */
	bool		field;
	uint8_t		params;
	uint8_t		firmware[8];
	size_t		nfirmware;
	uint8_t		regs[0x10000];
};

static void
chip_log(struct pn532_chip *c, const char *what, const uint8_t *p, size_t n)
{
	if (c->ops.log != NULL)
		c->ops.log(c->arg, what, p, n);
}

static void
chip_write(struct pn532_chip *c, const uint8_t *p, size_t n)
{
	chip_log(c, "tx", p, n);
	c->ops.write(c->arg, p, n);
}

struct pn532_chip *
pn532_chip_new(const struct pn532_chip_ops *ops, void *arg)
{
	struct pn532_chip *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ops = *ops;
	c->arg = arg;
	pn532_chip_firmware(c, (const uint8_t[]){ 0x32, 0x01, 0x06, 0x07 }, 4);
	return c;
}

void
pn532_chip_free(struct pn532_chip *c)
{
	free(c);
}

void
pn532_chip_ack(struct pn532_chip *c)
{
	chip_write(c, ack_frame, sizeof(ack_frame));
}

bool
pn532_chip_resend(struct pn532_chip *c)
{
	if (c->lastlen == 0)
		return false;
	chip_write(c, c->last, c->lastlen);
	return true;
}

void
pn532_chip_respond(struct pn532_chip *c, uint8_t cmd, const uint8_t *data, size_t n)
{
	uint8_t *f = c->last;
	size_t len = n + 2, i = 0;
	uint8_t dcs;

	f[i++] = 0x00;
	f[i++] = 0x00;
	f[i++] = 0xFF;
	if (len <= 0xFF) {
		f[i++] = (uint8_t)len;
		f[i++] = (uint8_t)(0x100 - len);
	} else {
		f[i++] = 0xFF;
		f[i++] = 0xFF;
		f[i++] = (uint8_t)(len >> 8);
		f[i++] = (uint8_t)len;
		f[i] = (uint8_t)(0x100 - ((f[i - 2] + f[i - 1]) & 0xFF));
		i++;
	}
	f[i++] = 0xD5;
	f[i++] = (uint8_t)(cmd + 1);
	dcs = (uint8_t)(0xD5 + cmd + 1);
	for (size_t k = 0; k < n; k++) {
		f[i++] = data[k];
		dcs = (uint8_t)(dcs + data[k]);
	}
	f[i++] = (uint8_t)(0x100 - dcs);
	f[i++] = 0x00;
	c->lastlen = i;
	chip_write(c, f, i);
}

void
pn532_chip_error(struct pn532_chip *c)
{
	memcpy(c->last, error_frame, sizeof(error_frame));
	c->lastlen = sizeof(error_frame);
	chip_write(c, error_frame, sizeof(error_frame));
}

static void
card_atqa_sak(const struct pn532_card *card, uint8_t atqa[2], uint8_t *sak)
{
	uint8_t size = card->uidlen == 4 ? 0x00 : card->uidlen == 7 ? 0x40 : 0x80;

	switch (card->type) {
	case PN532_ULTRALIGHT:
		atqa[0] = 0x00;
		atqa[1] = 0x04 | size;
		*sak = 0x00;
		break;
	case PN532_DESFIRE:
		atqa[0] = 0x03;
		atqa[1] = 0x04 | size;
		*sak = 0x20;
		break;
	case PN532_CLASSIC:
	default:
		atqa[0] = 0x00;
		atqa[1] = 0x04 | size;
		*sak = 0x08;
		break;
	}
}

/* Target data as InListPassiveTarget and InAutoPoll give it for one
 * ISO14443A target: Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1 [ATS]. */
static size_t
card_target_data(const struct pn532_chip *c, uint8_t *out)
{
	size_t n = 0;
	uint8_t sak;

	out[n++] = 0x01;
	card_atqa_sak(&c->card, out + n, &sak);
	n += 2;
	out[n++] = sak;
	out[n++] = (uint8_t)c->card.uidlen;
	memcpy(out + n, c->card.uid, c->card.uidlen);
	n += c->card.uidlen;
	if ((sak & 0x20) && (c->params & PARAM_AUTO_RATS)) {
		memcpy(out + n, desfire_ats, sizeof(desfire_ats));
		n += sizeof(desfire_ats);
	}
	return n;
}

/* Does initiator data (a UID, with cascade tags or without) name our card? */
static bool
card_matches(const struct pn532_card *card, const uint8_t *init, size_t n)
{
	uint8_t casc[12];
	size_t clen;

	if (n == 0)
		return true;
	if (n == card->uidlen && memcmp(init, card->uid, n) == 0)
		return true;
	if (card->uidlen == 4) {
		return false;
	} else if (card->uidlen == 7) {
		casc[0] = 0x88;
		memcpy(casc + 1, card->uid, 7);
		clen = 8;
	} else {
		casc[0] = 0x88;
		memcpy(casc + 1, card->uid, 3);
		casc[4] = 0x88;
		memcpy(casc + 5, card->uid + 3, 7);
		clen = 12;
	}
	return n == clen && memcmp(init, casc, n) == 0;
}

static void
cmd_in_list_passive_target(struct pn532_chip *c, const uint8_t *d, size_t n)
{
	uint8_t out[64];
	size_t len;

	if (n < 2 || d[0] < 1 || d[0] > 2) {
		pn532_chip_error(c);
		return;
	}
	/* Only ISO14443A at 106 kbps can see our card. */
	if (d[1] != 0x00 || !c->card.present || !card_matches(&c->card, d + 2, n - 2)) {
		out[0] = 0x00;
		pn532_chip_respond(c, PN532_IN_LIST_PASSIVE_TARGET, out, 1);
		return;
	}
	c->field = true;
	out[0] = 0x01;
	len = card_target_data(c, out + 1);
	c->selected = true;
	pn532_chip_respond(c, PN532_IN_LIST_PASSIVE_TARGET, out, len + 1);
}

bool
pn532_chip_autopoll_try(struct pn532_chip *c)
{
	uint8_t out[64], type = 0xFF;
	size_t len;
	bool want_4a = false, want_mifare = false, want_generic = false;

	if (!c->pending || !c->card.present)
		return false;
	for (size_t i = 0; i < c->npending_types; i++) {
		switch (c->pending_types[i]) {
		case 0x20: want_4a = true; break;
		case 0x10: want_mifare = true; break;
		case 0x00: want_generic = true; break;
		}
	}
	if (c->card.type == PN532_DESFIRE && want_4a)
		type = 0x20;
	else if (want_mifare)
		type = 0x10;
	else if (want_generic)
		type = 0x00;
	if (type == 0xFF)
		return false;
	c->field = true;
	out[0] = 0x01;
	out[1] = type;
	len = card_target_data(c, out + 3);
	out[2] = (uint8_t)len;
	c->selected = true;
	c->pending = false;
	pn532_chip_respond(c, PN532_IN_AUTO_POLL, out, len + 3);
	return true;
}

void
pn532_chip_autopoll_expire(struct pn532_chip *c)
{
	uint8_t none = 0x00;

	if (!c->pending)
		return;
	c->pending = false;
	pn532_chip_respond(c, PN532_IN_AUTO_POLL, &none, 1);
}

void
pn532_chip_drop_pending(struct pn532_chip *c)
{
	c->pending = false;
}

bool
pn532_chip_pending(const struct pn532_chip *c, long *ms)
{
	if (ms != NULL)
		*ms = c->pending_ms;
	return c->pending;
}

static void
cmd_in_auto_poll(struct pn532_chip *c, const uint8_t *d, size_t n)
{
	if (n < 3 || n - 2 > sizeof(c->pending_types) || d[1] == 0) {
		pn532_chip_error(c);
		return;
	}
	c->npending_types = n - 2;
	memcpy(c->pending_types, d + 2, n - 2);
	c->pending = true;
	/* Each PollNr unit is Period x 150 ms; 0xFF polls until aborted. */
	c->pending_ms = d[0] == 0xFF ? -1 : (long)d[0] * d[1] * 150;
	if (!pn532_chip_autopoll_try(c))
		chip_log(c, c->pending_ms == -1 ? "autopoll pending forever" :
		    "autopoll pending", NULL, 0);
}

/* InDataExchange: Tg data…  A DESFire card with an APDU hook answers its
 * APDUs; an Ultralight its READ; any other frame to a present, selected
 * card gets a one-byte answer. */
static void
cmd_in_data_exchange(struct pn532_chip *c, const uint8_t *d, size_t n)
{
	uint8_t out[1 + 300];
	size_t k;

	if (n < 1) {
		pn532_chip_error(c);
		return;
	}
	if (!c->card.present) {
		out[0] = ST_TIMEOUT;
		pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, 1);
		return;
	}
	if (!c->selected || d[0] != 0x01) {
		out[0] = ST_BADCMD;
		pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, 1);
		return;
	}
	if (c->card.type == PN532_DESFIRE && c->card.apdu != NULL) {
		k = c->card.apdu(c->card.apdu_arg, d + 1, n - 1, out + 1, sizeof(out) - 1);
		if (k == PN532_CARD_GONE || k > sizeof(out) - 1) {
			c->card.present = false;
			c->selected = false;
			out[0] = ST_TIMEOUT;
			pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, 1);
			return;
		}
		out[0] = ST_OK;
		pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, k + 1);
		return;
	}
	memset(out, 0, sizeof(out));
	if (n >= 3 && d[1] == 0x30) {
		/* READ: four pages.  Page 0 holds UID0-2 and BCC0, page 1
		 * UID3-6, as on a real Ultralight. */
		const uint8_t *u = c->card.uid;

		if (c->card.uidlen == 7 && d[2] == 0x00) {
			out[1] = u[0]; out[2] = u[1]; out[3] = u[2];
			out[4] = 0x88 ^ u[0] ^ u[1] ^ u[2];
			out[5] = u[3]; out[6] = u[4]; out[7] = u[5]; out[8] = u[6];
			out[9] = u[3] ^ u[4] ^ u[5] ^ u[6];
		}
		pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, 17);
		return;
	}
	out[1] = 0x00;
	pn532_chip_respond(c, PN532_IN_DATA_EXCHANGE, out, 2);
}

/* InCommunicateThru: raw frames.  Only an ISO14443-4 card answers, and only
 * to an R-block (libnfc's presence check sends R(NAK) B2). */
static void
cmd_in_communicate_thru(struct pn532_chip *c, const uint8_t *d, size_t n)
{
	uint8_t out[2];

	if (c->card.present && c->selected && c->card.type == PN532_DESFIRE &&
	    n >= 1 && (d[0] & 0xE6) == 0xA2) {
		out[0] = ST_OK;
		out[1] = (uint8_t)(0xA2 | (d[0] & 0x01));
		pn532_chip_respond(c, PN532_IN_COMMUNICATE_THRU, out, 2);
		return;
	}
	out[0] = ST_TIMEOUT;
	pn532_chip_respond(c, PN532_IN_COMMUNICATE_THRU, out, 1);
}

void
pn532_chip_answer(struct pn532_chip *c, uint8_t cmd, const uint8_t *d, size_t dn)
{
	uint8_t out[300];
	size_t k;

	/* A new command ends a pending InAutoPoll. */
	c->pending = false;
	pn532_chip_ack(c);

	switch (cmd) {
	case PN532_DIAGNOSE:
		if (dn >= 1 && d[0] == 0x00) {
			pn532_chip_respond(c, cmd, d, dn);	/* communication test: echo */
		} else if (dn >= 1 && d[0] == 0x06) {
			out[0] = c->card.present && c->selected ? ST_OK : ST_TIMEOUT;
			pn532_chip_respond(c, cmd, out, 1);
		} else {
			out[0] = 0x00;
			pn532_chip_respond(c, cmd, out, 1);
		}
		break;
	case PN532_GET_FIRMWARE_VERSION:
		pn532_chip_respond(c, cmd, c->firmware, c->nfirmware);
		break;
	case PN532_GET_GENERAL_STATUS:
		k = 0;
		out[k++] = 0x00;
		out[k++] = c->field ? 0x01 : 0x00;
		if (c->card.present && c->selected) {
			out[k++] = 0x01;
			out[k++] = 0x01;	/* Tg */
			out[k++] = 0x00;	/* BrRx 106 */
			out[k++] = 0x00;	/* BrTx 106 */
			out[k++] = 0x00;	/* type: ISO14443A */
		} else {
			out[k++] = 0x00;
		}
		out[k++] = 0x00;		/* SAM status */
		pn532_chip_respond(c, cmd, out, k);
		break;
	case PN532_READ_REGISTER:
		if (dn == 0 || dn % 2 != 0 || dn / 2 > sizeof(out)) {
			pn532_chip_error(c);
			break;
		}
		for (k = 0; k < dn / 2; k++)
			out[k] = c->regs[(d[2 * k] << 8) | d[2 * k + 1]];
		pn532_chip_respond(c, cmd, out, k);
		break;
	case PN532_WRITE_REGISTER:
		if (dn == 0 || dn % 3 != 0) {
			pn532_chip_error(c);
			break;
		}
		for (k = 0; k < dn / 3; k++)
			c->regs[(d[3 * k] << 8) | d[3 * k + 1]] = d[3 * k + 2];
		pn532_chip_respond(c, cmd, NULL, 0);
		break;
	case PN532_READ_GPIO:
		out[0] = 0x3F;
		out[1] = 0x03;
		out[2] = 0x00;
		pn532_chip_respond(c, cmd, out, 3);
		break;
	case PN532_WRITE_GPIO:
		pn532_chip_respond(c, cmd, NULL, 0);
		break;
	case PN532_SET_PARAMETERS:
		if (dn != 1) {
			pn532_chip_error(c);
			break;
		}
		c->params = d[0];
		pn532_chip_respond(c, cmd, NULL, 0);
		break;
	case PN532_SAM_CONFIGURATION:
		if (dn < 1) {
			pn532_chip_error(c);
			break;
		}
		pn532_chip_respond(c, cmd, NULL, 0);
		break;
	case PN532_POWER_DOWN:
		c->field = false;
		c->selected = false;
		out[0] = ST_OK;
		pn532_chip_respond(c, cmd, out, 1);
		break;
	case PN532_RF_CONFIGURATION:
		if (dn < 2) {
			pn532_chip_error(c);
			break;
		}
		if (d[0] == 0x01) {
			c->field = d[1] & 0x01;
			if (!c->field)
				c->selected = false;
		}
		pn532_chip_respond(c, cmd, NULL, 0);
		break;
	case PN532_IN_LIST_PASSIVE_TARGET:
		cmd_in_list_passive_target(c, d, dn);
		break;
	case PN532_IN_AUTO_POLL:
		cmd_in_auto_poll(c, d, dn);
		break;
	case PN532_IN_DATA_EXCHANGE:
		cmd_in_data_exchange(c, d, dn);
		break;
	case PN532_IN_COMMUNICATE_THRU:
		cmd_in_communicate_thru(c, d, dn);
		break;
	case PN532_IN_DESELECT:
	case PN532_IN_RELEASE:
		c->selected = false;
		out[0] = ST_OK;
		pn532_chip_respond(c, cmd, out, 1);
		break;
	case PN532_IN_SELECT:
		out[0] = c->card.present ? ST_OK : ST_TIMEOUT;
		if (c->card.present)
			c->selected = true;
		pn532_chip_respond(c, cmd, out, 1);
		break;
	default:
		chip_log(c, "unknown command", &cmd, 1);
		pn532_chip_error(c);
		break;
	}
}

void
pn532_chip_firmware(struct pn532_chip *c, const uint8_t *fw, size_t n)
{
	c->nfirmware = n < sizeof(c->firmware) ? n : sizeof(c->firmware);
	memcpy(c->firmware, fw, c->nfirmware);
}

void
pn532_chip_card(struct pn532_chip *c, const struct pn532_card *card)
{
	if (card->present && (card->uidlen == 4 || card->uidlen == 7 || card->uidlen == 10))
		c->card = *card;
	else
		memset(&c->card, 0, sizeof(c->card));
	c->selected = false;
	chip_log(c, c->card.present ? "card placed" : "card removed", NULL, 0);
}

static void
drop_input(struct pn532_chip *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

void
pn532_chip_reset_input(struct pn532_chip *c)
{
	c->inlen = 0;
}

/* Take every complete frame out of the input buffer. */
static void
parse_input(struct pn532_chip *c)
{
	for (;;) {
		size_t s, len, hdr, i;
		uint8_t sum, cmd[IN_MAX];

		for (s = 0; s + 1 < c->inlen; s++)
			if (c->in[s] == 0x00 && c->in[s + 1] == 0xFF)
				break;
		if (s + 1 >= c->inlen) {
			/* keep a trailing 00: it may start a start code */
			if (c->inlen > 0 && c->in[c->inlen - 1] == 0x00)
				drop_input(c, c->inlen - 1);
			else
				c->inlen = 0;
			return;
		}
		drop_input(c, s);
		/* c->in: 00 FF ... */
		if (c->inlen < 4)
			return;
		if (c->in[2] == 0x00 && c->in[3] == 0xFF) {
			chip_log(c, "rx ack", NULL, 0);
			drop_input(c, 4);
			if (c->pending) {
				chip_log(c, "pending command aborted", NULL, 0);
				c->pending = false;
			}
			continue;
		}
		if (c->in[2] == 0xFF && c->in[3] == 0x00) {
			chip_log(c, "rx nack", NULL, 0);
			drop_input(c, 4);
			pn532_chip_resend(c);
			continue;
		}
		if (c->in[2] == 0xFF && c->in[3] == 0xFF) {
			if (c->inlen < 7)
				return;
			if (((c->in[4] + c->in[5] + c->in[6]) & 0xFF) != 0) {
				chip_log(c, "extended frame: bad length checksum", NULL, 0);
				drop_input(c, 2);
				continue;
			}
			len = ((size_t)c->in[4] << 8) | c->in[5];
			hdr = 7;
		} else {
			if (((c->in[2] + c->in[3]) & 0xFF) != 0) {
				chip_log(c, "frame: bad length checksum", NULL, 0);
				drop_input(c, 2);
				continue;
			}
			len = c->in[2];
			hdr = 4;
		}
		if (len < 2 || hdr + len + 2 > IN_MAX) {
			chip_log(c, "frame: bad length", NULL, 0);
			drop_input(c, 2);
			continue;
		}
		if (c->inlen < hdr + len + 1)
			return;
		sum = 0;
		for (i = 0; i <= len; i++)
			sum = (uint8_t)(sum + c->in[hdr + i]);
		if (sum != 0 || c->in[hdr] != 0xD4) {
			chip_log(c, sum != 0 ? "frame: bad data checksum" : "frame: bad TFI",
			    NULL, 0);
			drop_input(c, 2);
			continue;
		}
		chip_log(c, "rx", c->in, hdr + len + 1);
		memcpy(cmd, c->in + hdr + 1, len - 1);
		/* The postamble is optional on input; drop it if it is
		 * already here, else the next scan skips it. */
		drop_input(c, hdr + len + 1);
		if (c->ops.command != NULL)
			c->ops.command(c->arg, cmd[0], cmd + 1, len - 2);
		else
			pn532_chip_answer(c, cmd[0], cmd + 1, len - 2);
	}
}

void
pn532_chip_input(struct pn532_chip *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t take = n < IN_MAX - c->inlen ? n : IN_MAX - c->inlen;

		if (take == 0) {
			c->inlen = 0;		/* garbage: start over */
			continue;
		}
		memcpy(c->in + c->inlen, p, take);
		c->inlen += take;
		p += take;
		n -= take;
		parse_input(c);
	}
}
