/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Simulated door input lines (firmware-glue/doorio_sim.c; docs/design.md,
 * Simulated hardware): the bytes anyone who can write sim_dir/inputs sends
 * to the door state machine.  Driven through doorio_open/doorio_read on a
 * real FIFO; each input is written followed by a newline so no partial line
 * carries over.
 * Oracle: exactly one input per line that is exactly "contact open",
 * "contact closed" or "exit" (a line with anything else, a NUL included,
 * is ignored), in order; the contact level follows the last contact line;
 * the relay stays as it was (locked).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "doorio.h"
#include "fuzz.h"

static struct doorio *io;
static int wfd = -1, rfd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct door_conf conf;
	char err[256], path[PATH_MAX + 16];
	int fds[DOORIO_MAX_FDS];

	(void)argc;
	(void)argv;
	snprintf(conf.name, sizeof(conf.name), "fuzz");
	conf.gpio = GPIO_SIM;
	conf.unlock_ms = 1000;
	conf.contact_line = conf.exit_line = -1;
	snprintf(conf.sim_dir, sizeof(conf.sim_dir), "%s", fuzz_tmpdir());
	snprintf(path, sizeof(path), "%s/inputs", conf.sim_dir);
	if ((io = doorio_open(&conf, err, sizeof(err))) == NULL ||
	    (wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		fprintf(stderr, "doorio_open: %s\n", err);
		abort();
	}
	FUZZ_ASSERT(doorio_pollfds(io, fds) == 1);
	rfd = fds[0];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "contact open", "contact closed", "exit" };
	static const enum doorio_input_type types[] = {
		DOORIO_CONTACT_OPEN, DOORIO_CONTACT_CLOSED, DOORIO_EXIT_PRESSED
	};
	enum doorio_input_type want[4097];
	struct doorio_input got[8];
	const uint8_t *p = data, *end = data + size, *nl;
	int nwant = 0, ngot = 0, n, contact = doorio_contact(io);

	if (size > 4096)
		return -1;
	for (; p <= end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* the newline the target adds */
		for (int k = 0; k < 3; k++) {
			if ((size_t)(nl - p) == strlen(names[k]) &&
			    memcmp(p, names[k], strlen(names[k])) == 0) {
				want[nwant++] = types[k];
				if (k < 2)
					contact = k == 0;
			}
		}
	}
	if (size > 0)
		FUZZ_ASSERT(write(wfd, data, size) == (ssize_t)size);
	FUZZ_ASSERT(write(wfd, "\n", 1) == 1);
	while ((n = doorio_read(io, rfd, got, 8)) > 0) {
		for (int i = 0; i < n; i++) {
			FUZZ_ASSERT(ngot < nwant);
			FUZZ_ASSERT(got[i].type == want[ngot]);
			ngot++;
		}
	}
	FUZZ_ASSERT(n == 0);
	FUZZ_ASSERT(ngot == nwant);
	FUZZ_ASSERT(doorio_contact(io) == contact);
	return 0;
}
