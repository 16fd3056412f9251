/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site's journal (docs/site.md): each node sends its events, whole, to
 * the primary on its private topic B/node/<node>/journal, one row a
 * message; the primary stores each once per (node, seq) and answers with a
 * signed, retained acknowledgement on B/to/<node>/journal/ack, the highest
 * seq it holds with every one before it.  A node resends from that
 * acknowledgement, never from the broker's PUBACK: a broker that crashes
 * after acknowledging loses what it held.
 *
 * A row carries "prev", the seq of the node's event before it (or the
 * acknowledgement it follows, when the events between were purged): the
 * primary takes a row only when prev is what it holds of the node, so
 * the site's copy of a node is always its whole log up to a point, in its
 * order.
 */
#ifndef SEUIL_SITE_JOURNAL_H
#define SEUIL_SITE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define JOURNAL_MSG_MAX	4096	/* a row larger is refused unread */

/* One row as it travels: the node, the seq before it, the event. */
struct journal_row {
	char			node[CONFIG_NAME_MAX + 1];
	int64_t			prev;
	struct event_row	ev;
};

/* The body of ev of node, which follows prev (malloc'd text, NULL when out
 * of memory). */
char *site_journal_encode(const char *node, int64_t prev, const struct event_row *ev);
/* Read a body: every field of its type and size, a known event type,
 * printable text, 0 <= prev < seq.  0, or -1 with why. */
int site_journal_parse(const char *body, size_t len, struct journal_row *r, char *why,
    size_t whylen);

/* The acknowledgement of node up to seq (malloc'd), and reading one for
 * node: 0 with *seq, or -1. */
char *site_journal_ack(const char *node, int64_t seq);
int site_journal_ack_parse(const char *body, size_t len, const char *node, int64_t *seq);

#endif
