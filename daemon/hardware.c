/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hardware's lifetime: doors, readers and MQTT brought up in that order
 * (every strike driven locked before anything can ask to open it) and down
 * again, and a reload, which replaces them whole from a configuration that
 * loads cleanly or keeps the old one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Every door of the current configuration, its strike driven locked.  At
 * start this comes first, before anything that can fail (docs/design.md,
 * Priorities: locked when in doubt): a restart after a crash with the
 * strike energised locks it even if the key or the database then stops the
 * start. */
int
daemon_doors_up(struct daemon *d, char *err, size_t errlen)
{
	struct door_hooks dh = { daemon_door_event, daemon_door_state, d };

	for (int i = 0; i < d->conf->ndoors; i++)
		if ((d->doors[i] = door_new(&d->conf->doors[i], i, &dh, err, errlen)) == NULL)
			return -1;
	return 0;
}

/* Readers and MQTT, once the doors are up. */
int
daemon_io_up(struct daemon *d, char *err, size_t errlen)
{
	struct readers_hooks rh = { daemon_tap, daemon_reader_status, daemon_forget_secrets, d };

	if ((d->readers = readers_new(d->conf, &rh)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (d->conf->mqtt_enabled &&
	    (d->mqtt = mqtt_new(d->conf, d->st, daemon_mqtt_unlock, d, err, errlen)) == NULL)
		return -1;
	if (d->mqtt)
		mqtt_set_writer(d->mqtt, d->writer);
	site_attach(d);
	d->lobby_clock = -1;	/* a new mqtt has no B/lobby yet */
	/* Retained door states exist from the start, not from the first change. */
	for (int i = 0; i < d->conf->ndoors; i++)
		daemon_door_state(d, i, door_get_state(d->doors[i]));
	return 0;
}

/* Doors first: every strike is driven locked before anything can ask to
 * open it. */
static int
daemon_hw_up(struct daemon *d, char *err, size_t errlen)
{
	if (daemon_doors_up(d, err, errlen) == -1 || daemon_feedback_up(d, err, errlen) == -1)
		return -1;
	return daemon_io_up(d, err, errlen);
}

/* The timezone and the writer's copy of the configuration change together,
 * under the writer's lock: a tap being decided sees the old or the new. */
static int
daemon_settings(struct daemon *d, const struct config *conf, char *err, size_t errlen)
{
	int rc;

	writer_lock(d->writer);
	if ((rc = tz_set(conf->timezone, err, errlen)) == 0)
		memcpy(d->wconf, conf, sizeof(*conf));
	writer_unlock(d->writer);
	return rc;
}

void
daemon_hw_down(struct daemon *d)
{
	for (int i = 0; i < CONFIG_MAX_DOORS; i++) {
		door_free(d->doors[i]);		/* drives locked */
		d->doors[i] = NULL;
	}
	daemon_feedback_down(d);
	readers_free(d->readers);
	d->readers = NULL;
	mqtt_free(d->mqtt);
	d->mqtt = NULL;
}

/* Log a config's errors line by line (they arrive as one text). */
static int
daemon_load_config(const char *path, struct config *conf, char *err, size_t errlen)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = config_load(path, conf, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_warnx("%s", line);
	if (n != 0)
		snprintf(err, errlen, "%.200s: configuration has errors, keeping the old one", path);
	free(text);
	return n == 0 ? 0 : -1;
}

/*
 * Reload: a bad new configuration is refused and the old one kept.  A good
 * one replaces doors, readers and MQTT whole: doors are driven locked and
 * reopened, which is simpler to reason about than patching them live.
 */
/*
 * A reload must not be a way to clear lockouts (anyone who may reload could
 * then keep guessing): each reader keeps its lockout by name; a new reader
 * starts clean.
 */
static void
daemon_keep_lockouts(struct daemon *d, const struct config *from, const struct config *to)
{
	struct lockout kept[CONFIG_MAX_READERS];
	int k;

	for (int i = 0; i < to->nreaders; i++) {
		if ((k = config_reader_index(from, to->readers[i].name)) >= 0)
			kept[i] = d->lockouts[k];
		else
			lockout_init(&kept[i]);
	}
	memcpy(d->lockouts, kept, sizeof(kept[0]) * (size_t)to->nreaders);
}

int
daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct config *nc = malloc(sizeof(*nc)), *old = d->conf;

	if (nc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (daemon_load_config(old->path, nc, err, errlen) == -1)
		goto refuse;
	if (strcmp(nc->database, old->database) != 0 || strcmp(nc->uid_key_file, old->uid_key_file) != 0 ||
	    strcmp(nc->control_socket, old->control_socket) != 0 ||
	    nc->credentials_aid != old->credentials_aid ||
	    strcmp(nc->credentials_key_file, old->credentials_key_file) != 0 ||
	    strcmp(nc->credentials_picc_key_file, old->credentials_picc_key_file) != 0) {
		snprintf(err, errlen, "%.200s: database, uid_key_file, control socket and "
		    "[credentials] change only at a restart, keeping the old configuration",
		    old->path);
		goto refuse;
	}
	if (strcmp(nc->site_node, old->site_node) != 0 || nc->site_role != old->site_role ||
	    strcmp(nc->site_name, old->site_name) != 0 ||
	    strcmp(nc->mqtt_base_topic, old->mqtt_base_topic) != 0 ||
	    strcmp(nc->site_key_file, old->site_key_file) != 0 ||
	    strcmp(nc->replica_site_key_file, old->replica_site_key_file) != 0) {
		snprintf(err, errlen, "%.200s: a site's name, node, role, keys and base topic change "
		    "only at a restart, keeping the old configuration", old->path);
		goto refuse;
	}
	if (daemon_settings(d, nc, err, errlen) == -1)
		goto refuse;

	/* The doors are driven locked and opened again: office hours end
	 * and begin at the next first-in tap. */
	daemon_office_end_all(d, OFFICE_RELOAD);
	/* What is queued ends first: a remote unlock accepted by the old
	 * mqtt is then in the event log, where the new one reads its id
	 * back (mqtt.c), and cannot be replayed across the reload. */
	writer_drain(d->writer);
	daemon_hw_down(d);
	daemon_keep_lockouts(d, old, nc);
	d->conf = nc;
	presence_set_config(d->presence, nc);
	if (daemon_hw_up(d, err, errlen) == -1) {
		char again[256];

		log_warnx("reload: %s; going back to the old configuration", err);
		daemon_hw_down(d);
		daemon_keep_lockouts(d, nc, old);
		d->conf = old;
		presence_set_config(d->presence, old);
		daemon_settings(d, old, again, sizeof(again));
		if (daemon_hw_up(d, again, sizeof(again)) == -1)
			fatalx("reload: cannot restore the old configuration: %s", again);
		free(nc);
		return -1;
	}
	/* A waiting enrolment names its reader by index: the new configuration
	 * may order the readers differently, no longer have that reader, or no
	 * longer let it enrol. */
	if (d->enrol.active && d->enrol.reader_index != -1 &&
	    ((d->enrol.reader_index = config_reader_index(nc,
	    old->readers[d->enrol.reader_index].name)) == -1 ||
	    !nc->readers[d->enrol.reader_index].enrol)) {
		d->enrol.active = false;
		control_reply(d->control, d->enrol.client,
		    control_fail(CONTROL_NOT_FOUND, "the enrolment's reader was removed or no "
		    "longer enrols"));
	}
	if (d->enrol.active)	/* the new lines blink for it too */
		daemon_feedback_enrol_wait(d, clock_mono_ms());
	free(old);
	log_info("configuration reloaded");
	daemon_check_backup_dir(nc, NULL);
	daemon_presence_publish(d);
	return 0;
refuse:
	log_warnx("reload: %s", err);
	free(nc);
	return -1;
}
