/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuil-web: the manager's console (docs/design.md, Console API).  Serves
 * the page and the JSON API over libmicrohttpd; reads and writes the store
 * like seuilctl (it is in group seuil), changes the daemon's live state
 * through the control socket (it is in operate_group), and never reads the
 * UID key: a typed UID goes to seuild as a control request.
 *
 * The main thread waits for signals and, once a second, drops the
 * connections past their deadlines (conns.c); libmicrohttpd's threads
 * serve (web.h says why one thread per connection).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "tz.h"
#include "web.h"

/* Where `make install` puts the page: the Makefile passes
 * PREFIX/share/seuil/web, so a package built with PREFIX=/usr finds it in
 * /usr/share/seuil/web and a source install in its own prefix. */
#ifndef SEUIL_WEB_PAGE_DIR
#error "SEUIL_WEB_PAGE_DIR is not defined: build with the Makefile"
#endif

static void
usage(void)
{
	fprintf(stderr, "usage: seuil-web [-d] [-v]... [-n] [-f FILE]\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct web w;
	const char *conf_path = CONFIG_DEFAULT_PATH, *page;
	char err[PATH_MAX + 256];
	int ch, foreground = 0, verbose = 0, check = 0, sig, n;
	struct timespec tick = { 1, 0 };
	sigset_t set;

	while ((ch = getopt_long(argc, argv, "df:nv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conf_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("seuil-web %s\n", SEUIL_VERSION);
			return EX_OK;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if ((n = config_load(conf_path, &w.conf, stderr)) != 0)
		return EX_CONFIG;
	if (check) {
		printf("configuration OK\n");
		return EX_OK;
	}
	log_init("seuil-web", foreground, verbose);
	if (tz_set(w.conf.timezone, err, sizeof(err)) == -1)
		fatalx("%s", err);

	/* The page folder: where it was installed, or SEUIL_WEB_PAGE (tests
	 * and `make demo` serve web/page from the source tree). */
	page = getenv("SEUIL_WEB_PAGE");
	snprintf(w.page_dir, sizeof(w.page_dir), "%s", page && *page ? page : SEUIL_WEB_PAGE_DIR);
	if ((w.page_fd = open(w.page_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("page folder %s", w.page_dir);

	/* Read-only: every change is a request to seuild (web/api_live.c).
	 * The process that faces the LAN cannot write the file that decides
	 * who gets in, and as packaged its user may only read it. */
	if ((w.st = store_open(w.conf.database, STORE_READONLY, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (pthread_mutex_init(&w.lock, NULL) != 0)
		fatalx("mutex");
	session_init(&w);
	if ((w.throttle = throttle_new()) == NULL || (w.conns = conns_new()) == NULL)
		fatalx("out of memory");
	if (sem_init(&w.hashing, 0, WEB_HASHING) == -1)
		fatal("semaphore");

	/* Signals go to this thread only: block them before libmicrohttpd
	 * starts its threads, which inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (http_start(&w, err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_info("console on %s://%s (page %s)", w.tls ? "https" : "http", w.conf.web_listen,
	    w.page_dir);

	for (;;) {
		if ((sig = sigtimedwait(&set, NULL, &tick)) == -1) {
			if ((n = conns_reap(w.conns, clock_mono_ms())) > 0)
				log_debug("http: %d connection(s) too slow to send a request, "
				    "dropped", n);
			continue;
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP: seuil-web reads its configuration at start; "
			    "restart it to apply a change");
			continue;
		}
		break;
	}
	log_info("stopping");
	http_stop(&w);
	pthread_mutex_lock(&w.lock);
	store_close(w.st);
	w.st = NULL;
	pthread_mutex_unlock(&w.lock);
	throttle_free(w.throttle);
	conns_free(w.conns);
	sem_destroy(&w.hashing);
	close(w.page_fd);
	return EX_OK;
}
