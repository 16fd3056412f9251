/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild: reads badges, decides, pulses the door strike, logs, tracks who is
 * here and publishes it.  One process, one poll() loop; readers run in
 * child processes (readers.c), every store write on one writer thread
 * (writer.c), hardware sits behind firmware-glue/.  This file starts and
 * stops the daemon, turns the loop and owns the event path; the hardware's
 * lifetime and reload (hardware.c), the badge path, the control requests
 * and the readers' feedback have files of their own (daemon.h lists them).
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "credkey.h"
#include "daemon.h"
#include "notify.h"

/* Writer jobs in hand above which the loop stops reading the readers. */
#define TAP_BACKLOG_MAX	16

static void daemon_presence_changed(void *arg);

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: seuild [-dnv] [-f file] [--version]\n");
	exit(EX_USAGE);
}

/* ---- events: the one path every event row takes ---- */

static int
daemon_event_run(struct writer_job *j, struct store *st)
{
	struct event ev;

	writer_event_get(writer_job_data(j), &ev);
	return writer_append_event(st, &ev) == -1 ? -1 : 0;
}

/*
 * An event that stands alone (a door, a reader, a lockout): stamped now,
 * written by the writer in order with everything else.  MQTT hears of it
 * once it is committed (daemon_loop, after writer_dispatch): the loop reads
 * through its own connection, so it never sees a row that may roll back.
 * 0, or -1 if it could not even be queued.
 */
int
daemon_event(struct daemon *d, struct event *ev)
{
	struct writer_event we;

	store_event_stamp(ev);
	writer_event_set(&we, ev);
	if (d->writer == NULL || writer_submit(d->writer, daemon_event_run, NULL, d, 0, 0, &we,
	    sizeof(we)) == -1) {
		log_warnx("event %s: cannot store: the writer's queue is full", ev->type);
		return -1;
	}
	return 0;
}

/* Presence's hook, on the writer thread inside a visit's transaction. */
static int64_t
daemon_event_append(void *arg, struct store *st, struct event *ev)
{
	(void)arg;
	store_event_stamp(ev);
	return writer_append_event(st, ev);
}

/* Tell MQTT about new rows. */
static void
daemon_events_flush(struct daemon *d)
{
	if (d->events_pending && d->mqtt)
		mqtt_events_changed(d->mqtt);
	d->events_pending = false;
}

void
daemon_simple_event(struct daemon *d, const char *type, const char *door, const char *reader,
    const char *reason, const char *detail)
{
	struct event ev = { .type = type, .door = door, .reader = reader, .reason = reason,
	    .detail = detail };

	daemon_event(d, &ev);
}

/* A staff event (control_refused, ...): who acted goes to the actor column,
 * which is never published. */
void
daemon_staff_event(struct daemon *d, const char *type, const char *actor, const char *detail)
{
	struct event ev = { .type = type, .actor = actor, .detail = detail };

	daemon_event(d, &ev);
}

/* ---- hooks from readers, doors, presence ---- */

/* In a new reader child: it handles raw UIDs and libnfc, and has no use for
 * the key that turns UIDs into MACs, nor for the site's DESFire keys (the
 * child is a pipe for the card's bytes), so its copies are wiped. */
void
daemon_forget_secrets(void *arg)
{
	struct daemon *d = arg;

	explicit_bzero(d->key, sizeof(d->key));
	explicit_bzero(&d->dkeys, sizeof(d->dkeys));
}

void
daemon_reader_status(void *arg, int ri, bool online, const char *detail)
{
	struct daemon *d = arg;
	const struct reader_conf *rc = &d->conf->readers[ri];

	daemon_simple_event(d, online ? "reader_online" : "reader_offline", config_reader_door(rc), rc->name,
	    NULL, detail);
}

void
daemon_door_event(void *arg, int di, const char *type, const char *detail)
{
	struct daemon *d = arg;

	daemon_simple_event(d, type, d->conf->doors[di].name, NULL, NULL, detail);
}

void
daemon_door_state(void *arg, int di, enum door_state state)
{
	struct daemon *d = arg;

	log_debug("door %s: %s", d->conf->doors[di].name, door_state_name(state));
	if (d->mqtt)
		mqtt_door_state(d->mqtt, di, door_state_name(state));
}

/* Presence changed (a visit committed): published once the loop has
 * handled all the writer's answers of this turn, not at each of them (a
 * burst of arrivals is one publication per turn, not one per arrival, each
 * naming everybody present: bench, MQTT on). */
static void
daemon_presence_changed(void *arg)
{
	struct daemon *d = arg;

	d->presence_pending = true;
}

void
daemon_presence_publish(struct daemon *d)
{
	struct presence_person *people;
	struct member_row m;
	char **names;
	int i, n = presence_count(d->presence);

	d->presence_pending = false;
	if (d->mqtt == NULL)
		return;
	if (site_primary(d)) {		/* who is on site, not only here */
		site_presence_publish(d);
		return;
	}
	people = calloc((size_t)n + 1, sizeof(*people));
	names = calloc((size_t)n + 1, sizeof(*names));
	if (people == NULL || names == NULL) {
		log_warnx("presence: out of memory");
		goto done;
	}
	/* Names are looked up now, not at arrival: a member who has just
	 * asked to be anonymous is not named again.  One member row at a
	 * time, and a copy of the name only (a row is half a KiB, and
	 * thousands may be present). */
	for (i = 0; i < n; i++) {
		const struct presence_entry *e = presence_get(d->presence, i);

		people[i].since_ms = e->arrived_ms;
		if (store_member_get(d->st, e->member_id, &m) != 1 || !m.public || m.erased)
			continue;
		if ((names[i] = strdup(m.display_name[0] ? m.display_name : m.name)) == NULL) {
			log_warnx("presence: out of memory");
			goto done;
		}
		people[i].name = names[i];
	}
	mqtt_presence_changed(d->mqtt, people, n, daemon_office_any(d));
done:
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	free(people);
}

/* A checkout's departure is committed (or not): seuilctl, which may erase
 * the member next, hears only now. */
void
daemon_checked_out(void *arg, int client, bool ok)
{
	struct daemon *d = arg;
	cJSON *r;

	if (client == -1)
		return;		/* an erasure's departure: the erasure answers */
	if (!ok) {
		control_reply(d->control, client, control_fail(CONTROL_DATABASE,
		    "cannot record the departure"));
		return;
	}
	r = control_ok();
	cJSON_AddBoolToObject(r, "was_present", 1);
	control_reply(d->control, client, r);
}

/* ---- housekeeping ---- */

struct purge_job {
	int64_t	now_ms, event_retention_ms, visit_retention_ms, guest_retention_ms;
	int64_t	events, visits, guests;
};

/* Events and visits past their retention, and the guests whose pass
 * ended more than [guests] retention ago. */
static int
purge_run(struct writer_job *j, struct store *st)
{
	struct purge_job *p = writer_job_data(j);

	if (store_purge(st, p->now_ms, p->event_retention_ms, p->visit_retention_ms,
	    &p->events, &p->visits) == -1)
		return -1;
	return (p->guests = store_guests_purge(st, p->now_ms - p->guest_retention_ms)) == -1 ?
	    -1 : 0;
}

static void
purge_done(struct writer_job *j)
{
	struct purge_job *p = writer_job_data(j);

	if (j->rc != 0) {
		log_warnx("purge: %s", j->err);
		return;
	}
	log_info("purge: deleted %lld events and %lld visits past retention, erased %lld "
	    "guests", (long long)p->events, (long long)p->visits, (long long)p->guests);
}

/*
 * Retention (CNIL: badge logs are kept 90 days by default): at start-up,
 * once ready, and then every 24 hours.  Each run deletes about a day's rows,
 * which is quick; a daemon that was stopped for long catches up at once.
 */
static void
daemon_purge(struct daemon *d, int64_t now)
{
	struct purge_job p = { .now_ms = clock_wall_ms(),
	    .event_retention_ms = d->conf->event_retention_ms,
	    .visit_retention_ms = d->conf->visit_retention_ms,
	    .guest_retention_ms = d->conf->guest_retention_ms };

	if (now < d->next_purge)
		return;
	d->next_purge = now + PURGE_EVERY_MS;
	if (writer_submit(d->writer, purge_run, purge_done, d, 0, 0, &p, sizeof(p)) == -1)
		log_warnx("purge: the writer's queue is full; next time");
}

/* ---- the loop ---- */

static int
daemon_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sigfd == -1 ? -1 : 0;
}

static void
daemon_signal_in(struct daemon *d, int64_t now)
{
	struct signalfd_siginfo si;
	char err[512];

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: stopping", (int)si.ssi_signo);
			d->stop = true;
			break;
		case SIGHUP:
			log_info("SIGHUP: reloading the configuration");
			notify_send("RELOADING=1");
			daemon_reload(d, err, sizeof(err));
			notify_send("READY=1");
			break;
		case SIGCHLD:
			readers_tick(d->readers, now);
			break;
		}
	}
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Time until the earliest deadline of any module, in ms for poll(). */
static int
daemon_timeout(struct daemon *d, int64_t now_mono)
{
	int64_t next = now_mono + HOUSEKEEPING_MS, wall_next;

	for (int i = 0; i < d->conf->ndoors; i++)
		next = min64(next, door_deadline(d->doors[i]));
	next = min64(next, readers_deadline(d->readers));
	if (d->mqtt)
		next = min64(next, mqtt_deadline(d->mqtt) < 0 ? INT64_MAX : mqtt_deadline(d->mqtt));
	if (d->enrol.active)
		next = min64(next, d->enrol.deadline);
	next = min64(next, site_deadline(d));
	next = min64(next, daemon_feedback_deadline(d, now_mono));
	wall_next = presence_deadline(d->presence);
	if (wall_next != INT64_MAX)
		next = min64(next, now_mono + (wall_next - clock_wall_ms()));
	if (next <= now_mono)
		return 0;
	return (int)(next - now_mono);
}

static void
daemon_loop(struct daemon *d)
{
	struct pollfd pfds[MAX_POLLFDS];
	int ctl_at, ctl_n, rd_at, rd_n, door_at[CONFIG_MAX_DOORS], door_n[CONFIG_MAX_DOORS];
	int mqtt_at, wr_at, ex_at, site_at, n;
	int64_t now;

	while (!d->stop) {
		now = clock_mono_ms();
		n = 0;
		pfds[n++] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		wr_at = n;
		pfds[n++] = (struct pollfd){ .fd = writer_fd(d->writer), .events = POLLIN };
		ex_at = n;
		pfds[n++] = (struct pollfd){ .fd = exchanges_fd(d->exchanges), .events = POLLIN };
		ctl_at = n;
		n += ctl_n = control_pollfds(d->control, pfds + n, MAX_POLLFDS - n);
		rd_at = n;
		n += rd_n = readers_pollfds(d->readers, pfds + n, MAX_POLLFDS - n);
		/* Taps faster than the store commits them (a flood) wait in
		 * the readers' sockets, not in the writer's queue past their
		 * deadline: no tap is denied for the queue (bench: burst). */
		if (writer_backlog(d->writer) >= TAP_BACKLOG_MAX)
			for (int k = rd_at; k < n; k++)
				pfds[k].events = 0;
		for (int i = 0; i < d->conf->ndoors; i++) {
			int fds[DOORIO_MAX_FDS];

			door_at[i] = n;
			door_n[i] = door_pollfds(d->doors[i], fds);
			for (int k = 0; k < door_n[i]; k++)
				pfds[n++] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
		}
		mqtt_at = n;
		if (d->mqtt) {
			mqtt_pollfd(d->mqtt, &pfds[n]);
			pfds[n].revents = 0;
			n++;
		}
		site_at = n;
		site_pollfd(d, &pfds[n++]);

		if (poll(pfds, (nfds_t)n, daemon_timeout(d, now)) == -1 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		now = clock_mono_ms();

		/* Doors and readers first: they are what a person at the door
		 * waits for.  Taps go to the writer; its answers (a committed
		 * grant opens) come back through its fd. */
		readers_handle(d->readers, pfds + rd_at, rd_n, now);
		if (pfds[ex_at].revents)
			exchanges_dispatch(d->exchanges);
		if (pfds[wr_at].revents && writer_dispatch(d->writer) > 0)
			d->events_pending = true;
		for (int i = 0; i < d->conf->ndoors; i++) {
			for (int k = 0; k < door_n[i]; k++)
				if (pfds[door_at[i] + k].revents)
					door_input(d->doors[i], pfds[door_at[i] + k].fd, now);
			door_tick(d->doors[i], now);
		}
		readers_tick(d->readers, now);
		if (pfds[0].revents)
			daemon_signal_in(d, now);
		if (d->stop)
			break;
		control_handle(d->control, pfds + ctl_at, ctl_n, now);
		control_tick(d->control, now);
		snapshot_poll(d);
		presence_tick(d->presence, clock_wall_ms());
		/* After the doors' ticks: a hold that lapsed is seen. */
		daemon_office_tick(d, clock_mono_ms());
		daemon_guests_tick(d, clock_wall_ms());
		daemon_enrol_tick(d, now);
		/* A fresh time: a tap's answer above started its pattern after
		 * `now`, and an older time would blank it for a moment. */
		daemon_feedback_drive(d, clock_mono_ms());
		daemon_purge(d, now);
		if (d->presence_pending)
			daemon_presence_publish(d);
		site_service(d, &pfds[site_at], now);
		/* The lobby says when the clock cannot be trusted (schedules
		 * then refuse members): at the first turn with MQTT, and when
		 * the kernel's sync changes. */
		if (d->mqtt != NULL && d->lobby_clock != (int)clock_synced()) {
			d->lobby_clock = clock_synced();
			mqtt_lobby_changed(d->mqtt, d->lobby_clock);
		}
		daemon_events_flush(d);
		if (d->mqtt)
			mqtt_service(d->mqtt, d->mqtt ? &pfds[mqtt_at] : NULL, now);

		/* The watchdog hears from the loop itself, only when it turns
		 * (never from the writer thread), so a wedged loop is restarted
		 * by systemd (and the strike falls back to locked); a wedged
		 * store only denies taps. */
		if (d->watchdog_usec && (now - d->last_watchdog) * 2000 >= (int64_t)d->watchdog_usec) {
			notify_send("WATCHDOG=1");
			d->last_watchdog = now;
		}
	}
}

/* The loop's reads (WAL: they wait for no writer, only for a checkpoint
 * or a recovery by another program) give up soon rather than stall it. */
static int
daemon_read_busy(void *arg, int count)
{
	(void)arg;
	if (count * 5 >= READ_BUSY_MS)
		return 0;
	usleep(5000);
	return 1;
}

/* Everything the start took, whatever part of it was reached: the doors
 * driven locked (again) and released, the key wiped. */
static void
daemon_release(struct daemon *d)
{
	daemon_hw_down(d);
	/* After the readers: their children gone, an exchange under way
	 * ends at once. */
	exchanges_free(d->exchanges);
	explicit_bzero(&d->dkeys, sizeof(d->dkeys));
	control_close(d->control);
	presence_free(d->presence);
	writer_free(d->writer);
	site_stop(d);
	store_close(d->st);
	explicit_bzero(d->key, sizeof(d->key));
	if (d->sigfd != -1)
		close(d->sigfd);
	free(d->wconf);
	free(d->conf);
}

/*
 * The site's DESFire keys ([credentials]).  A missing key file is no reason
 * to refuse to start (a site that upgraded and never ran `seuilctl init`
 * since has no DESFire badge either): cards with our application are then
 * probed and denied, never decided by their UID.  A file that is there but
 * unreadable, damaged or readable by others stops the start, as the UID key
 * does.  0, or -1 with err.
 */
static int
daemon_credential_keys(struct daemon *d, char *err, size_t errlen)
{
	struct credkey k;
	int rc;

	memset(&d->dkeys, 0, sizeof(d->dkeys));
	d->dkeys.aid = d->conf->credentials_aid;
	if ((rc = credkey_load(d->conf->credentials_key_file, &k, err, errlen)) == -1)
		return -1;
	if (rc == 0) {
		log_warnx("%s: no credentials key file: DESFire badges cannot be read or made, "
		    "and cards with application %06X are denied (create it with `seuilctl "
		    "init`, then restart)", d->conf->credentials_key_file,
		    (unsigned)d->conf->credentials_aid);
		return 0;
	}
	memcpy(d->dkeys.master0, k.master0, sizeof(d->dkeys.master0));
	memcpy(d->dkeys.master1, k.master1, sizeof(d->dkeys.master1));
	memcpy(d->dkeys.sysid, k.sysid, sizeof(d->dkeys.sysid));
	credkey_wipe(&k);
	if (d->conf->credentials_picc_key_file[0] != '\0') {
		if (credkey_picc_load(d->conf->credentials_picc_key_file, d->dkeys.picc_key, err,
		    errlen) == -1) {
			explicit_bzero(&d->dkeys, sizeof(d->dkeys));
			return -1;
		}
		d->dkeys.picc_aes = true;
	}
	d->have_dkeys = true;
	return 0;
}

/* A start that fails after the doors are up. */
static int
daemon_fail(struct daemon *d, int code)
{
	daemon_release(d);
	return code;
}

/*
 * [backup] dir is where seuild writes the snapshots the timer and the
 * console ask for, so seuild itself must be able to write there: the
 * package's unit lets it write /var/backups/seuil only (docs/install.md,
 * Backups).  Said like the groups: by `seuild -n` as FILE: [backup] dir
 * ..., and in the log at start and at each reload.
 */
void
daemon_check_backup_dir(const struct config *conf, const char *path)
{
	const char *dir = conf->backup_dir;

	if (dir[0] == '\0' || access(dir, W_OK | X_OK) == 0)
		return;
	if (path != NULL)
		fprintf(stderr, "%s: [backup] dir '%s': %s: backups will fail until seuild may "
		    "write there (its owner, and under systemd seuild.service's ReadWritePaths)\n",
		    path, dir, strerror(errno));
	else
		log_warnx("backup: dir %s: %s: backups will fail until seuild may write there "
		    "(its owner, and under systemd seuild.service's ReadWritePaths)", dir,
		    strerror(errno));
}

/* The control socket: group read_group, and operate_group and admin_group
 * through its access list, so that their members need not be added to
 * read_group by hand. */
static int
daemon_control_open(struct daemon *d, char *err, size_t errlen)
{
	struct control_owner owner = { daemon_control_refuse, daemon_control,
	    daemon_control_privileged, d };
	gid_t extra[2] = { daemon_group_gid(d->conf->control_operate_group),
	    daemon_group_gid(d->conf->control_admin_group) };
	char acl_err[512];

	if (daemon_control_check(err, errlen) == -1)
		return -1;
	d->control = control_open(d->conf->control_socket,
	    daemon_group_gid(d->conf->control_read_group), extra, 2, &owner, acl_err,
	    sizeof(acl_err), err, errlen);
	if (d->control == NULL)
		return -1;
	if (acl_err[0] != '\0')
		log_warnx("control: %s", acl_err);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct daemon dm, *d = &dm;
	int ch, foreground = 0, verbose = 0, check = 0;
	char err[512];

	while ((ch = getopt_long(argc, argv, "df:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': foreground = 1; break;
		case 'f': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("seuild %s\n", SEUIL_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	memset(d, 0, sizeof(*d));
	d->sigfd = -1;
	if ((d->conf = malloc(sizeof(*d->conf))) == NULL)
		return EX_OSERR;
	if (check) {
		int n = config_load(path, d->conf, stderr);

		if (n != 0) {
			free(d->conf);
			return EX_CONFIG;
		}
		if (verbose)
			config_print(d->conf, stdout);
		daemon_check_groups(d->conf, path);
		daemon_check_backup_dir(d->conf, path);
		printf("configuration OK\n");
		free(d->conf);
		return 0;
	}
	/* The process will hold the UID key and raw UIDs: no core dump, no
	 * ptrace by another process of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (config_load(path, d->conf, stderr) != 0) {
		free(d->conf);
		return EX_CONFIG;
	}

	log_init("seuild", foreground, verbose);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	for (int i = 0; i < CONFIG_MAX_READERS; i++)
		lockout_init(&d->lockouts[i]);
	/* Lock first: every door driven locked before anything else can fail;
	 * then the readers' lights and buzzers, dark and silent. */
	if (daemon_doors_up(d, err, sizeof(err)) == -1 ||
	    daemon_feedback_up(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_UNAVAILABLE);
	}
	if ((d->wconf = malloc(sizeof(*d->wconf))) == NULL)
		return daemon_fail(d, EX_OSERR);
	memcpy(d->wconf, d->conf, sizeof(*d->conf));
	if (tz_set(d->conf->timezone, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_CONFIG);
	}
	if (uid_key_load(d->conf->uid_key_file, d->key, err, sizeof(err)) == -1) {
		log_warnx("%s (create it with `seuilctl init`)", err);
		return daemon_fail(d, EX_NOINPUT);
	}
	if (daemon_credential_keys(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_NOINPUT);
	}
	if ((d->exchanges = exchanges_new(d->have_dkeys ? &d->dkeys : NULL,
	    d->conf->credentials_aid, daemon_exchange_done, d, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_OSERR);
	}
	if ((d->st = store_open(d->conf->database, 0, err, sizeof(err))) == NULL ||
	    (d->writer = writer_new(d->conf->database, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_NOINPUT);
	}
	store_busy_handler(d->st, daemon_read_busy, NULL);
	if (daemon_site_check(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_CONFIG);
	}
	if (daemon_signals(d) == -1)
		fatal("signals");
	d->started_mono = clock_mono_ms();
	d->next_purge = d->started_mono;
	d->guests_refresh = true;

	daemon_check_groups(d->conf, NULL);
	daemon_check_backup_dir(d->conf, NULL);
	if (site_start(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_CONFIG);
	}
	if (daemon_io_up(d, err, sizeof(err)) == -1 || daemon_control_open(d, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_UNAVAILABLE);
	}
	daemon_simple_event(d, "daemon_start", NULL, NULL, NULL, SEUIL_VERSION);
	{
		struct presence_hooks ph = { daemon_event_append, daemon_presence_changed,
		    daemon_checked_out, d };

		if ((d->presence = presence_new(d->conf, d->st, d->writer, &ph)) == NULL ||
		    presence_load(d->presence, clock_wall_ms()) == -1) {
			log_warnx("presence: %s", store_errmsg(d->st));
			return daemon_fail(d, EX_UNAVAILABLE);
		}
	}
	daemon_presence_publish(d);
	d->watchdog_usec = notify_watchdog_usec();
	notify_send("READY=1");
	log_info("ready: %d door(s), %d reader(s), database %s", d->conf->ndoors,
	    d->conf->nreaders, d->conf->database);

	daemon_loop(d);

	notify_send("STOPPING=1");
	daemon_office_end_all(d, OFFICE_STOP);
	for (int i = 0; i < d->conf->ndoors; i++)
		door_lock(d->doors[i], clock_mono_ms());
	daemon_feedback_down(d);	/* dark and silent: "do not wait" */
	daemon_simple_event(d, "daemon_stop", NULL, NULL, NULL, NULL);
	/* What is queued is written (taps past their bound are denied); the
	 * doors are locked meanwhile and no grant is acted on. */
	snapshot_stop(d);
	writer_drain(d->writer);
	daemon_events_flush(d);
	if (d->enrol.active)
		control_reply(d->control, d->enrol.client, control_fail(CONTROL_UNAVAILABLE,
		    "seuild is stopping"));
	daemon_release(d);
	log_info("stopped");
	return 0;
}
