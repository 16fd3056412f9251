/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The console's backups (docs/web.md, "Backups"): make one now (seuild
 * takes it, on a thread of its own, into [backup] dir: its unit may write
 * there, seuil-web's may not), list them, download one.  Restoring stays
 * a command-line step with seuild stopped (`seuilctl restore`): the page
 * says how.
 *
 * What is served: only the snapshots of [backup] dir, by a name that is
 * exactly a snapshot's (BACKUP_PREFIX, a UTC stamp, BACKUP_SUFFIX), opened
 * relative to the folder without following a link, and only a regular
 * file.  The keys beside them (uid.key and credentials.key, 0600) are
 * never listed nor served: seuil-web could not read them anyway, and its
 * unit makes the installed UID key inaccessible besides.  Snapshots are
 * 0640, group seuil, which seuil-web is in.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "control.h"
#include "render_json.h"
#include "web_api.h"

/* Taking a snapshot of a large store on an SD card takes a while. */
#define BACKUP_CALL_MS	(10 * 60 * 1000)

static int
newest_first(const void *a, const void *b)
{
	return -strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    *(cJSON *const *)a, "name")), cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)b, "name")));
}

/* The snapshots of dir, newest first: [{name, size, created}], or NULL
 * with errno. */
static cJSON *
list_snapshots(const char *dir)
{
	cJSON *items[1000], *a;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd, n = 0, i;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	while ((de = readdir(d)) != NULL && n < (int)(sizeof(items) / sizeof(items[0]))) {
		if (!backup_is_snapshot(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		items[n] = cJSON_CreateObject();
		cJSON_AddStringToObject(items[n], "name", de->d_name);
		cJSON_AddNumberToObject(items[n], "size", (double)sb.st_size);
		render_json_time(items[n], "created", (int64_t)sb.st_mtim.tv_sec * 1000);
		n++;
	}
	closedir(d);
	qsort(items, (size_t)n, sizeof(items[0]), newest_first);
	a = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, items[i]);
	return a;
}

/* {dir, keep, last, snapshots, error}: what System shows. */
void
api_backups(struct req *q, struct reply *r, char **p)
{
	const char *dir = q->w->conf.backup_dir;
	cJSON *j = cJSON_CreateObject(), *last, *list;

	(void)p;
	pthread_mutex_lock(&q->w->lock);
	last = render_backup_last(q->w->st);
	pthread_mutex_unlock(&q->w->lock);
	if (last == NULL) {
		cJSON_Delete(j);
		reply_error_code(r, 500, "database", NULL, "database error");
		return;
	}
	render_json_text(j, "dir", dir);
	cJSON_AddNumberToObject(j, "keep", q->w->conf.backup_keep);
	cJSON_AddItemToObject(j, "last", last);
	if (dir[0] == '\0') {
		cJSON_AddItemToObject(j, "snapshots", cJSON_CreateArray());
		cJSON_AddNullToObject(j, "error");
	} else if ((list = list_snapshots(dir)) == NULL) {
		/* Said, not failed: the page shows the last backup anyway. */
		char why[PATH_MAX + 128];

		snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
		cJSON_AddItemToObject(j, "snapshots", cJSON_CreateArray());
		cJSON_AddStringToObject(j, "error", why);
	} else {
		cJSON_AddItemToObject(j, "snapshots", list);
		cJSON_AddNullToObject(j, "error");
	}
	reply_json(r, 200, j);
}

/* A snapshot now, by seuild: 201 {name, file, removed} once it is written
 * and checked. */
void
api_backup_make(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	const char *file, *slash;
	cJSON *j;

	(void)p;
	control_req_init(&req, CONTROL_BACKUP);
	if ((j = api_call(q, r, &req, BACKUP_CALL_MS)) == NULL)
		return;
	file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "file"));
	slash = file != NULL ? strrchr(file, '/') : NULL;
	cJSON_AddStringToObject(j, "name", slash != NULL ? slash + 1 : file != NULL ? file : "");
	reply_json(r, 201, j);
}

void
api_backup_get(struct req *q, struct reply *r, char **p)
{
	const char *dir = q->w->conf.backup_dir;
	char cd[96];
	struct stat sb;
	bool denied;
	int dfd, fd;

	if (!backup_is_snapshot(p[0])) {
		reply_error_code(r, 404, "not_found", NULL, "no such backup");
		return;
	}
	if (dir[0] == '\0' || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		reply_error_code(r, 404, "not_found", NULL, "no such backup");
		return;
	}
	fd = openat(dfd, p[0], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	denied = fd == -1 && errno == EACCES;
	close(dfd);
	if (fd == -1 || fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		if (fd != -1)
			close(fd);
		if (denied)
			reply_error_code(r, 403, "permission", NULL, "seuil-web may not read this "
			    "backup (snapshots are 0640, group seuil)");
		else
			reply_error_code(r, 404, "not_found", NULL, "no such backup");
		return;
	}
	reply_file(r, "application/vnd.sqlite3", fd, (uint64_t)sb.st_size);
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", p[0]);
	reply_header(r, "Content-Disposition", cd);
}
