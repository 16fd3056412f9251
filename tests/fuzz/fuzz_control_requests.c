/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild's own control requests (daemon/control_requests.c): what a local
 * process in the read or operate group, or in neither, may ask of the
 * daemon.  The target builds a whole seuild once, as main() does (the real
 * seuild.c is compiled in, its main renamed): a config file with a sim
 * door, a door reader and a desk reader that enrols, a real store on a
 * temporary file with members, the UID key, presence, and the real control
 * server on a real socket.  The writer is the inline one (writer.h: jobs
 * run at submission, in order), so every request is finished when it
 * returns and an input replays the same way.  Reader children are never
 * started (readers_tick is not called).
 *
 * An input is records separated by '\n'.  A record's first byte says who
 * sends the rest ((byte - '0') % 6, so that seeds read as text): 0 a user
 * in no group, 1 one in read_group, 2 one in operate_group, 3 root, 5 one
 * in admin_group, each as a message on the socket; 4 a tap: the next byte
 * picks the reader in the same way (0 front-in, 1 desk), the rest is the
 * UID text (enrolment by tap completes through it).  The real server reads
 * and decodes the message; the owner's callbacks are seuild's, called with
 * the chosen peer in place of the socket's (the fuzzer runs as one user;
 * the roles come from the peer).
 *
 * Oracle:
 * - no crash, no leak, no undefined behaviour (ASan+UBSan);
 * - a request beyond the sender's role (docs/security.md: status needs
 *   read_group; checkout, door_unlock, door_lock, enrol, badge_wipe, reload,
 *   guest_add, guest_lend, guest_end and member_invite operate_group;
 *   every change to the store admin_group; root may do all) gets ok:false
 *   and changes nothing: same configuration, doors, presence, enrolment,
 *   members, badges and visits; exactly one new event, a control_refused;
 * - status from the read role changes nothing and writes no event;
 * - every reply, immediate or deferred, is a JSON object with a boolean
 *   "ok", and a string "error" when ok is false.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fuzz.h"

/* The real daemon: its start, event path and reload, with main renamed so
 * that libFuzzer's main is the program's. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"
#define main seuild_main
#include "../../daemon/seuild.c"
#undef main
#pragma clang diagnostic pop

enum who { WHO_NONE, WHO_READ, WHO_OPERATE, WHO_ROOT, WHO_TAP, WHO_ADMIN };

static struct daemon dm;
static struct daemon *const d = &dm;
static sqlite3 *look;			/* the oracle's own read connection */
static char sock_path[PATH_MAX];
static struct control_peer peer;	/* the sender of the current record */
static enum who sender;
static int calls;			/* handler calls */
static bool refused_expected;
static bool handler_ok, handler_replied;
static bool verbose;

/* Who may do what, from docs/security.md (not from the daemon's table):
 * 1 read, 2 operate, 3 admin. */
static int
needs(enum control_cmd cmd)
{
	switch (cmd) {
	case CONTROL_STATUS:
		return 1;
	case CONTROL_CHECKOUT:
	case CONTROL_DOOR_UNLOCK:
	case CONTROL_ENROL:
	case CONTROL_RELOAD:
	case CONTROL_BADGE_WIPE:
	case CONTROL_DOOR_LOCK:
	case CONTROL_GUEST_ADD:
	case CONTROL_GUEST_LEND:
	case CONTROL_GUEST_END:
	case CONTROL_MEMBER_INVITE:
		return 2;
	default:
		return 3;
	}
}

static int
has(enum who w)
{
	return w == WHO_ROOT || w == WHO_ADMIN ? 3 : w == WHO_OPERATE ? 2 :
	    w == WHO_READ ? 1 : 0;
}

/* The server asks this first, once the command is known. */
static cJSON *
refuse(void *arg, enum control_cmd cmd, const struct control_peer *real)
{
	cJSON *r;

	(void)real;
	calls++;
	refused_expected = has(sender) < needs(cmd);
	r = daemon_control_refuse(arg, cmd, &peer);
	FUZZ_ASSERT((r != NULL) == refused_expected);
	if (r != NULL)
		handler_replied = true;
	return r;
}

static cJSON *
handler(void *arg, int client, struct control_req *req, const struct control_peer *real)
{
	cJSON *r;

	(void)real;
	FUZZ_ASSERT(!refused_expected);
	r = daemon_control(arg, client, req, &peer);
	handler_replied = r != NULL;
	handler_ok = r != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
	return r;
}

static bool
privileged(void *arg, const struct control_peer *real)
{
	(void)real;
	return daemon_control_privileged(arg, &peer);
}

static int64_t
count(const char *sql, int64_t arg)
{
	sqlite3_stmt *s;
	int64_t n = -1;

	FUZZ_ASSERT(sqlite3_prepare_v2(look, sql, -1, &s, NULL) == SQLITE_OK);
	sqlite3_bind_int64(s, 1, arg);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	FUZZ_ASSERT(n >= 0);
	return n;
}

/* What a refused request must leave as it was. */
struct snap {
	const struct config *conf;
	bool	relay[CONFIG_MAX_DOORS];
	int	state[CONFIG_MAX_DOORS];
	int	present;
	struct enrolment enrol;
	int64_t	members, badges, visits, open, seq;
};

static void
snap(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->conf = d->conf;
	for (int i = 0; i < d->conf->ndoors; i++) {
		s->relay[i] = door_relay_on(d->doors[i]);
		s->state[i] = (int)door_get_state(d->doors[i]);
	}
	s->present = presence_count(d->presence);
	s->enrol = d->enrol;
	s->members = count("SELECT count(*) + ifnull(sum(status = 'active'), 0) * 1000 + "
	    "ifnull(sum(erased IS NOT NULL), 0) * 1000000 FROM members WHERE ?1 = ?1", 0);
	s->badges = count("SELECT count(*) + ifnull(sum(status = 'active'), 0) * 1000000 "
	    "FROM badges WHERE ?1 = ?1", 0);
	s->visits = count("SELECT count(*) FROM visits WHERE ?1 = ?1", 0);
	s->open = count("SELECT count(*) FROM visits WHERE left_ts IS NULL AND ?1 = ?1", 0);
	s->seq = count("SELECT ifnull(max(seq), 0) FROM events WHERE ?1 = ?1", 0);
}

static void
same_but_refusal(const struct snap *a, const struct snap *b)
{
	FUZZ_ASSERT(a->conf == b->conf);
	for (int i = 0; i < d->conf->ndoors; i++) {
		FUZZ_ASSERT(a->relay[i] == b->relay[i]);
		FUZZ_ASSERT(a->state[i] == b->state[i]);
	}
	FUZZ_ASSERT(a->present == b->present);
	FUZZ_ASSERT(a->enrol.active == b->enrol.active &&
	    a->enrol.client == b->enrol.client && a->enrol.member_id == b->enrol.member_id &&
	    a->enrol.reader_index == b->enrol.reader_index &&
	    a->enrol.deadline == b->enrol.deadline);
	FUZZ_ASSERT(a->members == b->members && a->badges == b->badges);
	FUZZ_ASSERT(a->visits == b->visits && a->open == b->open);
}

/* Every reply waiting on the client's socket is well formed. */
static void
replies(int fd)
{
	char buf[CONTROL_MSG_MAX + 1];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		cJSON *r, *ok, *e;

		buf[n] = '\0';
		if (verbose)	/* FUZZ_VERBOSE=1: each reply, to read a run */
			fprintf(stderr, "reply (sender %d): %s\n", (int)sender, buf);
		r = cJSON_Parse(buf);
		FUZZ_ASSERT(cJSON_IsObject(r));
		ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
		FUZZ_ASSERT(cJSON_IsBool(ok));
		if (cJSON_IsFalse(ok)) {
			e = cJSON_GetObjectItemCaseSensitive(r, "error");
			FUZZ_ASSERT(cJSON_IsString(e) && e->valuestring[0] != '\0');
		}
		cJSON_Delete(r);
	}
}

/* Turn the server until it has nothing more to do with this message. */
static void
serve(void)
{
	struct pollfd pfds[CONTROL_MAX_CLIENTS + 1];
	int n;

	for (int i = 0; i < 8; i++) {
		n = control_pollfds(d->control, pfds, CONTROL_MAX_CLIENTS + 1);
		if (poll(pfds, (nfds_t)n, i == 0 ? 100 : 0) <= 0)
			break;
		control_handle(d->control, pfds, n, clock_mono_ms());
	}
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	FUZZ_ASSERT(f != NULL);
	fputs(text, f);
	FUZZ_ASSERT(fclose(f) == 0);
}

static void
add_member(const char *name, bool active)
{
	struct member_row m;

	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.active = active;
	FUZZ_ASSERT(store_member_add(d->st, &m, clock_wall_ms()) > 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct control_owner owner = { refuse, handler, privileged, &dm };
	char path[PATH_MAX], text[4096], err[512], acl_err[256];
	const char *dir;
	struct presence_hooks ph = { daemon_event_append, daemon_presence_changed,
	    daemon_checked_out, d };

	(void)argc;
	(void)argv;
	/* Commits are fsynced: a tmpfs keeps the fuzzer fast. */
	if (getenv("TMPDIR") == NULL && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	dir = fuzz_tmpdir();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	log_init("seuild", 1, 0);
	/* The sim door's files (relay.log, inputs) sit directly in dir, which
	 * fuzz_tmpdir cleans. */
	snprintf(text, sizeof(text),
	    "[site]\nname = fuzz\ntimezone = Europe/Paris\n\n"
	    "[store]\ndatabase = %s/seuil.db\nuid_key_file = %s/uid.key\n\n"
	    "[door.front]\ngpio = sim\nsim_dir = %s\nunlock_time = 1s\n\n"
	    "[reader.front-in]\ndriver = sim\nsim_fifo = %s/front-in.fifo\ndoor = front\n"
	    "direction = in\n\n"
	    "[reader.desk]\ndriver = sim\nsim_fifo = %s/desk.fifo\nenrol = true\n\n"
	    "[guests]\nsponsor_groups = members\n\n"
	    "[mqtt]\nenabled = false\n\n"
	    "[control]\nsocket = %s/control.sock\nread_group = daemon\noperate_group = bin\n"
	    "admin_group = sys\n",
	    dir, dir, dir, dir, dir, dir);
	snprintf(path, sizeof(path), "%s/seuild.conf", dir);
	write_file(path, text);

	memset(d, 0, sizeof(*d));
	d->sigfd = -1;
	FUZZ_ASSERT((d->conf = malloc(sizeof(*d->conf))) != NULL);
	FUZZ_ASSERT(config_load(path, d->conf, stderr) == 0);
	for (int i = 0; i < CONFIG_MAX_READERS; i++)
		lockout_init(&d->lockouts[i]);
	if (daemon_doors_up(d, err, sizeof(err)) == -1 ||
	    daemon_feedback_up(d, err, sizeof(err)) == -1 ||
	    tz_set(d->conf->timezone, err, sizeof(err)) == -1 ||
	    uid_key_create(d->conf->uid_key_file, err, sizeof(err)) == -1 ||
	    uid_key_load(d->conf->uid_key_file, d->key, err, sizeof(err)) == -1 ||
	    (d->st = store_open(d->conf->database, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	FUZZ_ASSERT((d->wconf = malloc(sizeof(*d->wconf))) != NULL);
	memcpy(d->wconf, d->conf, sizeof(*d->conf));
	FUZZ_ASSERT((d->writer = writer_new_inline(d->st)) != NULL);
	add_member("alice", true);	/* member 1 */
	add_member("bob", true);	/* member 2 */
	add_member("carol", false);	/* member 3, disabled */
	d->started_mono = clock_mono_ms();
	d->next_purge = d->started_mono + PURGE_EVERY_MS;
	if (daemon_io_up(d, err, sizeof(err)) == -1 ||
	    (d->control = control_open(d->conf->control_socket, (gid_t)-1, NULL, 0, &owner,
	    acl_err, sizeof(acl_err), err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	snprintf(sock_path, sizeof(sock_path), "%s", d->conf->control_socket);
	FUZZ_ASSERT((d->presence = presence_new(d->conf, d->st, d->writer, &ph)) != NULL);
	FUZZ_ASSERT(presence_load(d->presence, clock_wall_ms()) == 0);
	daemon_presence_changed(d);
	FUZZ_ASSERT(sqlite3_open_v2(d->conf->database, &look, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK);
	return 0;
}

static void
set_peer(enum who w)
{
	memset(&peer, 0, sizeof(peer));
	peer.uid = w == WHO_ROOT ? 0 : 4242;
	peer.gid = w == WHO_ROOT ? 0 : 4242;
	if (w == WHO_READ)
		peer.groups[peer.ngroups++] = daemon_group_gid("daemon");
	if (w == WHO_OPERATE)
		peer.groups[peer.ngroups++] = daemon_group_gid("bin");
	if (w == WHO_ADMIN)
		peer.groups[peer.ngroups++] = daemon_group_gid("sys");
}

static void
request(int fd, const char *msg, size_t len)
{
	struct snap before, after;
	int was = calls;

	snap(&before);
	handler_replied = handler_ok = refused_expected = false;
	if (send(fd, msg, len, MSG_NOSIGNAL) == -1)
		return;
	serve();
	replies(fd);
	if (calls == was)	/* not a request the server passes on */
		return;
	snap(&after);
	if (refused_expected) {
		same_but_refusal(&before, &after);
		FUZZ_ASSERT(after.seq == before.seq + 1);
		FUZZ_ASSERT(count("SELECT count(*) FROM events WHERE seq = ?1 AND "
		    "type = 'control_refused' AND actor IS NOT NULL", after.seq) == 1);
	} else if (sender == WHO_READ) {	/* status */
		FUZZ_ASSERT(handler_replied && handler_ok);
		same_but_refusal(&before, &after);
		FUZZ_ASSERT(after.seq == before.seq);
	}
}

static void
tap(const char *rec, size_t len)
{
	struct reader_tap t = { .id = 1 };
	char text[64], why[128];

	if (len < 1 || len - 1 >= sizeof(text))
		return;
	memcpy(text, rec + 1, len - 1);
	text[len - 1] = '\0';
	if (uid_parse(text, &t.uid, why, sizeof(why)) == -1)
		return;
	daemon_tap(d, (unsigned char)(rec[0] - '0') % d->conf->nreaders, &t);
	uid_wipe(&t.uid);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *p = (const char *)data, *end = p + size, *nl;
	int fd;

	FUZZ_ASSERT((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) != -1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	FUZZ_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	serve();	/* accept */
	while (p < end) {
		size_t len;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - p);
		if (len > 0) {
			sender = (enum who)((unsigned char)(p[0] - '0') % 6);
			if (sender == WHO_TAP) {
				tap(p + 1, len - 1);
			} else if (len > 1) {
				set_peer(sender);
				request(fd, p + 1, len - 1);
			}
		}
		p += len + 1;
	}
	close(fd);
	serve();	/* the server sees the client go */
	/* The next input starts from the same daemon: no enrolment waiting,
	 * doors locked (a deferred enrolment's client is gone anyway). */
	if (d->enrol.active) {
		daemon_feedback_enrol_end(d);
		d->enrol.active = false;
	}
	for (int i = 0; i < d->conf->ndoors; i++)
		door_lock(d->doors[i], clock_mono_ms());
	return 0;
}
