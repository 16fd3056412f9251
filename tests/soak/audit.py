#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Audit a database and relay.log after crashes (fault_kill9.sh, make soak).

usage: audit.py DB RELAY_LOG

Prints "ok NAME" / "not ok NAME" lines and "# ..." diagnostics:
- events.seq has no gap and ends at sqlite_sequence's value for events
  (a seq is never reused, nothing committed is lost);
- every relay pulse (a "1" line in relay.log) has its own committed
  access_granted / unlock_remote / exit_request event stamped (mono_ms,
  the same CLOCK_MONOTONIC as relay.log) before it, and within 10 s of it;
  so there are no more pulses than such events.
"""
import sqlite3, sys

db, relay = sys.argv[1:3]
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
seqs = [r[0] for r in c.execute("SELECT seq FROM events ORDER BY seq")]
top = c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
top = top[0] if top else 0
gaps = [s for a, s in zip(seqs, seqs[1:]) if s != a + 1]
ok = bool(seqs) and seqs[0] == 1 and not gaps and seqs[-1] == top
print("# %d events, seq 1..%s, sqlite_sequence %d" % (len(seqs), seqs[-1] if seqs else "-", top))
if gaps:
    print("# gaps before seq", gaps[:20])
print(("ok" if ok else "not ok") + " events.seq has no gap and matches sqlite_sequence")

opens = sorted(r[0] for r in c.execute(
    "SELECT mono_ms FROM events WHERE type IN ('access_granted', 'unlock_remote', "
    "'exit_request')"))
pulses = []
prev = None
for line in open(relay):
    f = line.split()
    if len(f) != 2:
        continue
    v = f[1]
    if v == "1" and prev != "1":
        pulses.append(int(f[0]) // 1000000)
    prev = v
print("# %d pulses, %d grants and unlocks" % (len(pulses), len(opens)))
# Pulses in time order, each taking one unused opening event stamped at or
# before it (any unused one will do: all of them are earlier than the later
# pulses too); none left means a pulse without its committed event.
bad = []
i = used = 0
for p in pulses:
    while i < len(opens) and opens[i] <= p + 1:
        i += 1
    if used >= i:
        bad.append(p)
        continue
    used += 1
    if p - opens[i - 1] > 10000:	# the latest event before it is too old
        bad.append(p)
if bad:
    print("# pulses without a committed grant before them (mono ms):", bad[:10])
print(("ok" if not bad and len(pulses) <= len(opens) else "not ok") +
      " every relay pulse has its committed grant before it")
