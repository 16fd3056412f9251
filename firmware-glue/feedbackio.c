/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "feedbackio_backend.h"

int
feedbackio_conf_line(const struct reader_conf *conf, enum feedback_output o)
{
	switch (o) {
	case FEEDBACK_GREEN:	return conf->green_line;
	case FEEDBACK_RED:	return conf->red_line;
	case FEEDBACK_BUZZER:	return conf->buzzer_line;
	case FEEDBACK_NOUTPUTS:	break;
	}
	return -1;
}

bool
feedbackio_wanted(const struct reader_conf *conf)
{
	if (conf->feedback_sim)
		return true;
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		if (feedbackio_conf_line(conf, (enum feedback_output)o) >= 0)
			return true;
	return false;
}

struct feedbackio *
feedbackio_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	const struct feedbackio_ops *ops = conf->feedback_sim ? &feedbackio_sim_ops :
	    &feedbackio_gpiod_ops;
	struct feedbackio *io = ops->open(conf, err, errlen);

	if (io != NULL)
		io->ops = ops;
	return io;
}

bool
feedbackio_has(const struct feedbackio *io, enum feedback_output o)
{
	return o >= 0 && o < FEEDBACK_NOUTPUTS && io->has[o];
}

int
feedbackio_set(struct feedbackio *io, enum feedback_output o, bool on)
{
	if (!feedbackio_has(io, o))
		return 0;
	return io->ops->set(io, o, on);
}

void
feedbackio_close(struct feedbackio *io)
{
	if (io != NULL)
		io->ops->close(io);
}

const char *
feedbackio_output_name(enum feedback_output o)
{
	switch (o) {
	case FEEDBACK_GREEN:	return "green";
	case FEEDBACK_RED:	return "red";
	case FEEDBACK_BUZZER:	return "buzzer";
	case FEEDBACK_NOUTPUTS:	break;
	}
	return "?";
}

const char *
feedbackio_output_role(enum feedback_output o)
{
	switch (o) {
	case FEEDBACK_GREEN:	return "green LED";
	case FEEDBACK_RED:	return "red LED";
	case FEEDBACK_BUZZER:	return "buzzer";
	case FEEDBACK_NOUTPUTS:	break;
	}
	return "?";
}
