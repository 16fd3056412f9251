/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Simulated reader lines (firmware-glue/reader_sim.c; docs/design.md,
 * Simulated hardware): the bytes anyone who can write the FIFO sends into a
 * reader child.  The target drives the real backend through
 * reader_open/reader_wait on a real FIFO: each input is written, followed
 * by a newline (so that a partial line never carries over into the next
 * input), and every event read back.
 * Oracle: "-" is a card gone; every tap is a 4, 7 or 10 byte UID that is
 * exactly what uid_parse makes of one whole line of the input (a bad or
 * overlong line, or a piece of one, never taps); no more events than lines.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "reader.h"

static struct reader *rd;
static int wfd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct reader_conf conf;
	char err[256];

	(void)argc;
	(void)argv;
	snprintf(conf.name, sizeof(conf.name), "fuzz");
	conf.driver = READER_SIM;
	conf.door_index = -1;
	snprintf(conf.sim_fifo, sizeof(conf.sim_fifo), "%s/reader.fifo", fuzz_tmpdir());
	if ((rd = reader_open(&conf, err, sizeof(err))) == NULL ||
	    (wfd = open(conf.sim_fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		fprintf(stderr, "reader_open: %s\n", err);
		abort();
	}
	return 0;
}

/* Whether some whole line of data (without its "\r\n" or "\n") parses to u. */
static int
some_line_is(const uint8_t *data, size_t size, const struct uid *u)
{
	const uint8_t *p = data, *end = data + size, *nl;
	char line[64], why[128];
	struct uid v;

	for (; p < end; p = nl + 1) {
		size_t n;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line) || memchr(p, '\0', n) != NULL)
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		if (uid_parse(line, &v, why, sizeof(why)) == 0 && v.len == u->len &&
		    memcmp(v.bytes, u->bytes, v.len) == 0)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader_event ev;
	char err[256];
	size_t lines = 1;
	int n, events = 0;

	if (size > 4096)
		return -1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (size > 0)
		FUZZ_ASSERT(write(wfd, data, size) == (ssize_t)size);
	FUZZ_ASSERT(write(wfd, "\n", 1) == 1);
	while ((n = reader_wait(rd, &ev, 0, err, sizeof(err))) == 1) {
		events++;
		FUZZ_ASSERT(ev.type == READER_TAP || ev.type == READER_GONE);
		if (ev.type == READER_TAP) {
			FUZZ_ASSERT(ev.uid.len == 4 || ev.uid.len == 7 || ev.uid.len == 10);
			FUZZ_ASSERT(some_line_is(data, size, &ev.uid));
		}
	}
	FUZZ_ASSERT(n == 0);
	FUZZ_ASSERT((size_t)events <= lines);
	return 0;
}
