/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "reader_backend.h"

static const struct reader_ops *
reader_ops_for(enum reader_driver driver)
{
	return driver == READER_SIM ? &reader_sim_ops : &reader_nfc_ops;
}

struct reader *
reader_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	const struct reader_ops *ops = reader_ops_for(conf->driver);
	struct reader *r = ops->open(conf, err, errlen);

	if (r != NULL)
		r->ops = ops;
	return r;
}

int
reader_wait(struct reader *r, struct reader_event *ev, int timeout_ms, char *err, size_t errlen)
{
	return r->ops->wait(r, ev, timeout_ms, err, errlen);
}

int
reader_transceive(struct reader *r, const uint8_t *tx, size_t txlen, uint8_t *rx,
    size_t rxsize, int timeout_ms)
{
	if (r->ops->transceive == NULL)
		return -1;
	return r->ops->transceive(r, tx, txlen, rx, rxsize, timeout_ms);
}

void
reader_close(struct reader *r)
{
	if (r != NULL)
		r->ops->close(r);
}
