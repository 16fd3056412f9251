/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private to the reader backends (reader.c, reader_sim.c, reader_nfc.c):
 * the base every backend's handle embeds, and the ops table reader.c
 * dispatches through, in the manner of redis' connection.h.
 *
 * A backend defines its own struct (struct reader_sim, struct reader_nfc)
 * whose FIRST member is a struct reader, returns a pointer to that member
 * from its open, and casts the struct reader * it is given back to its own
 * type.  reader.c sets base.ops after a successful open.
 */
#ifndef SEUIL_READER_BACKEND_H
#define SEUIL_READER_BACKEND_H

#include "reader.h"

struct reader_ops {
	const char *name;
	/* Allocate and open; NULL with a message in err.  The caller owns
	 * the result and releases it with close. */
	struct reader *(*open)(const struct reader_conf *conf, char *err, size_t errlen);
	int (*wait)(struct reader *r, struct reader_event *ev, int timeout_ms, char *err,
	    size_t errlen);
	/* reader_transceive; NULL: the backend has no cards to talk to. */
	int (*transceive)(struct reader *r, const uint8_t *tx, size_t txlen, uint8_t *rx,
	    size_t rxsize, int timeout_ms);
	/* Close the device and free r (never NULL here). */
	void (*close)(struct reader *r);
};

struct reader {
	const struct reader_ops *ops;
};

extern const struct reader_ops reader_sim_ops;
extern const struct reader_ops reader_nfc_ops;

/*
 * For tests and fuzz targets only: how long reader_nfc paces its selects
 * (100 ms) and how much slack its InAutoPoll watchdog gives a chip past the
 * chip's own deadline (350 ms), both set for a real PN532.  An emulated
 * chip answers in microseconds, and a fuzz target that makes it hang need
 * not wait as long as for a real one.  A value <= 0 restores the default.
 * libnfc's own timeouts (350 ms a command) are in libnfc and stay.
 */
void reader_nfc_timing(int poll_period_ms, int autopoll_slack_ms);

#endif
