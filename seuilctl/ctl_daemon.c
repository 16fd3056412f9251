/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl status, door unlock: requests to seuild over the control socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "backup.h"
#include "control.h"
#include "ctl.h"
#include "render_json.h"

int
ctl_exit_code(enum control_code code)
{
	switch (code) {
	case CONTROL_OK:
		return EX_OK;
	case CONTROL_NOT_FOUND:
		return EX_NOINPUT;
	case CONTROL_EXISTS:
	case CONTROL_INVALID:
		return EX_DATAERR;
	case CONTROL_PERMISSION:
	case CONTROL_REPLICA:
		return EX_NOPERM;
	case CONTROL_BUSY:
	case CONTROL_TIMEOUT:
		return EX_TEMPFAIL;
	case CONTROL_DATABASE:
		return EX_IOERR;
	case CONTROL_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case CONTROL_PROTOCOL:
	default:
		return EX_PROTOCOL;
	}
}

int
ctl_call(struct ctl *c, const struct control_req *req, int timeout_ms,
    struct control_reply *rep, bool *absent, bool quiet)
{
	*absent = false;
	control_call(c->conf.control_socket, req, timeout_ms, rep);
	if (rep->code == CONTROL_OK)
		return EX_OK;
	*absent = rep->code == CONTROL_UNAVAILABLE;
	if (!(*absent && quiet))
		ctl_errx("%s%s", rep->json != NULL ? "seuild: " : "", rep->error);
	control_reply_free(rep);
	return ctl_exit_code(rep->code);
}

int
ctl_change(struct ctl *c, const struct control_req *req, struct control_reply *rep)
{
	bool absent;
	int rc = ctl_call(c, req, 0, rep, &absent, true);

	return absent ? CTL_DIRECT : rc;
}

static const char *
str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool
flag(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void
print_uptime(double s)
{
	long long t = (long long)s;

	if (t >= 86400)
		printf("%lldd %lldh", t / 86400, t % 86400 / 3600);
	else if (t >= 3600)
		printf("%lldh %lldm", t / 3600, t % 3600 / 60);
	else if (t >= 60)
		printf("%lldm %llds", t / 60, t % 60);
	else
		printf("%llds", t);
}

static void
print_size(const char *what, double bytes)
{
	if (bytes >= 10 * 1024 * 1024)
		printf("%s%.0f MiB", what, bytes / (1024 * 1024));
	else if (bytes >= 10 * 1024)
		printf("%s%.0f KiB", what, bytes / 1024);
	else
		printf("%s%.0f bytes", what, bytes);
}

static void
print_status(const cJSON *r)
{
	const cJSON *a, *e, *o, *hb;

	printf("seuild %s, pid %.0f, up ", str(r, "version", "?"), num(r, "pid"));
	print_uptime(num(r, "uptime_s"));
	printf(", clock %s\n", flag(r, "clock_synced") ? "synced" :
	    "NOT synced (schedules follow unsynced_clock)");
	a = cJSON_GetObjectItemCaseSensitive(r, "doors");
	cJSON_ArrayForEach(e, a)
		printf("door %s: %s (relay %s, contact %s)%s\n", str(e, "name", "?"),
		    str(e, "state", "?"), flag(e, "relay") ? "on" : "off",
		    str(e, "contact", "unknown"), flag(e, "office_hours") ?
		    ", office hours: held released" : "");
	a = cJSON_GetObjectItemCaseSensitive(r, "readers");
	cJSON_ArrayForEach(e, a) {
		printf("reader %s (door %s, %s): %s", str(e, "name", "?"),
		    str(e, "door", "?"), str(e, "direction", "?"),
		    flag(e, "online") ? "online" : "OFFLINE");
		if (flag(e, "locked_out"))
			printf(", LOCKED OUT");
		hb = cJSON_GetObjectItemCaseSensitive(e, "last_heartbeat_ms_ago");
		if (cJSON_IsNumber(hb))
			printf(", last heartbeat %.1f s ago", hb->valuedouble / 1000);
		else
			printf(", no heartbeat yet");
		printf(", %.0f restart%s\n", num(e, "restarts"),
		    num(e, "restarts") == 1 ? "" : "s");
	}
	o = cJSON_GetObjectItemCaseSensitive(r, "store_health");
	if (o != NULL && !flag(o, "ok"))
		printf("store: FAILING (%s), %.0f tap%s denied since it last worked\n",
		    str(o, "last_error", "?"), num(o, "denied_taps"),
		    num(o, "denied_taps") == 1 ? "" : "s");
	else if (o != NULL)
		printf("store: ok\n");
	o = cJSON_GetObjectItemCaseSensitive(r, "presence");
	printf("present: %.0f\n", num(o, "count"));
	o = cJSON_GetObjectItemCaseSensitive(r, "site");
	if (o != NULL) {
		printf("site: node %s, %s%s%s, copy %.0f.%.0f, %s", str(o, "node", "?"),
		    str(o, "role", "?"), cJSON_GetObjectItemCaseSensitive(o, "primary") ? " of " : "",
		    str(o, "primary", ""), num(o, "epoch"), num(o, "rev"), str(o, "state", "?"));
		if (str(o, "verified", NULL) != NULL)
			printf(", verified %s", str(o, "verified", ""));
		if (num(o, "rejected") > 0)
			printf(", %.0f message%s refused", num(o, "rejected"),
			    num(o, "rejected") == 1 ? "" : "s");
		printf("\n");
		/* A primary: each node it heard of, as its console shows them. */
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "nodes"))
			printf("  node %s: %s, copy %.0f.%.0f, %s, journal at #%.0f, lag %.0f\n",
			    str(e, "node", "?"), flag(e, "online") ? "online" : "OFFLINE",
			    num(e, "epoch"), num(e, "rev"), str(e, "state", "?"),
			    num(e, "journal_acked"), num(e, "journal_lag"));
	}
	o = cJSON_GetObjectItemCaseSensitive(r, "mqtt");
	if (!flag(o, "enabled"))
		printf("mqtt: disabled\n");
	else
		printf("mqtt: %s, published up to event #%.0f of #%.0f\n",
		    flag(o, "connected") ? "connected" : "NOT connected",
		    num(o, "published_seq"), num(r, "last_seq"));
}

/* The store's part of the health view, read from the database itself so
 * that it is there when the daemon is not. */
static cJSON *
store_status(struct ctl *c)
{
	cJSON *j = cJSON_CreateObject(), *counts;
	char path[PATH_MAX + 8], value[128], t[32];
	struct stat sb;
	int64_t seq;

	cJSON_AddStringToObject(j, "database", c->conf.database);
	cJSON_AddNumberToObject(j, "db_bytes", stat(c->conf.database, &sb) == 0 ?
	    (double)sb.st_size : 0);
	snprintf(path, sizeof(path), "%s-wal", c->conf.database);
	cJSON_AddNumberToObject(j, "wal_bytes", stat(path, &sb) == 0 ? (double)sb.st_size : 0);
	if (ctl_store(c) != EX_OK) {
		cJSON_AddStringToObject(j, "error", "cannot open the database");
		return j;
	}
	if ((seq = store_last_seq(c->st)) >= 0)
		cJSON_AddNumberToObject(j, "last_seq", (double)seq);
	if (store_meta_get(c->st, "mqtt_published_seq", value, sizeof(value)) == 1)
		cJSON_AddNumberToObject(j, "mqtt_published_seq", strtod(value, NULL));
	if (store_meta_get(c->st, "last_purge", value, sizeof(value)) == 1) {
		ctl_format_utc(strtoll(value, NULL, 10), t, sizeof(t));
		cJSON_AddStringToObject(j, "last_purge", t);
		cJSON_AddNumberToObject(j, "last_purge_ms", strtod(value, NULL));
	} else
		cJSON_AddNullToObject(j, "last_purge");
	if (store_meta_get(c->st, "last_purge_counts", value, sizeof(value)) == 1 &&
	    (counts = cJSON_Parse(value)) != NULL)
		cJSON_AddItemToObject(j, "last_purge_counts", counts);
	if (store_meta_get(c->st, BACKUP_META_TS, value, sizeof(value)) == 1) {
		cJSON *b = cJSON_AddObjectToObject(j, "last_backup");

		ctl_format_utc(strtoll(value, NULL, 10), t, sizeof(t));
		cJSON_AddStringToObject(b, "ts", t);
		cJSON_AddNumberToObject(b, "ts_ms", strtod(value, NULL));
		if (store_meta_get(c->st, BACKUP_META_RESULT, path, sizeof(path)) == 1)
			cJSON_AddStringToObject(b, "result", path);
		if (store_meta_get(c->st, BACKUP_META_FILE, path, sizeof(path)) == 1)
			cJSON_AddStringToObject(b, "file", path);
	} else
		cJSON_AddNullToObject(j, "last_backup");
	return j;
}

static void
print_store(const cJSON *s, bool daemon)
{
	const cJSON *v, *counts, *b;
	char t[32];
	int64_t purge_ms;

	print_size("database: ", num(s, "db_bytes"));
	print_size(" + WAL ", num(s, "wal_bytes"));
	printf(" (%s)\n", str(s, "database", "?"));
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "error")) != NULL) {
		printf("database: %s\n", cJSON_IsString(v) ? v->valuestring : "?");
		return;
	}
	printf("last event #%.0f", num(s, "last_seq"));
	if (!daemon && cJSON_GetObjectItemCaseSensitive(s, "mqtt_published_seq") != NULL)
		printf(", published on MQTT up to #%.0f", num(s, "mqtt_published_seq"));
	putchar('\n');
	v = cJSON_GetObjectItemCaseSensitive(s, "last_purge_ms");
	if (render_json_int(v, 0, INT64_MAX, &purge_ms) == -1)
		printf("last purge: never\n");
	else {
		ctl_format_time(purge_ms, t, sizeof(t));
		counts = cJSON_GetObjectItemCaseSensitive(s, "last_purge_counts");
		printf("last purge: %s, %.0f events and %.0f visits deleted\n", t,
		    num(counts, "events"), num(counts, "visits"));
	}
	b = cJSON_GetObjectItemCaseSensitive(s, "last_backup");
	if (!cJSON_IsObject(b)) {
		printf("last backup: never\n");
		return;
	}
	ctl_format_time((int64_t)num(b, "ts_ms"), t, sizeof(t));
	printf("last backup: %s, %s (%s)\n", t, str(b, "result", "?"), str(b, "file", "?"));
}

int
ctl_status(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct control_reply rep;
	cJSON *reply = NULL, *st;
	bool absent;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK)
		return rc;
	control_req_init(&req, CONTROL_STATUS);
	rc = ctl_call(c, &req, 0, &rep, &absent, true);
	if (rc != EX_OK && !absent)
		return rc;
	if (rc == EX_OK)
		reply = rep.json;
	st = store_status(c);
	if (c->json) {
		if (absent) {
			reply = cJSON_CreateObject();
			cJSON_AddBoolToObject(reply, "ok", 0);
			cJSON_AddStringToObject(reply, "error", "seuild is not running");
		}
		cJSON_AddItemToObject(reply, "store", st);
		ctl_json_print(c, reply);
		return absent ? EX_UNAVAILABLE : EX_OK;
	}
	if (absent)
		printf("seuild is not running (no answer on %s)\n", c->conf.control_socket);
	else
		print_status(reply);
	print_store(st, !absent);
	cJSON_Delete(reply);
	cJSON_Delete(st);
	return absent ? EX_UNAVAILABLE : EX_OK;
}

int
ctl_door_unlock(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		CTL_COMMON_OPTS
	};
	struct control_req req;
	struct control_reply rep;
	const char *door = NULL;
	char *end;
	long seconds = 0;
	bool absent;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":s:", opts, NULL)) != -1) {
		if (ch == 's') {
			errno = 0;
			seconds = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    seconds < 1 || seconds > CONFIG_UNLOCK_CAP_MS / 1000) {
				ctl_errx("--seconds must be 1 to %d",
				    CONFIG_UNLOCK_CAP_MS / 1000);
				return EX_DATAERR;
			}
			continue;
		}
		if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind > 1)
		return ctl_usage(c);
	if (argc - optind == 1) {
		door = argv[optind];
		if (config_door_index(&c->conf, door) == -1) {
			ctl_errx("door '%s' not found in %s", door, c->conf_path);
			return EX_NOINPUT;
		}
	} else if (c->conf.ndoors > 1) {
		ctl_errx("%d doors configured: name one", c->conf.ndoors);
		return ctl_usage(c);
	} else if (c->conf.ndoors == 0) {
		ctl_errx("no door configured in %s", c->conf_path);
		return EX_CONFIG;
	}

	control_req_init(&req, CONTROL_DOOR_UNLOCK);
	req.door = door;
	req.seconds = seconds;
	if ((rc = ctl_call(c, &req, 0, &rep, &absent, false)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, rep.json);
	printf("door %s unlocked for %.0f s\n", str(rep.json, "door", door ? door : "?"),
	    num(rep.json, "seconds"));
	control_reply_free(&rep);
	return EX_OK;
}

/* door lock [DOOR]: office hours end now, a momentary unlock with them. */
int
ctl_door_lock(struct ctl *c, int argc, char **argv)
{
	struct control_req req;
	struct control_reply rep;
	const char *door = NULL;
	bool absent;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 1)) != EX_OK)
		return rc;
	if (argc - optind == 1) {
		door = argv[optind];
		if (config_door_index(&c->conf, door) == -1) {
			ctl_errx("door '%s' not found in %s", door, c->conf_path);
			return EX_NOINPUT;
		}
	} else if (c->conf.ndoors > 1) {
		ctl_errx("%d doors configured: name one", c->conf.ndoors);
		return ctl_usage(c);
	}
	control_req_init(&req, CONTROL_DOOR_LOCK);
	req.door = door;
	if ((rc = ctl_call(c, &req, 0, &rep, &absent, false)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, rep.json);
	printf("door %s locked%s\n", str(rep.json, "door", door ? door : "?"),
	    flag(rep.json, "was_held") ? " (office hours ended)" : "");
	control_reply_free(&rep);
	return EX_OK;
}
