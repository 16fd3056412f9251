/* seuilctl status, door unlock: requests to seuild over the control socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "control.h"
#include "ctl.h"

#define CTL_TIMEOUT_MS	10000

int
ctl_request(struct ctl *c, const char *request, cJSON **reply, bool *absent, bool quiet)
{
	char buf[CONTROL_MSG_MAX + 1], err[PATH_MAX + 256];
	const cJSON *ok, *msg;
	cJSON *j;

	*reply = NULL;
	*absent = false;
	if (control_request(c->conf.control_socket, request, buf, sizeof(buf),
	    CTL_TIMEOUT_MS, err, sizeof(err)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			*absent = true;
			if (!quiet)
				ctl_errx("seuild is not running (no answer on %s)",
				    c->conf.control_socket);
			return EX_UNAVAILABLE;
		}
		ctl_errx("%s", err);
		return EX_UNAVAILABLE;
	}
	if ((j = cJSON_Parse(buf)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		ctl_errx("malformed reply from seuild");
		return EX_PROTOCOL;
	}
	ok = cJSON_GetObjectItemCaseSensitive(j, "ok");
	if (!cJSON_IsTrue(ok)) {
		msg = cJSON_GetObjectItemCaseSensitive(j, "error");
		ctl_errx("seuild: %s", cJSON_IsString(msg) ? msg->valuestring :
		    "request refused");
		cJSON_Delete(j);
		return EX_SOFTWARE;
	}
	*reply = j;
	return EX_OK;
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
print_status(const cJSON *r)
{
	const cJSON *a, *e, *o;

	printf("seuild %s, pid %.0f, up ", str(r, "version", "?"), num(r, "pid"));
	print_uptime(num(r, "uptime_s"));
	printf(", clock %s\n", flag(r, "clock_synced") ? "synced" : "NOT synced");
	printf("database %s, last event #%.0f\n", str(r, "database", "?"),
	    num(r, "last_seq"));
	a = cJSON_GetObjectItemCaseSensitive(r, "doors");
	cJSON_ArrayForEach(e, a)
		printf("door %s: %s (relay %s, contact %s)\n", str(e, "name", "?"),
		    str(e, "state", "?"), flag(e, "relay") ? "on" : "off",
		    str(e, "contact", "unknown"));
	a = cJSON_GetObjectItemCaseSensitive(r, "readers");
	cJSON_ArrayForEach(e, a) {
		printf("reader %s (door %s, %s): %s", str(e, "name", "?"),
		    str(e, "door", "?"), str(e, "direction", "?"),
		    flag(e, "online") ? "online" : "OFFLINE");
		if (flag(e, "locked_out"))
			printf(", locked out");
		printf(", heartbeat %.0f ms ago, %.0f restart%s\n",
		    num(e, "last_heartbeat_ms_ago"), num(e, "restarts"),
		    num(e, "restarts") == 1 ? "" : "s");
	}
	o = cJSON_GetObjectItemCaseSensitive(r, "presence");
	printf("present: %.0f\n", num(o, "count"));
	o = cJSON_GetObjectItemCaseSensitive(r, "mqtt");
	if (!flag(o, "enabled"))
		printf("mqtt: disabled\n");
	else
		printf("mqtt: %s, published up to #%.0f\n",
		    flag(o, "connected") ? "connected" : "NOT connected",
		    num(o, "published_seq"));
}

int
ctl_status(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS };
	cJSON *reply;
	bool absent;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		if ((rc = ctl_opt(c, ch, argv)) != -1)
			return rc;
	if (optind != argc)
		return ctl_usage(c);
	if ((rc = ctl_request(c, "{\"cmd\":\"status\"}", &reply, &absent, false)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(reply);
	print_status(reply);
	cJSON_Delete(reply);
	return EX_OK;
}

int
ctl_door_unlock(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		CTL_COMMON_OPTS
	};
	const char *door = NULL;
	cJSON *req, *reply;
	char *text, *end;
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
		if ((rc = ctl_opt(c, ch, argv)) != -1)
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

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "door_unlock");
	if (door != NULL)
		cJSON_AddStringToObject(req, "door", door);
	if (seconds > 0)
		cJSON_AddNumberToObject(req, "seconds", (double)seconds);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (text == NULL) {
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	rc = ctl_request(c, text, &reply, &absent, false);
	cJSON_free(text);
	if (rc != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(reply);
	printf("door %s unlocked for %.0f s\n", str(reply, "door", door ? door : "?"),
	    num(reply, "seconds"));
	cJSON_Delete(reply);
	return EX_OK;
}
