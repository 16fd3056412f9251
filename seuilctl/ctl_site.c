/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl site init|join|install|promote|show: a site of several Pis
 * (docs/site.md).  The keys are provisioned here, out of band, never over
 * MQTT: init makes the site's signing key on the primary; join writes a
 * bundle for one node (the site's public key, the UID key every door
 * shares, the DESFire credential keys, the broker's CA and the node's
 * login), which is carried to the
 * node (SSH, a USB stick) and installed there, then deleted; promote makes
 * a node the primary, with the signing key and the latest backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "clock.h"
#include "credkey.h"
#include "ctl.h"
#include "site_acl.h"
#include "site_sig.h"

#define BUNDLE_FORMAT	"seuil-site/1"
#define BUNDLE_MAX	(64 * 1024)
#define CA_MAX		(32 * 1024)

/* seuild must not run: it holds the store open with its own view of it. */
static int
no_daemon(struct ctl *c, const char *what)
{
	struct control_req req;
	struct control_reply rep;

	control_req_init(&req, CONTROL_STATUS);
	control_call(c->conf.control_socket, &req, 0, &rep);
	control_reply_free(&rep);
	if (rep.code != CONTROL_UNAVAILABLE) {
		ctl_errx("seuild is running: stop it before %s (systemctl stop seuild)", what);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

static int
need_node(struct ctl *c, bool replica)
{
	if (!config_site(&c->conf)) {
		ctl_errx("%s: [site] node is not set: a site's node needs its name (docs/site.md)",
		    c->conf_path);
		return EX_CONFIG;
	}
	if (config_replica(&c->conf) != replica) {
		ctl_errx("%s: [site] role must be %s for this", c->conf_path,
		    replica ? "replica" : "primary");
		return EX_CONFIG;
	}
	return EX_OK;
}

/* Give a file this command wrote to seuil (root only), mode as given. */
static int
give(const char *path, bool to_seuil, mode_t mode)
{
	uid_t uid;
	gid_t gid;

	if (!ctl_seuil_ids(&uid, &gid))
		return EX_OK;
	if (ctl_give_file(path, to_seuil ? uid : 0, gid, mode) != 1) {
		ctl_errx("chown %s: %s", path, strerror(errno));
		return EX_NOPERM;
	}
	return EX_OK;
}

/* Read a whole small file (at most max bytes), never through a link:
 * malloc'd, NUL-ended, or NULL with errno. */
static char *
read_small(const char *path, size_t max, size_t *len)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1)
		goto fail;
	errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > max || (buf = malloc(max + 1)) == NULL)
		goto fail;
	while (got < max && (n = read(fd, buf + got, max - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (len != NULL)
		*len = got;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

/* Write text to a new file path, mode, never over an existing one nor
 * through a link.  EX_OK, or the exit status with the message printed. */
static int
write_new(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t off = 0;
	ssize_t n;

	if (fd == -1) {
		ctl_errx("%s: %s", path, errno == EEXIST ? "exists already: nothing replaced" :
		    strerror(errno));
		return errno == EEXIST ? EX_CANTCREAT : EX_IOERR;
	}
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return EX_OK;
fail:
	ctl_errx("%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(path);
	return EX_IOERR;
}

/* ---- init ---- */

int
ctl_site_init(struct ctl *c, int argc, char **argv)
{
	uint8_t seed[SITE_KEY_LEN];
	struct site_pub pub;
	struct site_local l;
	char err[PATH_MAX + 128];
	bool created = false;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK || (rc = need_node(c, false)) != EX_OK)
		return rc;
	if (access(c->conf.site_key_file, F_OK) == 0) {
		if (site_key_read(c->conf.site_key_file, seed, true, err, sizeof(err)) == -1) {
			ctl_errx("%s", err);
			return EX_IOERR;
		}
	} else {
		if (site_key_generate(seed, err, sizeof(err)) == -1 ||
		    site_key_write(c->conf.site_key_file, seed, 0600, err, sizeof(err)) == -1) {
			ctl_errx("%s", err);
			return EX_CANTCREAT;
		}
		created = true;
		if ((rc = give(c->conf.site_key_file, true, 0600)) != EX_OK)
			return rc;
	}
	rc = site_key_public(seed, &pub, err, sizeof(err));
	explicit_bzero(seed, sizeof(seed));
	if (rc == -1) {
		ctl_errx("%s", err);
		return EX_SOFTWARE;
	}
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (site_acl_local(c->st, &l) == -1)
		return ctl_store_error(c, "site init");
	if (l.epoch == 0 && store_meta_set(c->st, "acl_epoch", "1") == -1)
		return ctl_store_error(c, "site init");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "key_file", c->conf.site_key_file);
		cJSON_AddBoolToObject(j, "key_created", created);
		cJSON_AddStringToObject(j, "key_id", pub.id);
		cJSON_AddNumberToObject(j, "epoch", l.epoch ? (double)l.epoch : 1);
		return ctl_json_print(c, j);
	}
	printf("%s site key %s (key id %s)\n", created ? "created" : "kept existing",
	    c->conf.site_key_file, pub.id);
	printf("next, for each other node: seuilctl site join NODE\n");
	return EX_OK;
}

/* ---- join ---- */

/* The base64 of the credentials key file, with its NUL. */
#define CRED_B64	(((CREDKEY_FILE_LEN + 2) / 3) * 4 + 1)

/*
 * The DESFire keys' file, its exact bytes, for the bundle: checked as
 * seuild checks it (credkey_load: mode, size, format, check bytes) before
 * it travels.  A primary without the file has no secure badges: *have
 * false, and the bundle carries none.
 */
static int
cred_read(const char *path, uint8_t bytes[CREDKEY_FILE_LEN], bool *have)
{
	struct credkey k;
	char err[PATH_MAX + 128];
	size_t len;
	char *raw;
	int rc;

	*have = false;
	if ((rc = credkey_load(path, &k, err, sizeof(err))) == 0)
		return EX_OK;
	credkey_wipe(&k);
	if (rc == -1) {
		ctl_errx("%s", err);
		return EX_NOINPUT;
	}
	if ((raw = read_small(path, CREDKEY_FILE_LEN, &len)) == NULL || len != CREDKEY_FILE_LEN) {
		ctl_errx("%s: %s", path, raw == NULL ? strerror(errno) : "changed while read");
		if (raw != NULL)
			explicit_bzero(raw, len);
		free(raw);
		return EX_IOERR;
	}
	memcpy(bytes, raw, CREDKEY_FILE_LEN);
	explicit_bzero(raw, len);
	free(raw);
	*have = true;
	return EX_OK;
}

int
ctl_site_join(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "broker-ca", required_argument, NULL, 'a' },
		{ "broker-password-file", required_argument, NULL, 'p' },
		CTL_COMMON_OPTS
	};
	const char *out = NULL, *ca_file = NULL, *pw_file = NULL, *node;
	uint8_t seed[SITE_KEY_LEN], key[UID_KEY_LEN], cred[CREDKEY_FILE_LEN];
	char err[PATH_MAX + 128], b64[64], cred64[CRED_B64], path[PATH_MAX], *ca = NULL,
	    *pw = NULL, *text;
	bool have_cred;
	struct site_pub pub;
	cJSON *j;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, ":o:a:p:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'a':
			ca_file = optarg;
			break;
		case 'p':
			pw_file = optarg;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	node = argv[optind];
	if ((rc = need_node(c, false)) != EX_OK)
		return rc;
	if (strlen(node) > CONFIG_NAME_MAX || strspn(node, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") != strlen(node) || *node == '\0') {
		ctl_errx("bad node name '%s' (1 to %d of a-z 0-9 _ -)", node, CONFIG_NAME_MAX);
		return EX_DATAERR;
	}
	if (strcmp(node, c->conf.site_node) == 0) {
		ctl_errx("'%s' is this node, the primary: join another node", node);
		return EX_DATAERR;
	}
	if (site_key_read(c->conf.site_key_file, seed, true, err, sizeof(err)) == -1) {
		ctl_errx("%s (make it with seuilctl site init)", err);
		return EX_NOINPUT;
	}
	rc = site_key_public(seed, &pub, err, sizeof(err));
	explicit_bzero(seed, sizeof(seed));
	if (rc == -1 || (rc = ctl_key(c, key)) != EX_OK) {
		if (rc == -1)
			ctl_errx("%s", err);
		return rc == -1 ? EX_SOFTWARE : rc;
	}
	if ((rc = cred_read(c->conf.credentials_key_file, cred, &have_cred)) != EX_OK) {
		explicit_bzero(key, sizeof(key));
		return rc;
	}
	if (ca_file != NULL && (ca = read_small(ca_file, CA_MAX, NULL)) == NULL) {
		ctl_errx("--broker-ca %s: %s", ca_file, strerror(errno));
		explicit_bzero(key, sizeof(key));
		explicit_bzero(cred, sizeof(cred));
		return EX_NOINPUT;
	}
	if (pw_file != NULL) {
		if ((pw = read_small(pw_file, 1024, NULL)) == NULL) {
			ctl_errx("--broker-password-file %s: %s", pw_file, strerror(errno));
			explicit_bzero(key, sizeof(key));
			explicit_bzero(cred, sizeof(cred));
			free(ca);
			return EX_NOINPUT;
		}
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "bundle", BUNDLE_FORMAT);
	cJSON_AddStringToObject(j, "site", c->conf.site_name);
	cJSON_AddStringToObject(j, "node", node);
	cJSON_AddStringToObject(j, "primary", c->conf.site_node);
	cJSON_AddStringToObject(j, "base_topic", c->conf.mqtt_base_topic);
	site_b64_encode(pub.key, SITE_KEY_LEN, b64);
	cJSON_AddStringToObject(j, "site_key", b64);
	cJSON_AddStringToObject(j, "key_id", pub.id);
	site_b64_encode(key, UID_KEY_LEN, b64);
	explicit_bzero(key, sizeof(key));
	cJSON_AddStringToObject(j, "uid_key", b64);
	explicit_bzero(b64, sizeof(b64));
	if (have_cred) {
		site_b64_encode(cred, sizeof(cred), cred64);
		cJSON_AddStringToObject(j, "credentials_key", cred64);
		explicit_bzero(cred64, sizeof(cred64));
	}
	explicit_bzero(cred, sizeof(cred));
	if (ca != NULL)
		cJSON_AddStringToObject(j, "broker_ca", ca);
	if (pw != NULL)
		cJSON_AddStringToObject(j, "broker_password", pw);
	free(ca);
	if (pw != NULL)
		explicit_bzero(pw, strlen(pw));
	free(pw);
	text = cJSON_Print(j);
	cJSON_Delete(j);
	if (text == NULL) {
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	if (out == NULL)
		snprintf(path, sizeof(path), "%s.bundle", node);
	else
		snprintf(path, sizeof(path), "%s", out);
	rc = write_new(path, text, strlen(text), 0600);
	explicit_bzero(text, strlen(text));
	cJSON_free(text);
	if (rc != EX_OK)
		return rc;
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "bundle", path);
		cJSON_AddStringToObject(j, "node", node);
		cJSON_AddStringToObject(j, "key_id", pub.id);
		return ctl_json_print(c, j);
	}
	printf("wrote %s for node %s (key id %s)\n", path, node, pub.id);
	if (!have_cred)
		printf("%s does not exist: the bundle carries no DESFire keys, and the node's "
		    "doors will read no secure badge\n", c->conf.credentials_key_file);
	printf("it holds the UID key%s: carry it to %s over SSH or on a USB stick, then there:\n"
	    "  seuilctl site install %s\n", have_cred ? " and the DESFire keys" : "", node, path);
	return EX_OK;
}

/* ---- install ---- */

static const char *
bundle_str(const cJSON *j, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
}

/* A key of the bundle into path: a new file, or one that holds the same
 * bytes already.  EX_OK, or the exit status with the message printed. */
static int
install_key(const char *what, const char *b64, const char *path, mode_t mode, bool secret,
    bool to_seuil, bool *created)
{
	uint8_t key[SITE_KEY_LEN], have[SITE_KEY_LEN];
	char err[PATH_MAX + 128];
	int rc = EX_OK;

	*created = false;
	if (b64 == NULL || site_b64_decode(b64, strlen(b64), key, sizeof(key)) != SITE_KEY_LEN) {
		ctl_errx("the bundle's %s is malformed", what);
		return EX_DATAERR;
	}
	if (access(path, F_OK) == 0) {
		if (site_key_read(path, have, secret, err, sizeof(err)) == -1) {
			ctl_errx("%s", err);
			rc = EX_IOERR;
		} else if (memcmp(have, key, sizeof(key)) != 0) {
			ctl_errx("%s holds another %s than the site's: the badges and messages of "
			    "the site would not match; move it away first", path, what);
			rc = EX_DATAERR;
		}
	} else if (site_key_write(path, key, mode, err, sizeof(err)) == -1) {
		ctl_errx("%s", err);
		rc = EX_CANTCREAT;
	} else {
		*created = true;
		rc = give(path, to_seuil, mode);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(have, sizeof(have));
	return rc;
}

/*
 * The bundle's DESFire keys into path, as install_key does a key: a new
 * file (0600, seuil's), or one that holds the same bytes already.  What is
 * written is loaded back as seuild loads it, so that a damaged bundle is
 * refused here rather than at every secure badge.  A bundle without them
 * (its primary has none) installs nothing.
 */
static int
install_cred(const char *b64, const char *path, bool *created)
{
	uint8_t key[CREDKEY_FILE_LEN + 1];
	struct credkey k;
	char err[PATH_MAX + 128], *have;
	size_t len;
	int rc = EX_OK;

	*created = false;
	if (b64 == NULL)
		return EX_OK;
	if (site_b64_decode(b64, strlen(b64), key, sizeof(key)) != CREDKEY_FILE_LEN) {
		ctl_errx("the bundle's DESFire keys are malformed");
		return EX_DATAERR;
	}
	if (access(path, F_OK) == 0) {
		if ((have = read_small(path, CREDKEY_FILE_LEN, &len)) == NULL) {
			ctl_errx("%s: %s", path, strerror(errno));
			rc = EX_IOERR;
		} else if (len != CREDKEY_FILE_LEN || memcmp(have, key, len) != 0) {
			ctl_errx("%s holds other DESFire keys than the site's: the site's secure "
			    "badges would not open this node's doors; move it away first", path);
			rc = EX_DATAERR;
		}
		if (have != NULL)
			explicit_bzero(have, len);
		free(have);
	} else if ((rc = write_new(path, (const char *)key, CREDKEY_FILE_LEN, 0600)) == EX_OK) {
		if (credkey_load(path, &k, err, sizeof(err)) != 1) {
			ctl_errx("the bundle's DESFire keys: %s", err);
			unlink(path);
			rc = EX_DATAERR;
		} else {
			*created = true;
			rc = give(path, true, 0600);
		}
		credkey_wipe(&k);
	}
	explicit_bzero(key, sizeof(key));
	return rc;
}

/* A text of the bundle (the broker's CA, the node's password) into path
 * if the configuration names one and it is not there yet. */
static int
install_text(const char *text, const char *path, mode_t mode, bool to_seuil, bool line)
{
	char *with_nl;
	int rc;

	if (text == NULL || path[0] == '\0' || access(path, F_OK) == 0)
		return EX_OK;
	if (!line)
		rc = write_new(path, text, strlen(text), mode);
	else {
		if (asprintf(&with_nl, "%s\n", text) == -1)
			return EX_OSERR;
		rc = write_new(path, with_nl, strlen(with_nl), mode);
		explicit_bzero(with_nl, strlen(with_nl));
		free(with_nl);
	}
	return rc != EX_OK ? rc : give(path, to_seuil, mode);
}

/* Overwrite the bundle's bytes, then remove it: it holds the UID key. */
static void
shred(const char *path, size_t len)
{
	char zero[512] = { 0 };
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		while (off < len && (n = write(fd, zero, len - off < sizeof(zero) ? len - off :
		    sizeof(zero))) > 0)
			off += (size_t)n;
		(void)fsync(fd);
		close(fd);
	}
	unlink(path);
}

int
ctl_site_install(struct ctl *c, int argc, char **argv)
{
	const char *path, *site, *node, *primary, *base;
	char *text;
	size_t len;
	bool uid_new, pub_new, cred_new = false;
	cJSON *j;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK || (rc = need_node(c, true)) != EX_OK ||
	    (rc = no_daemon(c, "installing a bundle")) != EX_OK)
		return rc;
	path = argv[optind];
	if ((text = read_small(path, BUNDLE_MAX, &len)) == NULL) {
		ctl_errx("%s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	j = cJSON_ParseWithLength(text, len);
	explicit_bzero(text, len);
	free(text);
	if (j == NULL || bundle_str(j, "bundle") == NULL ||
	    strcmp(bundle_str(j, "bundle"), BUNDLE_FORMAT) != 0 ||
	    (site = bundle_str(j, "site")) == NULL || (node = bundle_str(j, "node")) == NULL ||
	    (primary = bundle_str(j, "primary")) == NULL ||
	    (base = bundle_str(j, "base_topic")) == NULL ||
	    strlen(primary) > CONFIG_NAME_MAX) {
		ctl_errx("%s is not a site's bundle (made by seuilctl site join)", path);
		cJSON_Delete(j);
		return EX_DATAERR;
	}
	rc = EX_CONFIG;
	if (strcmp(site, c->conf.site_name) != 0)
		ctl_errx("the bundle is for site '%s', %s says [site] name = %s", site,
		    c->conf_path, c->conf.site_name);
	else if (strcmp(node, c->conf.site_node) != 0)
		ctl_errx("the bundle is for node '%s', %s says [site] node = %s", node,
		    c->conf_path, c->conf.site_node);
	else if (strcmp(base, c->conf.mqtt_base_topic) != 0)
		ctl_errx("the primary publishes under %s, %s says [mqtt] base_topic = %s", base,
		    c->conf_path, c->conf.mqtt_base_topic);
	else
		rc = EX_OK;
	/* The keys, then the broker's files, then the store's role: each
	 * step refuses to replace what differs, so a second run finishes an
	 * install the first could not. */
	if (rc == EX_OK)
		rc = install_key("UID key", bundle_str(j, "uid_key"), c->conf.uid_key_file, 0600,
		    true, true, &uid_new);
	if (rc == EX_OK)
		rc = install_key("site key", bundle_str(j, "site_key"),
		    c->conf.replica_site_key_file, 0640, false, false, &pub_new);
	if (rc == EX_OK)
		rc = install_cred(bundle_str(j, "credentials_key"), c->conf.credentials_key_file,
		    &cred_new);
	if (rc == EX_OK)
		rc = install_text(bundle_str(j, "broker_ca"), c->conf.mqtt_ca_file, 0644, false,
		    false);
	if (rc == EX_OK)
		rc = install_text(bundle_str(j, "broker_password"), c->conf.mqtt_password_file,
		    0600, true, true);
	if (rc == EX_OK) {
		char err[PATH_MAX + 256];

		if ((c->st = store_open(c->conf.database, STORE_CREATE, err, sizeof(err))) == NULL) {
			ctl_errx("%s", err);
			rc = EX_IOERR;
		} else if (store_site_set_role(c->st, true, primary) == -1) {
			rc = ctl_store_error(c, "site install");
		} else {
			rc = give(c->conf.database, true, 0);
		}
	}
	if (rc != EX_OK) {
		cJSON_Delete(j);
		return rc;
	}
	shred(path, len);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "node", node);
		cJSON_AddStringToObject(o, "primary", primary);
		cJSON_AddStringToObject(o, "site_key_file", c->conf.replica_site_key_file);
		cJSON_AddStringToObject(o, "uid_key_file", c->conf.uid_key_file);
		if (bundle_str(j, "credentials_key") != NULL)
			cJSON_AddStringToObject(o, "credentials_key_file",
			    c->conf.credentials_key_file);
		cJSON_AddBoolToObject(o, "bundle_removed", true);
		cJSON_Delete(j);
		return ctl_json_print(c, o);
	}
	printf("installed: node %s, a replica of %s's primary %s (key id %s)\n", node, site,
	    primary, bundle_str(j, "key_id") ? bundle_str(j, "key_id") : "?");
	printf("%s %s, %s %s; removed %s\n", uid_new ? "wrote" : "kept", c->conf.uid_key_file,
	    pub_new ? "wrote" : "kept", c->conf.replica_site_key_file, path);
	if (bundle_str(j, "credentials_key") != NULL)
		printf("%s %s (the DESFire keys)\n", cred_new ? "wrote" : "kept",
		    c->conf.credentials_key_file);
	else
		printf("the bundle carries no DESFire keys: this node's doors read no secure "
		    "badge\n");
	printf("start seuild: it takes the primary's snapshot from the broker\n");
	cJSON_Delete(j);
	return EX_OK;
}

/* ---- promote ---- */

int
ctl_site_promote(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "backup", required_argument, NULL, 'b' },
		CTL_COMMON_OPTS
	};
	const char *key_file = NULL, *backup = NULL;
	uint8_t seed[SITE_KEY_LEN];
	struct site_pub pub;
	struct site_local before, after;
	char err[2 * PATH_MAX + 256], v[32], keep[PATH_MAX + 64], stamp[32];
	int ch, rc, version;

	while ((ch = getopt_long(argc, argv, ":k:b:", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			key_file = optarg;
			break;
		case 'b':
			backup = optarg;
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
	}
	if (argc - optind != 0 || key_file == NULL)
		return ctl_usage(c);
	if ((rc = need_node(c, false)) != EX_OK || (rc = no_daemon(c, "a promotion")) != EX_OK)
		return rc;
	if (site_key_read(key_file, seed, true, err, sizeof(err)) == -1 ||
	    site_key_public(seed, &pub, err, sizeof(err)) == -1) {
		ctl_errx("%s", err);
		explicit_bzero(seed, sizeof(seed));
		return EX_NOINPUT;
	}
	if (backup != NULL && backup_check(backup, &version, err, sizeof(err)) == -1) {
		ctl_errx("%s: refused, nothing changed", err);
		explicit_bzero(seed, sizeof(seed));
		return EX_DATAERR;
	}
	/* The epoch this node's copy had: the new one is above both it and
	 * the backup's, so that every replica takes the new history. */
	memset(&before, 0, sizeof(before));
	if (access(c->conf.database, F_OK) == 0) {
		if ((rc = ctl_store(c)) != EX_OK || site_acl_local(c->st, &before) == -1) {
			explicit_bzero(seed, sizeof(seed));
			return rc != EX_OK ? rc : ctl_store_error(c, "site promote");
		}
		store_close(c->st);
		c->st = NULL;
	}
	/* The store this node had is kept beside it: its own event log and
	 * visits go on in the restored one (store_site_keep_own). */
	keep[0] = '\0';
	if (backup != NULL && access(c->conf.database, F_OK) == 0) {
		backup_stamp(stamp, sizeof(stamp), time(NULL));
		snprintf(keep, sizeof(keep), "%s.pre-promote-%s", c->conf.database, stamp);
		if (backup_copy(c->conf.database, keep, BACKUP_MODE, err, sizeof(err)) == -1) {
			ctl_errx("keeping a copy of %s: %s; nothing changed", c->conf.database, err);
			explicit_bzero(seed, sizeof(seed));
			return EX_CANTCREAT;
		}
	}
	if (backup != NULL && backup_restore(backup, c->conf.database, err, sizeof(err)) == -1) {
		ctl_errx("restore failed: %s", err);
		explicit_bzero(seed, sizeof(seed));
		return EX_IOERR;
	}
	if (access(c->conf.site_key_file, F_OK) == -1) {
		if (site_key_write(c->conf.site_key_file, seed, 0600, err, sizeof(err)) == -1) {
			ctl_errx("%s", err);
			explicit_bzero(seed, sizeof(seed));
			return EX_CANTCREAT;
		}
		if ((rc = give(c->conf.site_key_file, true, 0600)) != EX_OK) {
			explicit_bzero(seed, sizeof(seed));
			return rc;
		}
	}
	explicit_bzero(seed, sizeof(seed));
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	if (site_acl_local(c->st, &after) == -1)
		return ctl_store_error(c, "site promote");
	if (keep[0] != '\0' && store_site_keep_own(c->st, keep, before.primary,
	    clock_wall_ms()) == -1)
		return ctl_store_error(c, "site promote (keeping this node's own events)");
	snprintf(v, sizeof(v), "%lld", (long long)((before.epoch > after.epoch ? before.epoch :
	    after.epoch) + 1));
	if (store_site_set_role(c->st, false, NULL) == -1 ||
	    store_meta_set(c->st, "acl_epoch", v) == -1)
		return ctl_store_error(c, "site promote");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "node", c->conf.site_node);
		cJSON_AddNumberToObject(j, "epoch", strtod(v, NULL));
		cJSON_AddStringToObject(j, "key_id", pub.id);
		if (backup != NULL)
			cJSON_AddStringToObject(j, "restored", backup);
		return ctl_json_print(c, j);
	}
	printf("%s is the primary of %s now, epoch %s (key id %s)%s%s\n", c->conf.site_node,
	    c->conf.site_name, v, pub.id, backup ? ", from " : "", backup ? backup : "");
	if (keep[0] != '\0')
		printf("its own events and visits go on from the store it had, kept as %s\n", keep);
	printf("start seuild; the replicas take this epoch's snapshot.  Give this node's broker "
	    "login the primary's topics (docs/site.md)\n");
	return EX_OK;
}

/* ---- show ---- */

int
ctl_site_show(struct ctl *c, int argc, char **argv)
{
	struct site_local l;
	char digest[65], primary[CONFIG_NAME_MAX + 1];
	bool replica;
	int64_t rev;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (store_site_role(c->st, &replica, primary, sizeof(primary)) == -1 ||
	    site_acl_local(c->st, &l) == -1 || site_acl_digest(c->st, digest) == -1)
		return ctl_store_error(c, "site show");
	rev = replica ? l.rev : store_acl_rev(c->st);
	if (rev < 0)
		return ctl_store_error(c, "site show");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "node", c->conf.site_node);
		cJSON_AddStringToObject(j, "role", replica ? "replica" : "primary");
		if (replica)
			cJSON_AddStringToObject(j, "primary", primary);
		cJSON_AddNumberToObject(j, "epoch", (double)l.epoch);
		cJSON_AddNumberToObject(j, "rev", (double)rev);
		render_json_time(j, "verified", replica ? l.verified_ms : 0);
		cJSON_AddStringToObject(j, "digest", digest);
		return ctl_json_print(c, j);
	}
	printf("node %s, %s%s%s, epoch %lld, revision %lld\n", c->conf.site_node[0] ?
	    c->conf.site_node : "(none: a single Pi)", replica ? "a replica of " : "the primary",
	    replica ? primary : "", "", (long long)l.epoch, (long long)rev);
	printf("members digest %s\n", digest);
	return EX_OK;
}
