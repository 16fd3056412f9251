/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DESFire exchange through the reader child's pipe: the main process's
 * side of the exchange socket (reader_child_transceive) under the exchange
 * itself (desfire_read_credential, _provision, _wipe), as seuild's exchange
 * threads run it (daemon/exchange.c), with the input playing a hostile
 * child: one that a card took over, and answers what it likes, when it
 * likes, in records well or badly formed.  The first byte picks:
 *	bits 0-1  the exchange: read, provision, wipe
 *	bit 2	  the card's answers from the input alone (a card that knows
 *		  no key); else the card model (tests/tools/desfire_card.c)
 *		  answers each APDU and the child passes it on
 *	bits 3-4  the model's card: blank, ours, our AID with other keys
 * Then, for each APDU, one byte says what the child puts on the socket
 * before the parent reads it:
 *	0 the answer		4 a record of another size (next byte: its size)
 *	1 a late one, then it	5 nothing: the parent's wait runs out
 *	2 another tap's, then it 6 an answer whose length is past its data
 *	3 no answer (NONE)	7 the answer twice (the second is late next time)
 * and, with answers alone, a length and the answer's bytes.  As the
 * exchange thread does, a broken record ends the exchange (every later
 * APDU fails).
 * Oracle: no crash or overrun (ASan); never more APDUs than the exchange's
 * bound; on failure the credential is zeroed; a broken record is reported
 * (why set) and never followed by an answer taken; with answers alone,
 * never DESFIRE_OK; with the model, DESFIRE_OK from a read or a
 * provisioning only when the card holds our diversified keys and the
 * credential returned, never for a card with other keys.  FUZZ_VERBOSE=1
 * prints each outcome.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "desfire.h"
#include "desfire_card.h"
#include "fuzz.h"
#include "reader_child.h"

#define TAP	7

static const uint8_t uid[7] = { 0x04, 0x10, 0x20, 0x30, 0x40, 0x50, 0x61 };

struct pipe {
	int	parent, child;		/* the exchange socket's two ends */
	struct desfire_card *card;	/* NULL: answers from the input */
	const uint8_t *p;
	size_t	left;
	uint32_t seq;
	int	calls;
	const char *broken;		/* as the exchange thread keeps it */
	bool	taken_after_broken;
	uint32_t rng;
};

static int
next_byte(struct pipe *f)
{
	if (f->left == 0)
		return -1;
	f->left--;
	return *f->p++;
}

static void
put(struct pipe *f, uint8_t type, uint8_t status, uint32_t tap, uint32_t seq,
    const uint8_t *data, size_t len)
{
	struct reader_xmsg x;

	memset(&x, 0, sizeof(x));
	x.type = type;
	x.status = status;
	x.tap = tap;
	x.seq = seq;
	x.len = (uint16_t)len;
	if (data != NULL && len <= sizeof(x.data))
		memcpy(x.data, data, len);
	(void)send(f->child, &x, sizeof(x), MSG_DONTWAIT);
}

/* The card's answer to tx: the model's, or the input's.  -1: none. */
static int
card_answer(struct pipe *f, const uint8_t *tx, size_t txlen, uint8_t *a, size_t size)
{
	int len;

	if (f->card != NULL)
		return (int)desfire_card_apdu(f->card, tx, txlen, a, size);
	if ((len = next_byte(f)) < 0 || len == 0xFF)
		return -1;
	if ((size_t)len > f->left)
		len = (int)f->left;
	if ((size_t)len > size)
		return -1;
	memcpy(a, f->p, (size_t)len);
	f->p += len;
	f->left -= (size_t)len;
	return len;
}

static int
pipe_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct pipe *f = arg;
	uint8_t a[READER_X_DATA], junk[sizeof(struct reader_xmsg) + 8];
	struct reader_xmsg drop;
	int op, n, got;
	uint32_t seq;

	f->calls++;
	if (f->broken != NULL)
		return -1;
	seq = ++f->seq;
	op = next_byte(f);
	if (op < 0)
		op = 5;
	n = card_answer(f, tx, txlen, a, sizeof(a));
	switch (op % 8) {
	case 1:
		put(f, READER_X_ANSWER, READER_X_OK, TAP, seq - 1, a, n > 0 ? (size_t)n : 0);
		break;
	case 2:
		put(f, READER_X_ANSWER, READER_X_OK, TAP + 1, seq, a, n > 0 ? (size_t)n : 0);
		break;
	case 4: {
		int len = next_byte(f);

		memset(junk, READER_X_ANSWER, sizeof(junk));
		len = len < 0 ? 1 : len % (int)sizeof(junk);
		if (len == (int)sizeof(struct reader_xmsg))
			len++;
		(void)send(f->child, junk, (size_t)len, MSG_DONTWAIT);
		break;
	}
	case 6:
		put(f, READER_X_ANSWER, READER_X_OK, TAP, seq, a, READER_X_DATA + 1);
		break;
	}
	if (op % 8 != 4 && op % 8 != 5 && op % 8 != 6) {
		if (n < 0 || op % 8 == 3)
			put(f, READER_X_ANSWER, READER_X_NONE, TAP, seq, NULL, 0);
		else
			put(f, READER_X_ANSWER, READER_X_OK, TAP, seq, a, (size_t)n);
		if (op % 8 == 7 && n >= 0)
			put(f, READER_X_ANSWER, READER_X_OK, TAP, seq, a, (size_t)n);
	}
	got = reader_child_transceive(f->parent, TAP, seq, tx, txlen, rx, rxsize,
	    op % 8 == 5 ? 1 : 1000, &f->broken);
	/* What the child received: the APDU, as sent. */
	while (recv(f->child, &drop, sizeof(drop), MSG_DONTWAIT) == (ssize_t)sizeof(drop))
		FUZZ_ASSERT(drop.type == READER_X_APDU && drop.tap == TAP && drop.len == txlen &&
		    memcmp(drop.data, tx, txlen) == 0);
	if (f->broken != NULL && got >= 0)
		f->taken_after_broken = true;
	if (op % 8 == 3 || op % 8 == 5 || op % 8 == 6 || (op % 8 == 4 && f->broken != NULL))
		FUZZ_ASSERT(got == -1);
	return got;
}

static int
pipe_random(void *arg, uint8_t *buf, size_t n)
{
	struct pipe *f = arg;

	for (size_t i = 0; i < n; i++) {
		f->rng = f->rng * 1103515245u + 12345u;
		buf[i] = (uint8_t)(f->rng >> 16);
	}
	return 0;
}

static void
site_keys(struct desfire_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid = DESFIRE_AID_DEFAULT;
	for (int i = 0; i < 16; i++) {
		k->master0[i] = (uint8_t)(0x50 + i);
		k->master1[i] = (uint8_t)(0x60 + i);
		k->sysid[i] = (uint8_t)(0x70 + i);
	}
}

/* 0 blank, 1 ours, 2 our AID with other keys. */
static void
card_setup(struct desfire_card *c, const struct desfire_keys *k, int s)
{
	uint8_t k0[16], k1[16], cred[16];

	if (s == 0)
		return;
	desfire_diversify(k->master0, uid, k->aid, k->sysid, k0);
	desfire_diversify(k->master1, uid, k->aid, k->sysid, k1);
	if (s == 2) {
		k0[3] ^= 0x81;
		k1[3] ^= 0x81;
	}
	memset(cred, 0x5A, sizeof(cred));
	desfire_card_add_app(c, k->aid, 0x0B, 2);
	desfire_card_set_key(c, k->aid, 0, k0, 0);
	desfire_card_set_key(c, k->aid, 1, k1, 0);
	desfire_card_add_file(c, k->aid, 1, DESFIRE_COMM_ENC, 0x10F0, cred, sizeof(cred));
}

static bool
card_holds(const struct desfire_card *c, const struct desfire_keys *k, const uint8_t cred[16])
{
	uint8_t want[16], got[16], data[16];

	desfire_diversify(k->master1, uid, k->aid, k->sysid, want);
	return desfire_card_get_key(c, k->aid, 1, got) != -1 && memcmp(got, want, 16) == 0 &&
	    desfire_card_read_file(c, k->aid, 1, data, sizeof(data)) == 16 &&
	    memcmp(data, cred, 16) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[16];
	static const int bound[3] = { 12, 48, 28 };
	struct pipe f;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16];
	enum desfire_result r = DESFIRE_PROTOCOL;
	int sv[2], what, state;

	if (size < 1 || size > 4096)
		return -1;
	memset(&f, 0, sizeof(f));
	what = (data[0] & 0x03) % 3;
	state = (data[0] >> 3 & 0x03) % 3;
	f.p = data + 1;
	f.left = size - 1;
	f.rng = 0xC0DE;
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	f.parent = sv[0];
	f.child = sv[1];
	site_keys(&k);
	io = (struct desfire_io){ .transceive = pipe_transceive, .arg = &f };
	if (!(data[0] & 0x04)) {
		f.card = desfire_card_new(uid, sizeof(uid), 11);
		FUZZ_ASSERT(f.card != NULL);
		card_setup(f.card, &k, state);
		io.random = pipe_random;
	}
	memset(cred, 0xEE, sizeof(cred));
	switch (what) {
	case 0:
		r = desfire_read_credential(&io, &k, uid, cred, &rep);
		break;
	case 1:
		r = desfire_provision(&io, &k, uid, cred, &rep);
		break;
	case 2:
		/* as the exchange thread wipes: read, then wipe */
		r = desfire_read_credential(&io, &k, uid, cred, &rep);
		if (r != DESFIRE_GONE && r != DESFIRE_NO_APP)
			r = desfire_wipe(&io, &k, uid, 0, &rep);
		memset(cred, 0, sizeof(cred));
		break;
	}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "exchange %d, %s: %s at %s, %d APDUs%s\n", what,
		    f.card == NULL ? "answers alone" : "model", desfire_result_str(r),
		    desfire_step_str(rep.step), f.calls, f.broken != NULL ? ", broken" : "");
	FUZZ_ASSERT(f.calls <= bound[what]);
	FUZZ_ASSERT(!f.taken_after_broken);
	if (r != DESFIRE_OK)
		FUZZ_ASSERT(memcmp(cred, zero, sizeof(cred)) == 0);
	if (f.card == NULL) {
		FUZZ_ASSERT(r != DESFIRE_OK);
	} else if (r == DESFIRE_OK && what <= 1) {
		FUZZ_ASSERT(state != 2);
		FUZZ_ASSERT(card_holds(f.card, &k, cred));
	}
	close(sv[0]);
	close(sv[1]);
	desfire_card_free(f.card);
	return 0;
}
