/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The names a request's Host header may give.  A page on the LAN (or on
 * the Internet, seen from a browser on the LAN) can point a name of its
 * own at the console's address: DNS rebinding.  The browser then treats
 * the console as that page's own site and lets its scripts read the
 * answers; only the Host header tells, since it still carries the page's
 * name.  So a request whose Host is not one of the console's names is
 * answered 421 and nothing else.
 *
 * The names: [web] host_names when set, else localhost, the listen
 * address and the names in the certificate (its subjectAltName DNS names
 * and addresses, or its common name if it has none; a wildcard name is
 * not taken).  Listening on every address (0.0.0.0 or ::), any numeric
 * address is taken too: a page cannot rebind a numeric address, so a
 * Host that is one was typed by the person at the browser.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "web.h"

#define HOSTS_CAP	((int)(sizeof(((struct web_hosts *)0)->name) / \
			    sizeof(((struct web_hosts *)0)->name[0])))

static void
add(struct web_hosts *h, const char *s, size_t n)
{
	char name[CONFIG_HOST_NAME_MAX + 1];
	int i;

	if (h->n == HOSTS_CAP || config_host_name(s, n, name) == -1)
		return;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return;
	memcpy(h->name[h->n++], name, strlen(name) + 1);
}

/* The certificate's names: subjectAltName DNS names and addresses, or
 * the common name when it has none. */
static int
add_cert_names(struct web_hosts *h, const char *pem, const char *path, char *err,
    size_t errlen)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	GENERAL_NAMES *sans;
	const GENERAL_NAME *g;
	char addr[INET6_ADDRSTRLEN];
	const unsigned char *d;
	int i, len;

	BIO_free(b);
	if (x == NULL) {
		snprintf(err, errlen, "%s: no certificate in it", path);
		return -1;
	}
	if ((sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) != NULL) {
		for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
			g = sk_GENERAL_NAME_value(sans, i);
			d = ASN1_STRING_get0_data(g->d.ia5);
			len = ASN1_STRING_length(g->d.ia5);
			if (g->type == GEN_DNS && len > 0)
				add(h, (const char *)d, (size_t)len);
			else if (g->type == GEN_IPADD && (len == 4 || len == 16) &&
			    inet_ntop(len == 4 ? AF_INET : AF_INET6, d, addr, sizeof(addr)))
				add(h, addr, strlen(addr));
		}
		GENERAL_NAMES_free(sans);
	} else {
		char cn[CONFIG_HOST_NAME_MAX + 1];

		len = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
		    sizeof(cn));
		if (len > 0)
			add(h, cn, strlen(cn));
	}
	X509_free(x);
	return 0;
}

int
hosts_init(struct web_hosts *h, const struct config *conf, const char *cert_pem, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN], bad[80];
	int n;

	memset(h, 0, sizeof(*h));
	if (conf->web_host_names[0] != '\0') {
		if ((n = config_host_names(conf->web_host_names, h->name,
		    CONFIG_HOST_NAMES_MAX, bad, sizeof(bad))) == -1) {
			snprintf(err, errlen, "host_names: %s", bad);
			return -1;
		}
		h->n = n;
		return 0;
	}
	add(h, "localhost", 9);
	if (config_web_addr(conf->web_listen, &ss) == 0) {
		const void *a = ss.ss_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY) :
		    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
			h->any_address = true;
		else if (inet_ntop(ss.ss_family, a, addr, sizeof(addr)) != NULL)
			add(h, addr, strlen(addr));
	}
	if (cert_pem != NULL && add_cert_names(h, cert_pem, conf->web_tls_cert, err,
	    errlen) == -1)
		return -1;
	return 0;
}

bool
hosts_allowed(const struct web_hosts *h, const char *host)
{
	char name[CONFIG_HOST_NAME_MAX + 1];
	unsigned char a[sizeof(struct in6_addr)];
	const char *end, *port;
	size_t n;
	int i;

	if (host == NULL)
		return false;
	/* "name", "name:port", "[v6]" or "[v6]:port" */
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return false;
		port = end + 1;
		n = (size_t)(port - host);
	} else {
		port = host + strcspn(host, ":");
		n = (size_t)(port - host);
	}
	if (*port == ':' && (port[1] == '\0' || strlen(port + 1) > 5 ||
	    strspn(port + 1, "0123456789") != strlen(port + 1)))
		return false;
	if ((*port != ':' && *port != '\0') || config_host_name(host, n, name) == -1)
		return false;
	if (h->any_address && (inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1))
		return true;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return true;
	return false;
}
