/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reader child messages (firmware-glue/reader_child.c reader_child_recv):
 * what seuild takes from a reader child, a process that runs libnfc on
 * whatever the badge and the reader send, and is treated as compromised.
 * Each input is split into datagrams (first byte: how many, at most 4;
 * the rest cut evenly), sent on a real SOCK_SEQPACKET socketpair, then the
 * child's end is closed.
 * Oracle: a message is taken only if it is exactly sizeof(struct
 * reader_msg) bytes, of a known type, with a 4, 7 or 10 byte UID for a tap
 * and a known card and flags (a held card is an ISO 14443-4 one with a
 * number), and its detail is NUL-terminated printable ASCII, empty on the
 * types that carry none; the first bad datagram ends the conversation with
 * a reason; the hang-up is reported as such.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "reader_child.h"

static int
valid(const uint8_t *p, size_t len)
{
	struct reader_msg m;

	if (len != sizeof(struct reader_msg))
		return 0;
	switch (p[0]) {
	case READER_MSG_TAP:
		memcpy(&m, p, sizeof(m));
		if (m.card > READER_CARD_ISO14443_4 || (m.flags & ~READER_TAP_HELD) != 0)
			return 0;
		if ((m.flags & READER_TAP_HELD) &&
		    (m.card != READER_CARD_ISO14443_4 || m.tap == 0))
			return 0;
		return p[1] == 4 || p[1] == 7 || p[1] == 10;
	case READER_MSG_UP: case READER_MSG_DOWN: case READER_MSG_GONE:
	case READER_MSG_HEARTBEAT: case READER_MSG_UNCONTAINED:
		return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader_msg m;
	const char *why;
	size_t off = 1, each;
	int sv[2], n, parts, r;

	if (size < 1 || size > 4 * sizeof(struct reader_msg) + 64)
		return -1;
	parts = 1 + data[0] % 4;
	each = (size - 1) / (size_t)parts;
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_ASSERT(reader_child_recv(sv[0], &m, &why) == 0);	/* nothing yet */
	for (n = 0; n < parts; n++) {
		size_t len = n == parts - 1 ? size - off : each;

		/* A zero-length datagram is a message too (and reads as EOF). */
		FUZZ_ASSERT(send(sv[1], data + off, len, 0) == (ssize_t)len);
		off += len;
	}
	close(sv[1]);
	off = 1;
	for (n = 0; n < parts; n++) {
		size_t len = n == parts - 1 ? size - off : each;

		why = NULL;
		r = reader_child_recv(sv[0], &m, &why);
		if (valid(data + off, len)) {
			FUZZ_ASSERT(r == 1);
			FUZZ_ASSERT(m.type == data[off]);
			FUZZ_ASSERT(memchr(m.detail, '\0', sizeof(m.detail)) != NULL);
			for (size_t i = 0; m.detail[i] != '\0'; i++)
				FUZZ_ASSERT(m.detail[i] >= 0x20 && m.detail[i] <= 0x7e);
			FUZZ_ASSERT(m.detail[0] == '\0' || m.type == READER_MSG_UP ||
			    m.type == READER_MSG_DOWN || m.type == READER_MSG_UNCONTAINED);
			if (m.type == READER_MSG_TAP)
				FUZZ_ASSERT(memcmp(m.uid, data + off + 2, m.uid_len) == 0);
		} else {
			FUZZ_ASSERT(r == -1 && why != NULL);
			break;
		}
		off += len;
	}
	if (n == parts) {
		why = NULL;
		FUZZ_ASSERT(reader_child_recv(sv[0], &m, &why) == -1 && why != NULL);
	}
	close(sv[0]);
	return 0;
}
