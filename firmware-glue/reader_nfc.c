/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The libnfc reader backend: a PN532 (UART, I2C, SPI), an ACR122U, or any
 * device libnfc 1.8 drives, named by reader_conf.connstring.
 *
 * This runs only in a reader child (daemon/readers.c).  libnfc calls block,
 * and some never return when the hardware misbehaves (an unplugged SPI
 * PN532 kept nfc-poll busy for minutes), so nothing here tries to be
 * clever about hangs: every call we make is a short bounded one, and a
 * child that stops sending heartbeats is killed and respawned by its
 * parent.  What we do guarantee is that a healthy device never keeps
 * reader_wait() much beyond its timeout.
 *
 * Waiting for a card: on a PN532 (pn532_uart, pn532_i2c, pn532_spi) one
 * short select (300 ms chip timeout, which also proves the chip is alive),
 * then InAutoPoll (nfc_initiator_poll_target) for up to 600 ms (whole
 * 150 ms units), again until the wait is over: the chip holds the command until a card enters its
 * field and answers at once, so a card that arrives is reported after its
 * own frames, not after a pacing sleep, and an idle reader costs two
 * frames per 600 ms instead of ten selects a second.  InAutoPoll has no
 * libnfc timeout, so a watchdog timer (a POSIX timer whose signal handler
 * calls nfc_abort_command) ends one the chip never answers, and jumps out
 * of libnfc if the chip never even acknowledged the command (libnfc waits
 * for that ACK without a deadline and no abort reaches it); and the
 * caller's signals are held while libnfc waits (libnfc restarts its reads
 * after a signal, which would lose it) and delivered once it returns, so a
 * stop still ends the wait.  Other devices (an ACR122U, whose libnfc poll
 * is a select-and-sleep loop) keep single-shot selects, paced.
 *
 * A card resting on the reader is one tap: after READER_TAP we only ask
 * libnfc whether that target is still present, and report READER_GONE
 * when it is not; only then may the next select tap again.
 *
 * A tap says whether the card speaks ISO 14443-4 (SAK bit 0x20 and an
 * ATS), the only cards that may hold a DESFire credential; the reader
 * child then passes the parent's APDUs to it (reader_transceive:
 * nfc_initiator_transceive_bytes, under the same watchdog as InAutoPoll)
 * while the card stays selected.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nfc/nfc.h>

#include "reader_backend.h"

/*
 * One select or presence check per period.  A real PN532 paces itself
 * (a few ms a frame, tens of ms for an empty select); an emulator or a
 * fast USB reader answers in microseconds, and without this we would spin
 * a core.  100 ms keeps a tap well under the "strike within a second"
 * budget (docs/design.md, Priorities).
 */
#define POLL_PERIOD_MS		100

/* A chip that misses its deadline twice in a row is hung or gone. */
#define MAX_TIMEOUTS		2

/* InAutoPoll counts in units of Period x 150 ms (Period = 1 here); a
 * PN532 answers within this much of the end of its polls, or is hung. */
#define AUTOPOLL_UNIT_MS	150
#define AUTOPOLL_SLACK_MS	350
#define AUTOPOLL_MAX_UNITS	4

/* The two waits above, which a fuzz target shortens (reader_nfc_timing). */
static struct {
	int	poll_period_ms;
	int	autopoll_slack_ms;
} timing = { POLL_PERIOD_MS, AUTOPOLL_SLACK_MS };

void
reader_nfc_timing(int poll_period_ms, int autopoll_slack_ms)
{
	timing.poll_period_ms = poll_period_ms > 0 ? poll_period_ms : POLL_PERIOD_MS;
	timing.autopoll_slack_ms = autopoll_slack_ms > 0 ? autopoll_slack_ms :
	    AUTOPOLL_SLACK_MS;
}

struct reader_nfc {
	struct reader	 base;		/* first: reader.c dispatches on it */
	nfc_context	*ctx;
	nfc_device	*dev;
	nfc_target	 target;	/* the card in the field, if present */
	bool		 present;
	bool		 autopoll;	/* a PN532: wait for cards with InAutoPoll */
	bool		 have_timer;
	bool		 hung;		/* the watchdog ended a transceive */
	timer_t		 watchdog;	/* ends an InAutoPoll the chip never answers */
	int		 timeouts;	/* consecutive NFC_ETIMEOUT */
	char		 name[CONFIG_NAME_MAX + 1];
};

static const nfc_modulation mod_iso14443a = {
	.nmt = NMT_ISO14443A,
	.nbr = NBR_106,
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The device whose InAutoPoll the watchdog may abort: one reader per
 * child, and set only around that call. */
static nfc_device *volatile watchdog_dev;
static volatile sig_atomic_t watchdog_fired;
static sigjmp_buf watchdog_jmp;

#define WATCHDOG_SIGNAL	(SIGRTMIN + 1)
#ifndef sigev_notify_thread_id		/* glibc 2.36 has the field, not the name */
#define sigev_notify_thread_id	_sigev_un._tid
#endif

/*
 * First firing: abort the command the chip holds (nfc_abort_command does
 * close + pipe, both async-signal-safe), and the call returns
 * NFC_EOPABORTED.  A second firing means libnfc is not waiting where an
 * abort reaches: a chip gone silent before it acknowledged the command,
 * which libnfc waits for without a deadline.  Jump out; the device is then
 * in an unknown state and the reader fails (closed and reopened).
 */
static void
watchdog_on_alarm(int sig)
{
	nfc_device *dev = watchdog_dev;

	(void)sig;
	if (dev == NULL)
		return;
	if (!watchdog_fired) {
		watchdog_fired = 1;
		nfc_abort_command(dev);
	} else {
		watchdog_dev = NULL;
		siglongjmp(watchdog_jmp, 1);
	}
}

/* Returns -1 if a signal cut the sleep short: the reader child's SIGTERM
 * handler relies on that to leave reader_wait() early.  (libnfc's own
 * reads restart after a signal, but they are bounded by its timeouts.) */
static int
sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	return nanosleep(&ts, NULL) == -1 && errno == EINTR ? -1 : 0;
}

/* libnfc 1.8 has no strerror for a bare code, and nfc_strerror() reads the
 * device's last error, which some paths reset. */
static const char *
nfc_errname(int res)
{
	switch (res) {
	case NFC_EIO:		return "input/output error";
	case NFC_EINVARG:	return "invalid argument";
	case NFC_EDEVNOTSUPP:	return "operation not supported by device";
	case NFC_ENOTSUCHDEV:	return "no such device";
	case NFC_EOVFLOW:	return "buffer overflow";
	case NFC_ETIMEOUT:	return "timeout";
	case NFC_EOPABORTED:	return "operation aborted";
	case NFC_ENOTIMPL:	return "not implemented";
	case NFC_ETGRELEASED:	return "target released";
	case NFC_ERFTRANS:	return "RF transmission error";
	case NFC_EMFCAUTHFAIL:	return "MIFARE authentication failed";
	case NFC_ESOFT:		return "software error";
	case NFC_ECHIP:		return "device's internal chip error";
	default:		return "unknown error";
	}
}

/*
 * Decide what a libnfc error means.  A timeout can be one lost frame on a
 * noisy UART, so the first is forgiven; the second in a row, and every
 * other error, fails the reader: the child exits and the supervisor opens
 * the device again, which is the only recovery libnfc offers.
 * Returns 0 (carry on) or -1 (err filled).
 */
static int
reader_nfc_failed(struct reader_nfc *r, int res, const char *what, char *err, size_t errlen)
{
	if (res == NFC_ETIMEOUT && ++r->timeouts < MAX_TIMEOUTS)
		return 0;
	snprintf(err, errlen, "reader %s: %s: %s (%d)", r->name, what,
	    nfc_errname(res), res);
	return -1;
}

static void
reader_nfc_forget(struct reader_nfc *r)
{
	/* The UID is a credential: do not leave it lying in memory. */
	explicit_bzero(&r->target, sizeof(r->target));
	r->present = false;
}

/*
 * Whether the chip said it reads ISO14443A cards.  libnfc's pn532_uart open
 * ignores a GetFirmwareVersion answer it cannot decode (pn53x_init's
 * result is dropped) and returns a device that knows no modulation at all,
 * whose first select then fails an assertion inside libnfc and aborts the
 * process: a broken or hostile chip must be refused here, with a reason.
 */
static bool
reader_nfc_reads_14443a(nfc_device *dev)
{
	const nfc_modulation_type *nmt = NULL;

	if (nfc_device_get_supported_modulation(dev, N_INITIATOR, &nmt) < 0 || nmt == NULL)
		return false;
	for (int i = 0; nmt[i] != 0; i++)
		if (nmt[i] == NMT_ISO14443A)
			return true;
	return false;
}

static struct reader *
reader_nfc_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	struct reader_nfc *r;
	nfc_connstring connstring;	/* libnfc reads sizeof(nfc_connstring) */
	int res;

	if (conf->connstring[0] == '\0') {
		snprintf(err, errlen, "reader %s: no connstring", conf->name);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "reader %s: %s", conf->name, strerror(errno));
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", conf->name);

	nfc_init(&r->ctx);
	if (r->ctx == NULL) {
		snprintf(err, errlen, "reader %s: cannot initialise libnfc", r->name);
		goto fail;
	}
	/* Always the connstring: libnfc's autoscan probes serial ports by
	 * writing to them, and never looks at ptys anyway. */
	memset(connstring, 0, sizeof(connstring));
	snprintf(connstring, sizeof(connstring), "%s", conf->connstring);
	if ((r->dev = nfc_open(r->ctx, connstring)) == NULL) {
		snprintf(err, errlen, "reader %s: cannot open %s", r->name,
		    conf->connstring);
		goto fail;
	}
	if (!reader_nfc_reads_14443a(r->dev)) {
		snprintf(err, errlen, "reader %s: %s does not say it reads ISO14443A cards "
		    "(a bad answer to GetFirmwareVersion?)", r->name, conf->connstring);
		goto fail;
	}
	if ((res = nfc_initiator_init(r->dev)) < 0) {
		snprintf(err, errlen, "reader %s: initiator init: %s (%d)",
		    r->name, nfc_errname(res), res);
		goto fail;
	}
	/* nfc_initiator_init() leaves infinite select on, which makes a
	 * select wait for a card for ever; we want one short try. */
	if ((res = nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, false)) < 0 ||
	    (res = nfc_device_set_property_bool(r->dev, NP_ACTIVATE_FIELD, true)) < 0) {
		snprintf(err, errlen, "reader %s: set properties: %s (%d)",
		    r->name, nfc_errname(res), res);
		goto fail;
	}
	/* Before the sandbox: the timer is created here, only armed later. */
	if (strncmp(conf->connstring, "pn532_", 6) == 0) {
		struct sigevent sev;
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = watchdog_on_alarm;
		sigemptyset(&sa.sa_mask);
		/* To this thread: the handler may jump back into this thread's
		 * stack, which another thread of the process (in a test or a
		 * fuzz target; the child has none) must never do. */
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = WATCHDOG_SIGNAL;
		sev.sigev_notify_thread_id = gettid();
		if (sigaction(WATCHDOG_SIGNAL, &sa, NULL) == 0 &&
		    timer_create(CLOCK_MONOTONIC, &sev, &r->watchdog) == 0) {
			r->have_timer = true;
			r->autopoll = true;
		}
	}
	return &r->base;

fail:
	if (r->dev != NULL)
		nfc_close(r->dev);
	if (r->ctx != NULL)
		nfc_exit(r->ctx);
	free(r);
	return NULL;
}

/*
 * A target was found (by a select or by the chip's autopoll): a tap when it
 * is an ISO14443A card with a 4-, 7- or 10-byte UID, kept as the target
 * whose presence is then checked; anything else is left alone.  Returns 1
 * with the tap in *ev, or 0.  The caller's copy of the target is wiped.
 */
static int
reader_nfc_found(struct reader_nfc *r, nfc_target *nt, struct reader_event *ev)
{
	size_t len = nt->nti.nai.szUidLen;

	if (nt->nm.nmt != NMT_ISO14443A || (len != 4 && len != 7 && len != 10)) {
		explicit_bzero(nt, sizeof(*nt));
		return 0;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = READER_TAP;
	ev->uid.len = (uint8_t)len;
	memcpy(ev->uid.bytes, nt->nti.nai.abtUid, len);
	/* A clone that copies a DESFire card's UID answers as MIFARE
	 * Classic (SAK 08, no ATS): it is never ISO 14443-4. */
	ev->card = (nt->nti.nai.btSak & 0x20) && nt->nti.nai.szAtsLen > 0 ?
	    READER_CARD_ISO14443_4 : READER_CARD_OTHER;
	r->target = *nt;
	r->present = true;
	explicit_bzero(nt, sizeof(*nt));
	return 1;
}

/* One select.  Returns 1 with a tap in *ev, 0 if no card, -1 on failure. */
static int
reader_nfc_select(struct reader_nfc *r, struct reader_event *ev, char *err, size_t errlen)
{
	nfc_target nt;
	int res;

	res = nfc_initiator_select_passive_target(r->dev, mod_iso14443a, NULL, 0, &nt);
	if (res == 0 || res == NFC_ERFTRANS || res == NFC_ETGRELEASED) {
		/* no card, or a card that left or collided mid-select */
		r->timeouts = 0;
		return 0;
	}
	if (res < 0)
		return reader_nfc_failed(r, res, "select", err, errlen);
	r->timeouts = 0;

	return reader_nfc_found(r, &nt, ev);
}

/* Fire after ms, then every autopoll slack; 0 disarms. */
static void
watchdog_arm(struct reader_nfc *r, int64_t ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000;
	if (ms > 0) {
		its.it_interval.tv_sec = timing.autopoll_slack_ms / 1000;
		its.it_interval.tv_nsec = (timing.autopoll_slack_ms % 1000) * 1000000L;
	}
	timer_settime(r->watchdog, 0, &its, NULL);
}

/* The InAutoPoll itself, where the watchdog may jump back to. */
static int
autopoll_call(nfc_device *dev, int units, nfc_target *nt)
{
	if (sigsetjmp(watchdog_jmp, 1) != 0)
		return NFC_ETIMEOUT;
	watchdog_dev = dev;
	return nfc_initiator_poll_target(dev, &mod_iso14443a, 1, (uint8_t)units, 1, nt);
}

/*
 * Wait for a card with InAutoPoll for `units` x 150 ms.  The caller's
 * signals are blocked meanwhile (except the watchdog's and the faults) and
 * delivered afterwards by a zero ppoll with the old mask (*interrupted says
 * one came), so a stop waits at most for the end of the poll.  Returns 1 with a tap in *ev, 0 if no card, -1 on failure.
 */
static int
reader_nfc_autopoll(struct reader_nfc *r, int units, struct reader_event *ev,
    bool *interrupted, char *err, size_t errlen)
{
	const struct timespec zero = { 0, 0 };
	sigset_t hold, old;
	nfc_target nt;
	int res;

	sigfillset(&hold);
	sigdelset(&hold, WATCHDOG_SIGNAL);
	sigdelset(&hold, SIGSEGV);
	sigdelset(&hold, SIGBUS);
	sigdelset(&hold, SIGFPE);
	sigdelset(&hold, SIGILL);
	sigdelset(&hold, SIGABRT);
	sigprocmask(SIG_BLOCK, &hold, &old);
	memset(&nt, 0, sizeof(nt));
	watchdog_fired = 0;
	watchdog_arm(r, (int64_t)units * AUTOPOLL_UNIT_MS + timing.autopoll_slack_ms);
	res = autopoll_call(r->dev, units, &nt);
	watchdog_dev = NULL;
	watchdog_arm(r, 0);
	*interrupted = ppoll(NULL, 0, &zero, &old) == -1 && errno == EINTR;
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (watchdog_fired) {
		/* The chip held the command past its own deadline: hung
		 * (or never acknowledged it, and the watchdog jumped). */
		snprintf(err, errlen, "reader %s: no answer to InAutoPoll within %d ms",
		    r->name, units * AUTOPOLL_UNIT_MS + timing.autopoll_slack_ms);
		explicit_bzero(&nt, sizeof(nt));
		return -1;
	}
	if (res == 0 || res == NFC_ERFTRANS || res == NFC_ETGRELEASED) {
		r->timeouts = 0;
		return 0;
	}
	if (res < 0)
		return reader_nfc_failed(r, res, "autopoll", err, errlen);
	r->timeouts = 0;
	return reader_nfc_found(r, &nt, ev);
}

/*
 * Is the card we tapped still in the field?  libnfc knows how to ask
 * MIFARE Classic, Ultralight and ISO14443-4 cards; for other type A cards
 * (and when libnfc dropped its saved target) we select again by UID.
 * Returns 1 with READER_GONE in *ev, 0 if still there, -1 on failure.
 */
static int
reader_nfc_check(struct reader_nfc *r, struct reader_event *ev, char *err, size_t errlen)
{
	int res;

	res = nfc_initiator_target_is_present(r->dev, NULL);
	if (res == NFC_EDEVNOTSUPP || res == NFC_EINVARG) {
		res = nfc_initiator_select_passive_target(r->dev, mod_iso14443a,
		    r->target.nti.nai.abtUid, r->target.nti.nai.szUidLen, NULL);
		if (res == 1)
			res = NFC_SUCCESS;
		else if (res == 0 || res == NFC_ERFTRANS)
			res = NFC_ETGRELEASED;
	}
	if (res == NFC_SUCCESS) {
		r->timeouts = 0;
		return 0;
	}
	if (res == NFC_ETGRELEASED) {
		r->timeouts = 0;
		reader_nfc_forget(r);
		memset(ev, 0, sizeof(*ev));
		ev->type = READER_GONE;
		return 1;
	}
	return reader_nfc_failed(r, res, "presence check", err, errlen);
}

static int
reader_nfc_wait(struct reader *base, struct reader_event *ev, int timeout_ms, char *err,
    size_t errlen)
{
	struct reader_nfc *r = (struct reader_nfc *)base;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	if (r->hung) {
		snprintf(err, errlen, "reader %s: no answer to a card exchange within its "
		    "deadline", r->name);
		return -1;
	}
	for (;;) {
		int64_t start = now_ms(), next;
		int rc;

		if (r->present)
			rc = reader_nfc_check(r, ev, err, errlen);
		else
			rc = reader_nfc_select(r, ev, err, errlen);
		if (rc != 0)
			return rc;
		if (!r->present && r->autopoll && r->timeouts == 0) {
			/* The chip just answered: hold the wait in InAutoPoll,
			 * which answers as soon as a card comes.  Whole units,
			 * rounded up (a wait may run up to 150 ms past its
			 * timeout rather than sleep with a card there), at most
			 * AUTOPOLL_MAX_UNITS at a time so that a signal held
			 * meanwhile still ends the wait soon. */
			int64_t left = deadline - now_ms();
			int64_t units = (left + AUTOPOLL_UNIT_MS - 1) / AUTOPOLL_UNIT_MS;
			bool interrupted = false;

			if (units < 1)
				return 0;
			rc = reader_nfc_autopoll(r, units > AUTOPOLL_MAX_UNITS ?
			    AUTOPOLL_MAX_UNITS : (int)units, ev, &interrupted, err, errlen);
			if (rc != 0 || interrupted || now_ms() >= deadline)
				return rc;
			continue;
		}
		next = start + timing.poll_period_ms;
		if (next >= deadline) {
			sleep_ms(deadline - now_ms());
			return 0;
		}
		if (sleep_ms(next - now_ms()) == -1)
			return 0;
	}
}

/* The transceive itself, where the watchdog may jump back to. */
static int
transceive_call(nfc_device *dev, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize,
    int timeout_ms)
{
	if (sigsetjmp(watchdog_jmp, 1) != 0)
		return NFC_ETIMEOUT;
	watchdog_dev = dev;
	return nfc_initiator_transceive_bytes(dev, tx, txlen, rx, rxsize, timeout_ms);
}

/*
 * One APDU to the present card.  libnfc's own timeout bounds a chip that
 * answers; the watchdog (on a PN532) one that does not even acknowledge
 * the command.  A failure is the card's or the chip's: the next presence
 * check tells which (a card gone is READER_GONE, a chip gone fails the
 * reader).
 */
static int
reader_nfc_transceive(struct reader *base, const uint8_t *tx, size_t txlen, uint8_t *rx,
    size_t rxsize, int timeout_ms)
{
	struct reader_nfc *r = (struct reader_nfc *)base;
	int res;

	if (!r->present || txlen == 0 || timeout_ms <= 0)
		return -1;
	if (r->have_timer) {
		watchdog_fired = 0;
		watchdog_arm(r, timeout_ms + AUTOPOLL_SLACK_MS);
		res = transceive_call(r->dev, tx, txlen, rx, rxsize, timeout_ms);
		watchdog_dev = NULL;
		watchdog_arm(r, 0);
		if (watchdog_fired) {
			/* The chip held the command past every deadline:
			 * the next wait fails the reader, as InAutoPoll's
			 * watchdog does. */
			r->hung = true;
			res = NFC_ETIMEOUT;
		}
	} else {
		res = nfc_initiator_transceive_bytes(r->dev, tx, txlen, rx, rxsize, timeout_ms);
	}
	return res < 0 || (size_t)res > rxsize ? -1 : res;
}

static void
reader_nfc_close(struct reader *base)
{
	struct reader_nfc *r = (struct reader_nfc *)base;

	if (r->dev != NULL) {
		if (r->present)
			nfc_initiator_deselect_target(r->dev);
		nfc_close(r->dev);
	}
	if (r->ctx != NULL)
		nfc_exit(r->ctx);
	if (r->have_timer)
		timer_delete(r->watchdog);
	reader_nfc_forget(r);
	free(r);
}

const struct reader_ops reader_nfc_ops = {
	.name = "libnfc",
	.open = reader_nfc_open,
	.wait = reader_nfc_wait,
	.transceive = reader_nfc_transceive,
	.close = reader_nfc_close,
};
