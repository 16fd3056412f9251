/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl web user add|passwd|del|list, web cert */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "ctl.h"
#include "manage.h"
#include "render_json.h"
#include "webuser.h"

/* One line from fd 0 into buf, without its newline: 0, or -1 at EOF. */
static int
read_line(char *buf, size_t len)
{
	size_t n = 0;
	char ch;
	ssize_t got;

	while ((got = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n')
		if (n + 1 < len)
			buf[n++] = ch;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return got <= 0 && n == 0 ? -1 : 0;
}

static int
prompt(const char *what, char *buf, size_t len)
{
	struct termios t, quiet;
	int rc;

	fprintf(stderr, "%s", what);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &t) == -1)
		return -1;
	quiet = t;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		return -1;
	rc = read_line(buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	return rc;
}

/*
 * The password: typed twice at a terminal with echo off, or one line of
 * standard input when it is not a terminal (scripts).  Never an argument:
 * arguments are visible to every user in ps.
 */
static int
read_password(char *pw, size_t len)
{
	char again[WEBUSER_PASS_MAX + 2];
	const char *weak;

	if (isatty(STDIN_FILENO)) {
		if (prompt("Password: ", pw, len) == -1 ||
		    prompt("Password again: ", again, sizeof(again)) == -1) {
			ctl_errx("no password read");
			return EX_DATAERR;
		}
		if (strcmp(pw, again) != 0) {
			explicit_bzero(again, sizeof(again));
			ctl_errx("the passwords differ");
			return EX_DATAERR;
		}
		explicit_bzero(again, sizeof(again));
	} else if (read_line(pw, len) == -1) {
		ctl_errx("no password on standard input");
		return EX_DATAERR;
	}
	if ((weak = webuser_weak(pw)) != NULL) {
		ctl_errx("%s", weak);
		return EX_DATAERR;
	}
	return EX_OK;
}

struct list_ctx {
	cJSON	*array;
};

static int
list_cb(const struct webuser *u, void *arg)
{
	struct list_ctx *x = arg;
	char t[32];

	if (x->array != NULL) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", u->name);
		cJSON_AddStringToObject(j, "role", webuser_role_name(u->role));
		render_json_time(j, "created", u->created_ms);
		cJSON_AddItemToArray(x->array, j);
		return 0;
	}
	ctl_format_time(u->created_ms, t, sizeof(t));
	printf("%-20s %-6s %s\n", u->name, webuser_role_name(u->role), t);
	return 0;
}

/* The change through seuild, or in the store when no daemon runs. */
static int
web_user_change(struct ctl *c, const struct control_req *req, enum webuser_role role)
{
	struct control_reply rep;
	struct manage_err err;
	int rc;

	if ((rc = ctl_change(c, req, &rep)) == EX_OK) {
		control_reply_free(&rep);
		return EX_OK;
	}
	if (rc != CTL_DIRECT || (rc = ctl_store(c)) != EX_OK)
		return rc;
	switch (req->cmd) {
	case CONTROL_WEB_USER_ADD:
		rc = webuser_add(c->st, req->user, role, req->hash, clock_wall_ms(), c->actor,
		    &err);
		break;
	case CONTROL_WEB_USER_PASSWD:
		rc = webuser_passwd(c->st, req->user, req->hash, c->actor, &err);
		break;
	case CONTROL_WEB_USER_ROLE:
		rc = webuser_set_role(c->st, req->user, role, c->actor, &err);
		break;
	default:
		rc = webuser_del(c->st, req->user, c->actor, &err);
		break;
	}
	return rc == -1 ? ctl_manage_error(&err) : EX_OK;
}

enum { OPT_ROLE = 256 };

int
ctl_web_user(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		CTL_COMMON_OPTS
	};
	enum webuser_role role = WEBUSER_DESK;
	bool role_given = false;
	char pw[WEBUSER_PASS_MAX + 2], hash[WEBUSER_HASH_MAX], err[512];
	const char *action, *name = NULL;
	struct control_req req;
	int ch, rc, want;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == OPT_ROLE) {
			if (webuser_role_parse(optarg, &role) == -1) {
				ctl_errx("bad role '%s' (admin or desk)", optarg);
				return EX_USAGE;
			}
			role_given = true;
		} else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind < 1)
		return ctl_usage(c);
	action = argv[optind];
	want = strcmp(action, "list") == 0 ? 1 : strcmp(action, "role") == 0 ? 3 : 2;
	if (argc - optind != want)
		return ctl_usage(c);
	if (strcmp(action, "list") != 0)
		name = argv[optind + 1];
	if (role_given && strcmp(action, "add") != 0) {
		ctl_errx("--role goes with add (to change a role: web user role NAME ROLE)");
		return ctl_usage(c);
	}

	if (strcmp(action, "list") == 0) {
		struct list_ctx x = { c->json ? cJSON_CreateArray() : NULL };

		if ((rc = ctl_store(c)) != EX_OK)
			return rc;
		if (!c->json)
			printf("%-20s %-6s %s\n", "NAME", "ROLE", "CREATED");
		if (webuser_list(c->st, list_cb, &x, err, sizeof(err)) == -1) {
			cJSON_Delete(x.array);
			ctl_errx("%s", err);
			return EX_IOERR;
		}
		return c->json ? ctl_json_print(c, x.array) : EX_OK;
	}
	if (strcmp(action, "add") == 0)
		control_req_init(&req, CONTROL_WEB_USER_ADD);
	else if (strcmp(action, "passwd") == 0)
		control_req_init(&req, CONTROL_WEB_USER_PASSWD);
	else if (strcmp(action, "role") == 0)
		control_req_init(&req, CONTROL_WEB_USER_ROLE);
	else if (strcmp(action, "del") == 0)
		control_req_init(&req, CONTROL_WEB_USER_DEL);
	else
		return ctl_usage(c);
	if (!webuser_valid_name(name)) {
		ctl_errx("bad console user name (1 to %d of A-Z a-z 0-9 _ . @ -)",
		    WEBUSER_NAME_MAX);
		return EX_DATAERR;
	}
	if (req.cmd == CONTROL_WEB_USER_ROLE &&
	    webuser_role_parse(argv[optind + 2], &role) == -1) {
		ctl_errx("bad role '%s' (admin or desk)", argv[optind + 2]);
		return EX_USAGE;
	}
	if (req.cmd == CONTROL_WEB_USER_ADD || req.cmd == CONTROL_WEB_USER_PASSWD) {
		/* Hashed here: the password never leaves this process, and
		 * seuild does not spend a tap's time on a slow hash. */
		rc = read_password(pw, sizeof(pw));
		if (rc == EX_OK && webuser_hash(pw, hash, err, sizeof(err)) == -1) {
			ctl_errx("%s", err);
			rc = EX_SOFTWARE;
		}
		explicit_bzero(pw, sizeof(pw));
		if (rc != EX_OK)
			return rc;
		req.hash = hash;
	}
	req.user = name;
	req.role = webuser_role_name(role);
	rc = web_user_change(c, &req, role);
	explicit_bzero(hash, sizeof(hash));
	if (rc != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", name);
		cJSON_AddStringToObject(j, "action", action);
		return ctl_json_print(c, j);
	}
	if (req.cmd == CONTROL_WEB_USER_ADD)
		printf("console user %s added (%s)\n", name, webuser_role_name(role));
	else if (req.cmd == CONTROL_WEB_USER_PASSWD)
		printf("password of %s changed\n", name);
	else if (req.cmd == CONTROL_WEB_USER_ROLE)
		printf("console user %s is now %s\n", name, webuser_role_name(role));
	else
		printf("console user %s deleted\n", name);
	return EX_OK;
}

/* ---- web cert ---- */

/* Create path for writing, never over an existing file or through a
 * symbolic link. */
static FILE *
create_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	FILE *f;

	if (fd == -1)
		return NULL;
	if (fchmod(fd, mode) == -1 || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return NULL;
	}
	return f;
}

/* Hand the key to seuil-web's user when run as root and it exists. */
static void
give_to_web_user(FILE *f)
{
	struct passwd *pw;

	if (geteuid() == 0 && (pw = getpwnam("seuil-web")) != NULL &&
	    fchown(fileno(f), pw->pw_uid, pw->pw_gid) == 0)
		return;
}

static X509 *
make_cert(EVP_PKEY *key, const char *host, int days)
{
	X509 *x = X509_new();
	X509_NAME *n;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	char san[300];
	unsigned char addr[16];
	bool ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	const char *exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature" },
		{ "extendedKeyUsage", "serverAuth" },
		{ "subjectAltName", san },
	};
	size_t i;

	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", host);
	if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	n = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)host, -1,
	    -1, 0) != 1 || X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"seuil console", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, n) != 1)
		goto fail;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if ((ext = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1])) == NULL)
			goto fail;
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

enum { OPT_DAYS = 300, OPT_HOST };

int
ctl_web_cert(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "host", required_argument, NULL, OPT_HOST },
		CTL_COMMON_OPTS
	};
	char certpath[PATH_MAX], keypath[PATH_MAX], dir[PATH_MAX], host[256] = "";
	unsigned char md[EVP_MAX_MD_SIZE];
	char fp[EVP_MAX_MD_SIZE * 3 + 1];
	unsigned int mdlen = 0, i;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	FILE *kf = NULL, *cf = NULL;
	int ch, rc, days = 825;
	char *end;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == OPT_DAYS) {
			days = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 3650) {
				ctl_errx("--days must be 1 to 3650");
				return EX_USAGE;
			}
		} else if (ch == OPT_HOST) {
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof(host) ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-:") != strlen(optarg)) {
				ctl_errx("bad --host (a host name or an IP address)");
				return EX_USAGE;
			}
			snprintf(host, sizeof(host), "%s", optarg);
		} else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc != optind)
		return ctl_usage(c);
	if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) == -1)
		snprintf(host, sizeof(host), "localhost");

	/* Where [web] says, else beside the configuration file. */
	snprintf(dir, sizeof(dir), "%s", c->conf_path);
	snprintf(certpath, sizeof(certpath), "%s", c->conf.web_tls_cert);
	snprintf(keypath, sizeof(keypath), "%s", c->conf.web_tls_key);
	if (certpath[0] == '\0')
		snprintf(certpath, sizeof(certpath), "%s/web.crt", dirname(dir));
	snprintf(dir, sizeof(dir), "%s", c->conf_path);
	if (keypath[0] == '\0')
		snprintf(keypath, sizeof(keypath), "%s/web.key", dirname(dir));

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = make_cert(key, host, days)) == NULL) {
		ctl_errx("cannot make the certificate (OpenSSL)");
		rc = EX_SOFTWARE;
		goto out;
	}
	if ((kf = create_file(keypath, 0600)) == NULL) {
		ctl_errx("%s: %s%s", keypath, strerror(errno), errno == EEXIST ?
		    " (remove the old key and certificate first)" : "");
		rc = EX_CANTCREAT;
		goto out;
	}
	give_to_web_user(kf);
	if (PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(kf) != 0 || fsync(fileno(kf)) == -1) {
		ctl_errx("%s: cannot write", keypath);
		fclose(kf);
		unlink(keypath);
		rc = EX_IOERR;
		goto out;
	}
	fclose(kf);
	if ((cf = create_file(certpath, 0644)) == NULL) {
		ctl_errx("%s: %s", certpath, strerror(errno));
		unlink(keypath);
		rc = EX_CANTCREAT;
		goto out;
	}
	if (PEM_write_X509(cf, x) != 1 || fflush(cf) != 0 || fsync(fileno(cf)) == -1) {
		ctl_errx("%s: cannot write", certpath);
		fclose(cf);
		unlink(certpath);
		unlink(keypath);
		rc = EX_IOERR;
		goto out;
	}
	fclose(cf);
	X509_digest(x, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, 4, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "cert", certpath);
		cJSON_AddStringToObject(j, "key", keypath);
		cJSON_AddStringToObject(j, "host", host);
		cJSON_AddNumberToObject(j, "days", days);
		cJSON_AddStringToObject(j, "sha256", fp);
		rc = ctl_json_print(c, j);
	} else {
		printf("certificate %s (for %s, %d days)\nkey         %s (0600)\n"
		    "SHA-256     %s\n", certpath, host, days, keypath, fp);
		if (c->conf.web_tls_cert[0] == '\0')
			printf("set tls_cert = %s and tls_key = %s in [web]\n", certpath, keypath);
		printf("check this fingerprint in the browser the first time you connect\n");
		rc = EX_OK;
	}
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
