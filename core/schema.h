/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store's schema: the numbered migrations that build it, and the check
 * that a file holds exactly the schema they build, nothing more.
 *
 * Every table, index, view and trigger of every feature is created by a
 * migration here, for every store.  A database file may come from outside
 * the Pi's protection (a backup on a USB stick, a share), and SQLite runs
 * whatever triggers and views a file carries inside the program that opens
 * it; so a file whose schema is not exactly that of its version is refused,
 * at restore and each time a program opens the store (docs/security.md).
 */
#ifndef SEUIL_SCHEMA_H
#define SEUIL_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* The error a replica's store raises for a write to the member data
 * (schema.c says when); the store reports it as STORE_EREPLICA. */
#define SCHEMA_REPLICA_REFUSAL	"seuil: this store is a replica"

/* The newest schema version, the one this program writes. */
int schema_latest(void);

/* The SQL that takes the schema from version `from` to from + 1, for
 * 0 <= from < schema_latest(); NULL otherwise.  Static text. */
const char *schema_migration(int from);

/*
 * Compare the main schema of db with the one the migrations build for
 * version (0..schema_latest(); 0 is an empty file): the same tables, indexes, views and
 * triggers, by name and by their exact SQL, and nothing else.  0 if they
 * are the same; -1 with the first difference in err ("unexpected trigger
 * 'x' on 'badges'") otherwise, or when the schema cannot be read.  db is
 * only read; open it with trusted_schema off.
 */
int schema_verify(sqlite3 *db, int version, char *err, size_t errlen);

#endif
