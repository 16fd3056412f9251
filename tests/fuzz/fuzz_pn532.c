/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A hostile PN532 (tests/fuzz/pn532_side.c) against the real reader child:
 * libnfc 1.8's pn532_uart driver on a pty, firmware-glue/reader_nfc.c, and
 * the child's loop (reader_child_serve) sending its records on a real
 * SOCK_SEQPACKET socketpair, taken on the other end by the parent's
 * reader_child_recv, as in seuild.  The chip answers each command as the
 * input says: the model's answer, or malformed, truncated, oversized,
 * out-of-order frames, raw bytes, NACKs, silence (at most one a run), cards
 * coming and going.
 *
 * Input: byte 0 = how many waits the child does (1 + b % 8, each of
 * WAIT_MS), the rest is the chip's script.  seuil's own waits are short
 * here (reader_nfc_timing): the emulated chip answers at once.
 *
 * Oracle: the device opens, or fails with a message; the child's loop
 * ends only as asked or with the reader failed (EX_UNAVAILABLE, then a
 * DOWN record with its reason last); every record passes the parent's
 * check (no child of a healthy parent is killed for the format); a tap
 * carries a 4, 7 or 10 byte UID that the chip sent, and a card resting
 * there is one tap (a removal comes between two taps); the reader closes.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "pn532_side.h"
#include "reader.h"
#include "reader_backend.h"
#include "reader_child.h"

#define WAIT_MS		20

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("LIBNFC_LOG_LEVEL", "0", 1);	/* libnfc's errors are expected */
	setenv("LIBNFC_AUTO_SCAN", "false", 1);
	signal(SIGPIPE, SIG_IGN);
	/* Pacing and the InAutoPoll watchdog's slack, from 100 and 350 ms. */
	reader_nfc_timing(5, 20);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char before[FUZZ_FD_SETS];
	struct reader_conf rc;
	struct reader_msg m;
	struct pn532_side *side;
	struct reader *r;
	const char *why;
	char err[256];
	int sv[2], code = 0, got, last_type = 0, taps = 0;
	bool opened, resting = false;

	if (size < 1 || size > 4096)
		return -1;
	fuzz_fds_open(before);
	FUZZ_ASSERT((side = pn532_side_start(data + 1, size - 1, 1)) != NULL);
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.name, sizeof(rc.name), "fuzz");
	rc.driver = READER_LIBNFC;
	rc.door_index = -1;
	snprintf(rc.connstring, sizeof(rc.connstring), "%s", pn532_side_connstring(side));

	err[0] = '\0';
	if (!(opened = (r = reader_open(&rc, err, sizeof(err))) != NULL)) {
		FUZZ_ASSERT(err[0] != '\0');
	} else {
		code = reader_child_serve(r, sv[1], -1, WAIT_MS, 1 + data[0] % 8);
		FUZZ_ASSERT(code == 0 || code == EX_UNAVAILABLE);
		reader_close(r);
	}
	pn532_side_stop(side);
	close(sv[1]);

	/* The parent's side: every record passes, in an order that makes sense. */
	for (;;) {
		why = NULL;
		got = reader_child_recv(sv[0], &m, &why);
		if (got == -1) {
			FUZZ_ASSERT(why != NULL && strcmp(why, "reader process exited") == 0);
			break;
		}
		FUZZ_ASSERT(got == 1);
		FUZZ_ASSERT(last_type != READER_MSG_DOWN);	/* DOWN is the last */
		switch (m.type) {
		case READER_MSG_TAP:
			FUZZ_ASSERT(m.uid_len == 4 || m.uid_len == 7 || m.uid_len == 10);
			FUZZ_ASSERT(pn532_side_sent_uid(side, m.uid, m.uid_len));
			FUZZ_ASSERT(!resting);
			resting = true;
			taps++;
			break;
		case READER_MSG_GONE:
			FUZZ_ASSERT(resting);
			resting = false;
			break;
		case READER_MSG_DOWN:
			FUZZ_ASSERT(code == EX_UNAVAILABLE && m.detail[0] != '\0');
			break;
		case READER_MSG_HEARTBEAT:
			break;
		default:
			FUZZ_ASSERT(!"a record the loop never sends");
		}
		last_type = m.type;
		explicit_bzero(&m, sizeof(m));
	}
	FUZZ_ASSERT(code != EX_UNAVAILABLE || last_type == READER_MSG_DOWN);
	close(sv[0]);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_pn532: %d commands, %d perturbed, %d taps, %s%s\n",
		    pn532_side_commands(side), pn532_side_perturbed(side), taps,
		    !opened ? "open failed: " : code == 0 ? "ok" : "reader failed",
		    !opened ? err : "");
	pn532_side_free(side);
	fuzz_fds_close_new(before);
	return 0;
}
