/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "doorio_backend.h"

struct doorio *
doorio_open(const struct door_conf *conf, char *err, size_t errlen)
{
	const struct doorio_ops *ops = conf->gpio == GPIO_SIM ? &doorio_sim_ops : &doorio_gpiod_ops;
	struct doorio *io = ops->open(conf, err, errlen);

	if (io != NULL)
		io->ops = ops;
	return io;
}

int
doorio_set_relay(struct doorio *io, bool energised)
{
	return io->ops->set_relay(io, energised);
}

int
doorio_pollfds(struct doorio *io, int fds[DOORIO_MAX_FDS])
{
	return io->ops->pollfds(io, fds);
}

int
doorio_read(struct doorio *io, int fd, struct doorio_input *out, int max)
{
	return io->ops->read(io, fd, out, max);
}

int
doorio_contact(struct doorio *io)
{
	return io->ops->contact(io);
}

void
doorio_close(struct doorio *io)
{
	if (io != NULL)
		io->ops->close(io);
}
