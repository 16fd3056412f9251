/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checks that involve more than one key, once the whole file is read. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access.h"
#include "config_private.h"

static bool
valid_topic(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && strpbrk(t, "+#\"' \t") == NULL && t[0] != '/' &&
	    t[n - 1] != '/';
}

/* A host name, an IPv4 or an IPv6 address: anything else (quotes, a
 * trailing "# comment") would only fail later, at every connection. */
static bool
valid_host(const char *h)
{
	return *h != '\0' && strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") == strlen(h);
}

/* Whether a key's value was refused: its error is already reported, so
 * checks must not add consequences of the default standing in for it. */

/*
 * [web]: listen is host:port (an IPv6 host in brackets).  The console's
 * passwords and session cookies must never cross the LAN in clear: a
 * listen address other than loopback needs tls_cert and tls_key (or a
 * reverse proxy in front, on loopback).  host_names are names or
 * addresses, each one checked here so that a typo is named by its line
 * rather than turning every request away.
 */
void
config_check_web(struct parse *p)
{
	struct config *conf = p->conf;
	int line = config_key_line(p, S_WEB, 0, "listen");
	bool tls = conf->web_tls_cert[0] != '\0' || conf->web_tls_key[0] != '\0';
	struct sockaddr_storage ss;
	char (*names)[CONFIG_HOST_NAME_MAX + 1], bad[80];

	if ((conf->web_tls_cert[0] == '\0') != (conf->web_tls_key[0] == '\0'))
		config_perr(p, config_key_line(p, S_WEB, 0, conf->web_tls_cert[0] ? "tls_cert" :
		    "tls_key"), "[web] tls_cert and tls_key go together");
	if (conf->web_host_names[0] != '\0' && !config_key_bad(p, S_WEB, 0, "host_names") &&
	    (names = calloc(CONFIG_HOST_NAMES_MAX, sizeof(*names))) != NULL) {
		if (config_host_names(conf->web_host_names, names, CONFIG_HOST_NAMES_MAX, bad,
		    sizeof(bad)) == -1)
			config_perr(p, config_key_line(p, S_WEB, 0, "host_names"),
			    "host_names: %s (host names or numeric addresses, separated by "
			    "commas or blanks, at most %d)", bad, CONFIG_HOST_NAMES_MAX);
		free(names);
	}
	if (config_key_bad(p, S_WEB, 0, "listen"))
		return;
	if (config_web_addr(conf->web_listen, &ss) == -1) {
		config_perr(p, line, "bad listen '%s' (want HOST:PORT, e.g. "
		    "127.0.0.1:8443 or [::1]:8443, with a numeric address)",
		    conf->web_listen);
		return;
	}
	if (!tls && !config_addr_loopback(&ss))
		config_perr(p, line, "listen %s is not a loopback address: set tls_cert "
		    "and tls_key (`seuilctl web cert` makes a first one), or "
		    "listen on 127.0.0.1 behind a reverse proxy",
		    conf->web_listen);
}

/*
 * Where a reader's feedback goes: simulated (every output, to
 * <sim_fifo>.feedback) when its door is simulated or feedback_chip = sim,
 * else GPIO lines on feedback_chip or the door's chip.
 */
static void
check_feedback(struct parse *p, int i)
{
	struct config *conf = p->conf;
	struct reader_conf *r = &conf->readers[i];
	const struct door_conf *d = r->door_index >= 0 ? &conf->doors[r->door_index] : NULL;
	bool lines = r->green_line >= 0 || r->red_line >= 0 || r->buzzer_line >= 0;

	r->feedback_sim = false;
	r->feedback_gpio_chip[0] = '\0';
	if (strcmp(r->feedback_chip, "sim") == 0 ||
	    (r->feedback_chip[0] == '\0' && d != NULL && d->gpio == GPIO_SIM)) {
		if (r->driver != READER_SIM) {
			if (r->feedback_chip[0] != '\0')
				config_perr(p, config_key_line(p, S_READER, i, "feedback_chip"), "reader '%s': "
				    "feedback_chip = sim needs driver = sim (the feedback goes "
				    "to <sim_fifo>.feedback)", r->name);
			return;
		}
		r->feedback_sim = true;
		return;
	}
	if (!lines)
		return;
	if (r->feedback_chip[0] != '\0') {
		_Static_assert(sizeof(r->feedback_gpio_chip) == sizeof(r->feedback_chip), "size");
		memcpy(r->feedback_gpio_chip, r->feedback_chip, sizeof(r->feedback_chip));
	} else if (d != NULL) {
		_Static_assert(sizeof(r->feedback_gpio_chip) == sizeof(d->chip), "size");
		memcpy(r->feedback_gpio_chip, d->chip, sizeof(d->chip));
	} else {
		config_perr(p, p->reader_line[i], "reader '%s': feedback lines need feedback_chip "
		    "(a desk reader has no door whose chip they could share)", r->name);
	}
}

/*
 * One GPIO line has one use: two would let an input drive the strike, one
 * door's relay open another, or a LED pulse a strike.  Every line of every
 * door (gpio = gpiod) and every reader's feedback is checked against all.
 */
static void
check_lines(struct parse *p)
{
	struct config *conf = p->conf;
	struct line_use {
		enum sect	 sect;
		int		 idx;
		const char	*key;
		const char	*chip;
		int		 line;
		char		 owner[CONFIG_NAME_MAX + 16];
	} use[CONFIG_MAX_DOORS * 3 + CONFIG_MAX_READERS * 3];
	int n = 0;

	for (int i = 0; i < conf->ndoors; i++) {
		const struct door_conf *d = &conf->doors[i];
		const char *names[3] = { "relay_line", "contact_line", "exit_line" };
		int lines[3] = { d->relay_line, d->contact_line, d->exit_line };

		if (d->gpio != GPIO_GPIOD || config_key_bad(p, S_DOOR, i, "gpio"))
			continue;
		for (int k = 0; k < 3; k++) {
			if (lines[k] < 0 || config_key_bad(p, S_DOOR, i, names[k]))
				continue;
			use[n] = (struct line_use){ S_DOOR, i, names[k], d->chip, lines[k], "" };
			snprintf(use[n++].owner, sizeof(use[0].owner), "door '%s'", d->name);
		}
	}
	for (int i = 0; i < conf->nreaders; i++) {
		const struct reader_conf *r = &conf->readers[i];
		const char *names[3] = { "green_line", "red_line", "buzzer_line" };
		int lines[3] = { r->green_line, r->red_line, r->buzzer_line };

		if (r->feedback_sim || r->feedback_gpio_chip[0] == '\0')
			continue;
		for (int k = 0; k < 3; k++) {
			if (lines[k] < 0 || config_key_bad(p, S_READER, i, names[k]))
				continue;
			use[n] = (struct line_use){ S_READER, i, names[k], r->feedback_gpio_chip,
			    lines[k], "" };
			snprintf(use[n++].owner, sizeof(use[0].owner), "reader '%s'", r->name);
		}
	}
	for (int b = 0; b < n; b++) {
		for (int a = 0; a < b; a++) {
			if (use[a].line != use[b].line || strcmp(use[a].chip, use[b].chip) != 0)
				continue;
			if (use[a].sect == use[b].sect && use[a].idx == use[b].idx)
				config_perr(p, config_key_line(p, use[b].sect, use[b].idx, use[b].key),
				    "%s: %s and %s are both line %d", use[b].owner,
				    use[a].key, use[b].key, use[b].line);
			else
				config_perr(p, config_key_line(p, use[b].sect, use[b].idx, use[b].key),
				    "%s: %s %d on %s is also %s of %s", use[b].owner,
				    use[b].key, use[b].line, use[b].chip, use[a].key,
				    use[a].owner);
			break;
		}
	}
}

/* A group name as the store takes it: 1 to 63 of [A-Za-z0-9_.-], not all
 * digits (core/manage.c says the same for seuilctl). */
static bool
valid_group(const char *s, size_t n)
{
	size_t i, digits = 0;

	if (n == 0 || n > 63 || s[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return false;
		digits += isdigit((unsigned char)s[i]) != 0;
	}
	return digits < n;
}

/*
 * Office hours hold a strike released for hours, which most fail-secure
 * strikes are not built for: the door must say continuous_duty = true.
 * The keys make sense only together: a window, the group whose member
 * opens it, and, to relock at the last departure, a reader that counts
 * people out.
 */
static void
check_office(struct parse *p, int i)
{
	struct config *conf = p->conf;
	struct door_conf *d = &conf->doors[i];
	struct schedule_window w[ACCESS_MAX_WINDOWS];
	char why[128];
	int k;
	bool out = false;

	if (d->unlock_schedule[0] == '\0') {
		if (d->first_in[0] != '\0' || d->last_out != LAST_OUT_NONE)
			config_perr(p, config_key_line(p, S_DOOR, i, d->first_in[0] ? "first_in" :
			    "last_out"), "door '%s': %s needs unlock_schedule (office hours)",
			    d->name, d->first_in[0] ? "first_in" : "last_out");
		return;
	}
	if (access_schedule_parse(d->unlock_schedule, w, ACCESS_MAX_WINDOWS, why,
	    sizeof(why)) == -1)
		config_perr(p, config_key_line(p, S_DOOR, i, "unlock_schedule"), "door '%s': "
		    "unlock_schedule: %s", d->name, why);
	if (!d->continuous_duty)
		config_perr(p, config_key_line(p, S_DOOR, i, "unlock_schedule"), "door '%s': "
		    "unlock_schedule holds the strike released for hours: set continuous_duty "
		    "= true once the strike is rated for continuous duty (most fail-secure "
		    "strikes are not, and burn out)", d->name);
	if (d->first_in[0] == '\0')
		config_perr(p, config_key_line(p, S_DOOR, i, "unlock_schedule"), "door '%s': "
		    "unlock_schedule needs first_in = GROUP (the door is released only once a "
		    "member of that group is in)", d->name);
	else if (!valid_group(d->first_in, strlen(d->first_in)))
		config_perr(p, config_key_line(p, S_DOOR, i, "first_in"), "door '%s': bad "
		    "first_in '%s' (a group name: letters, digits, '_', '.' and '-')", d->name,
		    d->first_in);
	if (d->last_out != LAST_OUT_PRESENCE)
		return;
	for (k = 0; k < conf->nreaders; k++)
		if (conf->readers[k].door_index == i &&
		    conf->readers[k].direction != DIRECTION_IN)
			out = true;
	if (!out)
		config_perr(p, config_key_line(p, S_DOOR, i, "last_out"), "door '%s': last_out "
		    "= presence needs a reader of this door with direction = out or toggle "
		    "(nobody could be counted out)", d->name);
}

/* A decimal number of degrees within max, or -1. */
static int
check_degrees(struct parse *p, const char *key, const char *v, double max)
{
	char *end;
	double x;

	if (v[0] == '\0')
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(x >= -max && x <= max) ||
	    strspn(v, "+-0123456789.") != strlen(v)) {
		config_perr(p, config_key_line(p, S_SPACEAPI, 0, key), "bad %s '%s' (decimal "
		    "degrees, -%.0f to %.0f)", key, v, max, max);
		return -1;
	}
	return 0;
}

/* [guests] sponsor_groups and [spaceapi]'s coordinates. */
static void
check_guests_spaceapi(struct parse *p)
{
	struct config *conf = p->conf;
	const char *s = conf->guest_sponsor_groups;
	size_t n;

	for (s += strspn(s, ", \t"); *s != '\0'; s += strspn(s, ", \t")) {
		n = strcspn(s, ", \t");
		if (!valid_group(s, n)) {
			config_perr(p, config_key_line(p, S_GUESTS, 0, "sponsor_groups"),
			    "bad sponsor_groups '%.*s' (group names separated by commas)",
			    n > 40 ? 40 : (int)n, s);
			break;
		}
		s += n;
	}
	if (check_degrees(p, "lat", conf->spaceapi_lat, 90) == 0 &&
	    check_degrees(p, "lon", conf->spaceapi_lon, 180) == 0 &&
	    (conf->spaceapi_lat[0] == '\0') != (conf->spaceapi_lon[0] == '\0'))
		config_perr(p, config_key_line(p, S_SPACEAPI, 0, conf->spaceapi_lat[0] ? "lat" :
		    "lon"), "[spaceapi] lat and lon go together");
	if ((conf->spaceapi_icon_open[0] == '\0') != (conf->spaceapi_icon_closed[0] == '\0'))
		config_perr(p, config_key_line(p, S_SPACEAPI, 0, conf->spaceapi_icon_open[0] ?
		    "icon_open" : "icon_closed"), "[spaceapi] icon_open and icon_closed go "
		    "together");
}

/* Checks that involve more than one key, once the whole file is read. */
void
config_check_all(struct parse *p)
{
	struct config *conf = p->conf;
	int i;

	if (conf->ndoors == 0)
		config_perr(p, 0, "no door: at least one [door.NAME] section is "
		    "needed");

	for (i = 0; i < conf->ndoors; i++) {
		struct door_conf *d = &conf->doors[i];

		if (config_key_bad(p, S_DOOR, i, "gpio"))
			continue;
		if (d->gpio == GPIO_SIM && d->sim_dir[0] == '\0')
			config_perr(p, config_key_line(p, S_DOOR, i, "gpio"), "door '%s': "
			    "gpio = sim needs sim_dir", d->name);
	}

	for (i = 0; i < conf->nreaders; i++) {
		struct reader_conf *r = &conf->readers[i];

		if (config_key_bad(p, S_READER, i, "driver"))
			;	/* its error is enough */
		else if (r->driver == READER_SIM && r->sim_fifo[0] == '\0')
			config_perr(p, config_key_line(p, S_READER, i, "driver"), "reader "
			    "'%s': driver = sim needs sim_fifo", r->name);
		else if (r->driver == READER_LIBNFC &&
		    r->connstring[0] == '\0')
			config_perr(p, config_key_line(p, S_READER, i, "driver"), "reader "
			    "'%s': driver = libnfc needs a connstring (e.g. "
			    "pn532_uart:/dev/ttyAMA0)", r->name);
		if (r->door[0] == '\0') {
			/* A desk reader only enrols: it opens nothing. */
			if (!config_key_bad(p, S_READER, i, "door") && !r->enrol)
				config_perr(p, p->reader_line[i], "reader '%s' needs "
				    "door = NAME (or enrol = true for a desk "
				    "reader that opens nothing)", r->name);
			continue;
		}
		if ((r->door_index = config_door_index(conf, r->door)) < 0)
			config_perr(p, config_key_line(p, S_READER, i, "door"), "unknown "
			    "door '%s' for reader '%s'", r->door, r->name);
	}

	for (i = 0; i < conf->nreaders; i++)
		check_feedback(p, i);
	check_lines(p);
	for (i = 0; i < conf->ndoors; i++)
		check_office(p, i);
	check_guests_spaceapi(p);

	/* A replica is a node of a site: it needs the node's name, which
	 * names its topics and its events in the site's journal. */
	if (conf->site_role == SITE_REPLICA && conf->site_node[0] == '\0' &&
	    !config_key_bad(p, S_SITE, 0, "role"))
		config_perr(p, config_key_line(p, S_SITE, 0, "role"), "role = replica needs "
		    "node = NAME (the node's name, unique in the site)");

	/* Derived defaults follow site.name unless set. */
	config_mqtt_default_names(conf, p->seen[0][config_key_find(S_MQTT, "base_topic")] == 0,
	    p->seen[0][config_key_find(S_MQTT, "client_id")] == 0);
	if (p->seen[0][config_key_find(S_MQTT, "base_topic")] > 0 &&
	    !valid_topic(conf->mqtt_base_topic))
		config_perr(p, config_key_line(p, S_MQTT, 0, "base_topic"), "bad base_topic "
		    "'%s' (no '+', '#', blanks or quotes, no leading or "
		    "trailing '/')", conf->mqtt_base_topic);
	if (p->seen[0][config_key_find(S_MQTT, "host")] > 0 &&
	    !config_key_bad(p, S_MQTT, 0, "host") && !valid_host(conf->mqtt_host))
		config_perr(p, config_key_line(p, S_MQTT, 0, "host"), "bad host '%s' (a host "
		    "name or an IP address, without quotes; comments after a "
		    "value start with ';')", conf->mqtt_host);
}

int
config_web_addr(const char *listen, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char *end;
	long port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || (n = (size_t)(colon - listen)) == 0 || n >= sizeof(host))
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return -1;
	memcpy(host, listen, n);
	host[n] = '\0';
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -1;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	return 0;
}

/* A DNS name: dot-separated labels of 1 to 63 letters, digits, '-' or '_'
 * (local names have them), no label starting or ending with '-', and not
 * all digits at the end (that would be a mistyped address). */
static bool
valid_dns_name(const char *s)
{
	const char *label = s, *dot;
	size_t n;

	if (*s == '\0' || strlen(s) > CONFIG_HOST_NAME_MAX)
		return false;
	for (;;) {
		dot = strchr(label, '.');
		n = dot != NULL ? (size_t)(dot - label) : strlen(label);
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-' ||
		    strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") < n)
			return false;
		if (dot == NULL)
			return strspn(label, "0123456789") < n;
		label = dot + 1;
	}
}

int
config_host_name(const char *s, size_t n, char out[CONFIG_HOST_NAME_MAX + 1])
{
	char buf[CONFIG_HOST_NAME_MAX + 3];
	unsigned char addr[sizeof(struct in6_addr)];
	size_t i;

	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		if (n < 3 || buf[n - 1] != ']')
			return -1;
		buf[n - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, addr) != 1)
			return -1;
		return inet_ntop(AF_INET6, addr, out, CONFIG_HOST_NAME_MAX + 1) ? 0 : -1;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, CONFIG_HOST_NAME_MAX + 1) ? 0 : -1;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return inet_ntop(AF_INET, addr, out, CONFIG_HOST_NAME_MAX + 1) ? 0 : -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	if (n > 1 && buf[n - 1] == '.')	/* the root's dot: "lab.example." */
		buf[--n] = '\0';
	if (!valid_dns_name(buf))
		return -1;
	memcpy(out, buf, n + 1);
	return 0;
}

int
config_host_names(const char *list, char names[][CONFIG_HOST_NAME_MAX + 1], int max,
    char *bad, size_t badlen)
{
	const char *p = list;
	size_t n;
	int count = 0;

	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return count;
		n = strcspn(p, ", \t");
		if (count == max) {
			snprintf(bad, badlen, "more than %d names", max);
			return -1;
		}
		if (config_host_name(p, n, names[count]) == -1) {
			snprintf(bad, badlen, "bad host name '%.*s'", n > 40 ? 40 : (int)n, p);
			return -1;
		}
		count++;
		p += n;
	}
}

bool
config_addr_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}


/* A colour the lobby page can use as it is: "#rgb" or "#rrggbb". */
static bool
valid_colour(const char *c)
{
	size_t n = strlen(c);

	return (n == 4 || n == 7) && c[0] == '#' &&
	    strspn(c + 1, "0123456789abcdefABCDEF") == n - 1;
}

/* Text for a screen: no control character (a line break would garble it). */
static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * [lobby]: what seuild publishes on B/lobby for the lobby screens.  The
 * logo's path is checked here, its contents when seuild reads it (it
 * must be an image of at most CONFIG_LOBBY_LOGO_MAX bytes).
 */
void
config_check_lobby(struct parse *p)
{
	struct config *conf = p->conf;
	static const char *const colours[] = { "colour_background", "colour_text" };
	const char *vals[] = { conf->lobby_colour_background, conf->lobby_colour_text };
	static const char *const texts[] = { "title", "message" };
	const char *tvals[] = { conf->lobby_title, conf->lobby_message };
	size_t i;

	for (i = 0; i < 2; i++)
		if (vals[i][0] != '\0' && !config_key_bad(p, S_LOBBY, 0, colours[i]) &&
		    !valid_colour(vals[i]))
			config_perr(p, config_key_line(p, S_LOBBY, 0, colours[i]), "%s: '%s' "
			    "is not a colour (#rgb or #rrggbb, e.g. #1d2430)", colours[i], vals[i]);
	for (i = 0; i < 2; i++)
		if (!printable(tvals[i]))
			config_perr(p, config_key_line(p, S_LOBBY, 0, texts[i]), "%s: no control "
			    "characters", texts[i]);
	if (conf->lobby_logo[0] != '\0' && conf->lobby_logo[0] != '/')
		config_perr(p, config_key_line(p, S_LOBBY, 0, "logo"), "logo: an absolute path "
		    "(e.g. /etc/seuil/logo.png)");
}
