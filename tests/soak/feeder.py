#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tap feeder for fault and soak tests: writes sim reader lines (a hex UID,
then "-" for the card leaving) to one or more reader FIFOs, choosing a UID
at random from a list, until a count or a duration is reached or the
daemon goes away (no reader on the FIFO).  Fast path: one open per FIFO,
one write per tap.

usage: feeder.py [--count N] [--seconds S] [--gap MS] [--seed N]
                 [--stats FILE] FIFO[,FIFO...] UID [UID...]

--gap is the pause between taps in milliseconds (0: as fast as the FIFO
takes them).  --stats writes "taps N" at the end.  A FIFO that has no
reader (the daemon starting, a reader child being respawned) is retried
for --wait seconds (5), then the feeder stops.
"""
import argparse, errno, os, random, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--count", type=int, default=0)
ap.add_argument("--seconds", type=float, default=0)
ap.add_argument("--gap", type=float, default=20)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--stats")
ap.add_argument("--wait", type=float, default=5)
ap.add_argument("fifos")
ap.add_argument("uids", nargs="+")
a = ap.parse_args()
rng = random.Random(a.seed)


def open_fifo(path):
    t = time.monotonic()
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            if e.errno not in (errno.ENXIO, errno.ENOENT) or time.monotonic() - t > a.wait:
                return None
            time.sleep(0.01)


fifos = a.fifos.split(",")
fds = [None] * len(fifos)
taps = 0
end = time.monotonic() + a.seconds if a.seconds else None
try:
    while (not a.count or taps < a.count) and (end is None or time.monotonic() < end):
        i = rng.randrange(len(fifos))
        if fds[i] is None:
            fds[i] = open_fifo(fifos[i])
            if fds[i] is None:
                break
        line = (rng.choice(a.uids) + "\n-\n").encode()
        try:
            os.write(fds[i], line)
        except BlockingIOError:
            time.sleep(0.005)	# the daemon is behind: wait, do not count
            continue
        except OSError:	# EPIPE: the reader child or the daemon is gone
            os.close(fds[i])
            fds[i] = None
            continue
        taps += 1
        if a.gap:
            time.sleep(a.gap / 1000 * rng.uniform(0.5, 1.5))
except KeyboardInterrupt:
    pass
if a.stats:
    with open(a.stats, "w") as f:
        f.write("taps %d\n" % taps)
