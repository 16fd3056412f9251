#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: every figure of bench/README.md, one "bench: NAME VALUE UNIT" line each.

    bench/bench.py BUILD [--only SECTION,...] [--json FILE]

Runs the real programs of BUILD (seuild, seuilctl, seuil-web, tests/pn532emu,
bench/gen_*) on simulated hardware, the PN532 emulator and a throwaway
mosquitto on 127.0.0.1, in a work directory on tmpfs (/dev/shm) and one on
disk ($BENCH_DISK_DIR, default /var/tmp).  Python's standard library only.
Benchmarks measure; they never fail on a number.  Sections: fsync badge import
nfc desfire mqtt burst idle report console scale site (the default is all of them).
BENCH_KEEP=1 keeps the work directories; BENCH_WRAP="taskset -c 1" (say)
runs each seuild under that command.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build")
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = []            # (name, value, unit)
PROCS = []              # everything we started, killed at exit
N_BADGES = int(os.environ.get("BENCH_BADGES", 100000))
N_MEMBERS = int(os.environ.get("BENCH_MEMBERS", 20000))
N_EVENTS = int(os.environ.get("BENCH_EVENTS", 1000000))
IDLE_S = float(os.environ.get("BENCH_IDLE_S", 30))
BURST = int(os.environ.get("BENCH_BURST", 10000))
BURST_DISK = int(os.environ.get("BENCH_BURST_DISK", 2000))
TAP_GAP_S = 0.01        # between two taps of the badge path, and two fsyncs alone
CLK_TCK = os.sysconf("SC_CLK_TCK")


def emit(name, value, unit):
    if isinstance(value, float):
        value = f"{value:.3f}" if value < 10 else f"{value:.1f}"
    print(f"bench: {name} {value} {unit}", flush=True)
    RESULTS.append((name, str(value), unit))


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, limit=10.0, step=0.02):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def start(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def tree_pids(pid):
    """pid and its descendants (seuild and its reader children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def cpu_ticks(pids):
    t = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t += int(fields[11]) + int(fields[12])     # utime + stime
        except OSError:
            pass
    return t


# ---------------------------------------------------------------- the daemon

class Daemon:
    """seuild on simulated doors; readers are sim FIFOs or libnfc emulators."""

    def __init__(self, d, db, key, doors=1, nfc=None, mqtt_port=None, verbose=True,
                 credential=None, desk=None, credentials=None):
        """credential: each door reader's [reader] credential (None: the
        default); desk: a libnfc desk reader's pty; credentials: the key
        file, made by seuilctl init."""
        self.dir, self.db, self.doors = d, db, doors
        os.makedirs(d, exist_ok=True)
        conf = [f"[site]\nname = bench\ntimezone = Europe/Paris\n",
                f"[store]\ndatabase = {db}\nuid_key_file = {key}\n",
                "[security]\nunsynced_clock = ignore\nlockout_failures = 32\n"]
        if credentials:
            conf.append(f"[credentials]\nkey_file = {credentials}\n")
        if desk:
            conf.append(f"[reader.desk]\ndriver = libnfc\nconnstring = pn532_uart:{desk}\n"
                        f"enrol = true\n")
        for i in range(doors):
            os.makedirs(f"{d}/door{i}", exist_ok=True)
            conf.append(f"[door.d{i}]\ngpio = sim\nsim_dir = {d}/door{i}\nunlock_time = 1s\n")
            if nfc:
                conf.append(f"[reader.r{i}]\ndriver = libnfc\nconnstring = pn532_uart:{nfc[i]}\n"
                            f"door = d{i}\ndirection = in\n"
                            + (f"credential = {credential[i]}\n" if credential else ""))
            else:
                conf.append(f"[reader.r{i}]\ndriver = sim\nsim_fifo = {d}/r{i}.fifo\n"
                            f"door = d{i}\ndirection = in\n")
        if mqtt_port:
            conf.append(f"[mqtt]\nenabled = true\nhost = 127.0.0.1\nport = {mqtt_port}\n"
                        f"base_topic = bench\nclient_id = seuild-bench\nhomeassistant = false\n")
        else:
            conf.append("[mqtt]\nenabled = false\n")
        conf.append(f"[control]\nsocket = {d}/control.sock\n")
        self.web_port = free_port()
        conf.append(f"[web]\nlisten = 127.0.0.1:{self.web_port}\n")
        self.conf = f"{d}/seuild.conf"
        with open(self.conf, "w") as f:
            f.write("\n".join(conf))
        if credentials:     # the site's DESFire keys, made as on a real site
            subprocess.run([f"{BUILD}/seuilctl", "-f", self.conf, "init"], check=True,
                           stdout=subprocess.DEVNULL)
        self.log = f"{d}/seuild.log"
        args = os.environ.get("BENCH_WRAP", "").split() + [f"{BUILD}/seuild", "-d"] + (["-v"] if verbose else []) + ["-f", self.conf]
        env = dict(os.environ, LIBNFC_AUTO_SCAN="false")
        self.p = start(args, stderr=open(self.log, "w"), stdout=subprocess.DEVNULL, env=env)
        ok = wait_for(lambda: os.path.exists(f"{d}/control.sock"), 20)
        if not nfc:
            ok = ok and wait_for(lambda: all(os.path.exists(f"{d}/r{i}.fifo") for i in range(doors)), 10)
        else:
            ok = ok and wait_for(lambda: self.online() >= doors + (1 if desk else 0), 20, 0.1)
        if not ok:
            raise RuntimeError("seuild did not start: " + open(self.log).read()[-2000:])
        self.fifos = {}

    def online(self):
        out = subprocess.run(["sqlite3", self.db, "select count(*) from events where type='reader_online'"],
                             capture_output=True, text=True).stdout.strip()
        return int(out or 0)

    def log_count(self, pattern):
        with open(self.log) as f:
            return len(re.findall(pattern, f.read()))

    def fifo(self, i):
        if i not in self.fifos:
            self.fifos[i] = os.open(f"{self.dir}/r{i}.fifo", os.O_WRONLY)
        return self.fifos[i]

    def tap(self, i, badge):
        os.write(self.fifo(i), b"04%06X\n" % badge)

    def relay_lines(self, i):
        try:
            with open(f"{self.dir}/door{i}/relay.log") as f:
                return [l.split() for l in f if l.strip()]
        except OSError:
            return []

    def badge_path_us(self):
        with open(self.log) as f:
            return [int(m) for m in re.findall(r"badge path: (\d+) us", f.read())]

    def pid(self):
        return self.p.pid

    def stop(self):
        for fd in self.fifos.values():
            os.close(fd)
        self.fifos = {}
        stop(self.p)


def gen_badges(db, key, count, members, events):
    subprocess.run([f"{BUILD}/bench/gen_badges", "--db", db, "--key", key, "--count", str(count),
                    "--members", str(members), "--events", str(events)],
                   check=True, stdout=subprocess.DEVNULL)


def copy_db(src, dst):
    """Copy a store, and flush the copy: otherwise its 100 MB sit dirty in
    the page cache, and the daemon's first fsync of the database file (its
    first checkpoint) writes them all out, tens of milliseconds charged to
    whichever tap waits behind it."""
    for ext in ("", "-wal", "-shm"):
        if ext == "" or os.path.exists(src + ext):
            shutil.copyfile(src + ext, dst + ext)
            fd = os.open(dst + ext, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)


def taps_badge_path(dm, n, gap, count, rnd):
    """n taps of random enrolled badges over the doors; the daemon's share."""
    before = len(dm.badge_path_us())
    for k in range(n):
        dm.tap(k % dm.doors, rnd.randrange(count))
        time.sleep(gap)
    wait_for(lambda: len(dm.badge_path_us()) >= before + n, 10)
    return dm.badge_path_us()[before:]


def taps_end_to_end(dm, rounds, count, rnd):
    """Tap written to the sim reader -> relay energised, one door at a time,
    each door left to relock (unlock_time 1 s) before its next sample."""
    lat = []
    for r in range(rounds):
        for i in range(dm.doors):
            wait_for(lambda: (dm.relay_lines(i) or [["0", "0"]])[-1][1] == "0", 3, 0.005)
            n0 = len(dm.relay_lines(i))
            t0 = time.monotonic_ns()
            dm.tap(i, rnd.randrange(count))
            if wait_for(lambda: len(dm.relay_lines(i)) > n0, 3, 0.0005):
                lat.append((int(dm.relay_lines(i)[n0][0]) - t0) / 1e6)
        time.sleep(0.05)
    return lat


# ------------------------------------------------------------------ sections

def fsync_probe(path, gap, n):
    """n fdatasyncs of a 4 KiB write into a file written and synced before:
    the WAL of a store, whose frames overwrite an earlier cycle's (no size
    change).  gap: the pause before each."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    buf = os.urandom(4096)
    os.write(fd, buf * 64)
    os.fsync(fd)
    lat = []
    for i in range(n):
        time.sleep(gap)
        os.pwrite(fd, buf, (i % 64) * 4096)
        t0 = time.perf_counter_ns()
        os.fdatasync(fd)
        lat.append((time.perf_counter_ns() - t0) / 1000)
    os.close(fd)
    os.unlink(path)
    return lat


def section_fsync(ctx):
    """The disk's fsync alone, back to back: the disk kept busy.  The figure
    the badge path is compared with (fsync_disk_p99_us) is paced like the
    taps and taken around them (section_badge)."""
    hot = fsync_probe(os.path.join(ctx["disk"], "fsync.probe"), 0, 300)
    emit("fsync_disk_hot_p50_us", int(pct(hot, 50)), "us")
    emit("fsync_disk_hot_p99_us", int(pct(hot, 99)), "us")


def main_db(ctx):
    if "db" not in ctx:
        d = ctx["shm"] + "/gen"
        os.makedirs(d)
        t0 = time.monotonic()
        gen_badges(d + "/seuil.db", d + "/uid.key", N_BADGES, N_MEMBERS, N_EVENTS)
        emit("gen_main_db_s", time.monotonic() - t0, "s")
        ctx["db"], ctx["key"] = d + "/seuil.db", d + "/uid.key"
    return ctx["db"], ctx["key"]


def section_badge(ctx):
    db, key = main_db(ctx)
    rnd = random.Random(42)
    for label, base in (("tmpfs", ctx["shm"]), ("disk", ctx["disk"])):
        d = f"{base}/badge-{label}"
        os.makedirs(d)
        copy_db(db, d + "/seuil.db")
        if label == "disk":
            # The disk's fsync alone, paced like the taps: a disk idle
            # for 10 ms syncs two to three times slower than one kept busy,
            # and its tail moves from minute to minute, so half the
            # samples are taken just before the taps and half just after.
            probe = os.path.join(base, "fsync.probe")
            fsyncs = fsync_probe(probe, TAP_GAP_S, 150)
        dm = Daemon(d, d + "/seuil.db", key, doors=8)
        try:
            time.sleep(1.0)
            share = taps_badge_path(dm, 400, TAP_GAP_S, N_BADGES, rnd)[20:]   # the first warm the cache
            emit(f"badge_path_{label}_p50_us", int(pct(share, 50)), "us")
            emit(f"badge_path_{label}_p99_us", int(pct(share, 99)), "us")
            if label == "tmpfs":
                e2e = taps_end_to_end(dm, 8, N_BADGES, rnd)
                emit("tap_to_relay_sim_p50_ms", pct(e2e, 50), "ms")
                emit("tap_to_relay_sim_p99_ms", pct(e2e, 99), "ms")
        finally:
            dm.stop()
        if label == "disk":
            fsyncs += fsync_probe(probe, TAP_GAP_S, 150)
            emit("fsync_disk_p50_us", int(pct(fsyncs, 50)), "us")
            emit("fsync_disk_p99_us", int(pct(fsyncs, 99)), "us")
            ctx["fsync_p99"] = pct(fsyncs, 99)
        # The same store work alone, in one thread, paced the same: the
        # floor of the two figures above on this machine.
        out = subprocess.run([f"{BUILD}/bench/grant_txn", "--db", d + "/seuil.db", "--key", key,
                              "--count", str(N_BADGES), "--taps", "400",
                              "--gap-ms", str(int(TAP_GAP_S * 1000))],
                             check=True, capture_output=True, text=True).stdout
        alone = [int(x) for x in out.split()]
        emit(f"grant_txn_{label}_p50_us", int(pct(alone, 50)), "us")
        emit(f"grant_txn_{label}_p99_us", int(pct(alone, 99)), "us")
        if label == "disk" and "fsync_p99" in ctx:
            emit("badge_path_disk_p99_minus_fsync_p99_us", int(pct(share, 99) - ctx["fsync_p99"]), "us")


def denied_taps(dm):
    out = subprocess.run([f"{BUILD}/seuilctl", "-f", dm.conf, "--json", "status"],
                         capture_output=True, text=True).stdout
    try:
        return int(json.loads(out)["store_health"]["denied_taps"])
    except (ValueError, KeyError):
        return -1


def section_import(ctx):
    """Taps every 20 ms for 10 s while seuild applies a 2,000-row import
    five times (tmpfs): the door never waits for the manager for longer
    than one transaction, and no tap is denied for the store."""
    d = ctx["shm"] + "/import"
    os.makedirs(d)
    gen_badges(d + "/seuil.db", d + "/uid.key", 1000, 500, 0)
    for run in range(2):
        with open(f"{d}/m{run}.csv", "w") as f:
            f.write("name,display_name,email\n")
            for i in range(2000):
                f.write(f"imp{i:04d},Import {run} {i},m{i}@example.org\n")
    dm = Daemon(d, d + "/seuil.db", d + "/uid.key")
    try:
        time.sleep(1.0)
        before = len(dm.badge_path_us())
        denied0 = denied_taps(dm)
        done = []

        def imports():
            time.sleep(1.0)
            for run in range(5):
                r = subprocess.run([f"{BUILD}/seuilctl", "-f", dm.conf, "member", "import",
                                    f"{d}/m{run % 2}.csv"], capture_output=True, text=True)
                done.append(r.returncode)
                time.sleep(1.0)
        t = threading.Thread(target=imports)
        t.start()
        end = time.monotonic() + 10.0
        rnd = random.Random(7)
        while time.monotonic() < end:
            dm.tap(0, rnd.randrange(1000))
            time.sleep(0.02)
        t.join()
        time.sleep(0.5)
        paths = dm.badge_path_us()[before:]
        emit("tap_during_import_p99_us", int(pct(paths, 99)), "us")
        emit("tap_during_import_max_us", max(paths) if paths else -1, "us")
        emit("tap_during_import_taps", len(paths), "taps")
        emit("tap_during_import_store_unavailable", denied_taps(dm) - denied0, "taps")
        emit("tap_during_import_imports_ok", sum(1 for rc in done if rc == 0), "imports")
    finally:
        dm.stop()


def section_burst(ctx):
    db, key = main_db(ctx)
    for label, base, n in (("tmpfs", ctx["shm"], BURST), ("disk", ctx["disk"], BURST_DISK)):
        d = f"{base}/burst-{label}"
        os.makedirs(d)
        copy_db(db, d + "/seuil.db")
        dm = Daemon(d, d + "/seuil.db", key, doors=1, verbose=False)
        try:
            time.sleep(1.0)
            if label == "tmpfs":
                ctx.setdefault("rss_idle", proc_status(dm.pid(), "VmRSS"))
                ctx["rss_anon_idle"] = proc_status(dm.pid(), "RssAnon")
                ctx.setdefault("fds_idle", len(os.listdir(f"/proc/{dm.pid()}/fd")))
                size0 = event_bytes(dm.db)
            q = "select count(*) from events where type in ('access_granted','access_denied')"
            base_n = int(subprocess.run(["sqlite3", dm.db, q], capture_output=True, text=True).stdout)
            data = b"".join(b"04%06X\n" % (k * 7919 % N_BADGES) for k in range(n))
            t0 = time.monotonic()
            fd = dm.fifo(0)
            view = memoryview(data)
            while view:
                w = os.write(fd, view[:65536])
                view = view[w:]
            last = [base_n, time.monotonic()]

            def settled():
                c = int(subprocess.run(["sqlite3", dm.db, q], capture_output=True, text=True).stdout or 0)
                if c != last[0]:
                    last[0], last[1] = c, time.monotonic()
                return c >= base_n + n or time.monotonic() - last[1] > 3
            wait_for(settled, 120, 0.05)
            got = last[0] - base_n
            rate = got / (last[1] - t0)
            if label == "tmpfs":
                emit("burst_taps_per_s", int(rate), "taps/s")
                emit("burst_lost", n - got, "taps")
                time.sleep(0.5)
                emit("rss_idle_kib", ctx["rss_idle"], "KiB")
                emit("rss_peak_kib", proc_status(dm.pid(), "VmHWM"), "KiB")
                emit("rss_after_burst_kib", proc_status(dm.pid(), "VmRSS"), "KiB")
                emit("rss_anon_idle_kib", ctx.get("rss_anon_idle", -1), "KiB")
                emit("rss_anon_after_burst_kib", proc_status(dm.pid(), "RssAnon"), "KiB")
                emit("fds_idle", ctx["fds_idle"], "fds")
                emit("db_bytes_per_event", int((event_bytes(dm.db) - size0) / max(got, 1)), "B")
            else:
                emit("burst_disk_taps_per_s", int(rate), "taps/s")
                emit("burst_disk_lost", n - got, "taps")
        finally:
            dm.stop()


def event_bytes(db):
    """Bytes of the events table and its indexes (sqlite's dbstat)."""
    out = subprocess.run(["sqlite3", db, "select sum(pgsize) from dbstat where name in "
                          "('events','events_ts','events_member')"], capture_output=True, text=True).stdout
    return int(out.strip() or 0)


def start_emulators(d, n, cards=None):
    emus = []
    for i in range(n):
        ctl = f"{d}/emu{i}.ctl"
        os.mkfifo(ctl)
        out = open(f"{d}/emu{i}.out", "w")
        p = start([f"{BUILD}/tests/pn532emu", "--link", f"{d}/pn532-{i}", "--control", ctl]
                  + (["--cards", cards] if cards else []), stdout=out, stderr=subprocess.DEVNULL)
        emus.append((p, ctl, f"{d}/pn532-{i}"))
    for p, ctl, link in emus:
        wait_for(lambda: os.path.exists(link), 10)
    return emus


def emu_send(emu, line):
    fd = os.open(emu[1], os.O_WRONLY)
    os.write(fd, line.encode() + b"\n")
    os.close(fd)


def section_nfc(ctx):
    db, key = main_db(ctx)
    d = ctx["shm"] + "/nfc"
    os.makedirs(d)
    copy_db(db, d + "/seuil.db")
    n = 4
    emus = start_emulators(d, n)
    dm = Daemon(d, d + "/seuil.db", key, doors=n, nfc=[e[2] for e in emus], verbose=False)
    rnd = random.Random(7)
    lat = []
    try:
        time.sleep(1.0)
        for r in range(10):
            for i in range(n):
                wait_for(lambda: (dm.relay_lines(i) or [["0", "0"]])[-1][1] == "0", 3, 0.005)
                n0 = len(dm.relay_lines(i))
                time.sleep(rnd.uniform(0, 0.2))     # the card comes at any moment of the poll cycle
                t0 = time.monotonic_ns()
                emu_send(emus[i], "card 04%06X" % rnd.randrange(N_BADGES))
                if wait_for(lambda: len(dm.relay_lines(i)) > n0, 3, 0.0005):
                    lat.append((int(dm.relay_lines(i)[n0][0]) - t0) / 1e6)
                emu_send(emus[i], "remove")
        emit("nfc_tap_to_relay_p50_ms", pct(lat, 50), "ms")
        emit("nfc_tap_to_relay_p99_ms", pct(lat, 99), "ms")
        emit("nfc_taps_measured", len(lat), "taps")
    finally:
        dm.stop()
        for e in emus:
            stop(e[0])


DESFIRE_DELAY_MS = 15     # a real DESFire EV1 answers each command in about this


def nfc_taps(dm, emu, door, line, rounds, rnd):
    """`line` written to the emulator (the card enters the field at a random
    moment of the reader's cycle) -> the door's relay set; one sample a
    round, the door left to relock between."""
    lat = []
    for _ in range(rounds):
        wait_for(lambda: (dm.relay_lines(door) or [["0", "0"]])[-1][1] == "0", 3, 0.005)
        n0 = len(dm.relay_lines(door))
        time.sleep(rnd.uniform(0, 0.2))
        t0 = time.monotonic_ns()
        emu_send(emu, line)
        if wait_for(lambda: len(dm.relay_lines(door)) > n0, 3, 0.0005):
            lat.append((int(dm.relay_lines(door)[n0][0]) - t0) / 1e6)
        emu_send(emu, "remove")
        time.sleep(0.05)
    return lat


def section_desfire(ctx):
    """DESFire badges through libnfc, the reader child and seuild's exchange
    thread, the emulated card answering each command after 15 ms: a card
    made a badge at the desk, then tapped at a door (credential = both);
    a blank DESFire card enrolled by its UID, at that door (one application
    select, then its UID) and at a door with credential = uid (no select)."""
    db, key = main_db(ctx)
    d = ctx["shm"] + "/desfire"
    os.makedirs(d + "/cards")
    copy_db(db, d + "/seuil.db")
    emus = start_emulators(d, 3, cards=d + "/cards")    # door (both), door (uid), desk
    dm = Daemon(d, d + "/seuil.db", key, doors=2, nfc=[e[2] for e in emus[:2]], verbose=True,
                credential=["both", "uid"], desk=emus[2][2], credentials=d + "/credentials.key")
    rnd = random.Random(11)
    secure, blank = "04DF0000000001", "04DF0000000002"
    try:
        # The card is made a badge at the desk (member 1), the blank one
        # enrolled by its UID (member 2).
        ctl = [f"{BUILD}/seuilctl", "-f", dm.conf]
        p = subprocess.Popen(ctl + ["badge", "enrol", "1", "--secure", "--timeout", "30"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: dm.log_count(r"waiting \d+ s for a DESFire card") >= 1, 10)
        emu_send(emus[2], f"card {secure} desfire")
        if p.wait(40) != 0:
            raise RuntimeError("the secure enrolment failed: " + open(dm.log).read()[-1500:])
        emu_send(emus[2], "remove")
        subprocess.run(ctl + ["badge", "add", "2", blank], check=True, stdout=subprocess.DEVNULL)
        for e in emus[:2]:
            emu_send(e, f"delay {DESFIRE_DELAY_MS}")
        time.sleep(1.0)
        lat = nfc_taps(dm, emus[0], 0, f"card {secure} desfire", 40, rnd)
        emit("nfc_desfire_tap_to_relay_p50_ms", pct(lat, 50), "ms")
        emit("nfc_desfire_tap_to_relay_p99_ms", pct(lat, 99), "ms")
        emit("nfc_desfire_taps_measured", len(lat), "taps")
        lat = nfc_taps(dm, emus[0], 0, f"card {blank} desfire", 20, rnd)
        emit("nfc_desfire_uid_badge_tap_p50_ms", pct(lat, 50), "ms")
        lat = nfc_taps(dm, emus[1], 1, f"card {blank} desfire", 20, rnd)
        emit("nfc_desfire_uid_badge_uid_reader_p50_ms", pct(lat, 50), "ms")
    finally:
        dm.stop()
        for e in emus:
            stop(e[0])


def section_mqtt(ctx):
    db, key = main_db(ctx)
    d = ctx["shm"] + "/mqtt"
    os.makedirs(d)
    copy_db(db, d + "/seuil.db")
    port = free_port()
    with open(d + "/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = start(["mosquitto", "-c", d + "/mosquitto.conf"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wait_for(lambda: subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "x",
                                     "-m", "x"], capture_output=True).returncode == 0, 10)
    sub_out = open(d + "/sub.out", "w")
    sub = start(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", "bench/events",
                 "-F", "%U %p"], stdout=sub_out)
    time.sleep(0.3)
    dm = Daemon(d, d + "/seuil.db", key, doors=4, mqtt_port=port, verbose=False)
    rnd = random.Random(3)
    try:
        wait_for(lambda: dm.log_count("mqtt: connected|connected to") > 0, 5)
        time.sleep(1.0)
        sent = []
        for k in range(150):
            sent.append(time.time_ns())
            dm.tap(k % 4, rnd.randrange(N_BADGES))
            time.sleep(0.02)
        time.sleep(1.5)
        sub_out.flush()
        got = []
        with open(d + "/sub.out") as f:
            for line in f:
                ts, _, payload = line.partition(" ")
                try:
                    ev = json.loads(payload)
                except ValueError:
                    continue
                if ev.get("type") in ("access_granted", "access_denied"):
                    got.append(float(ts))
        lat = [(g * 1e9 - s) / 1e6 for s, g in zip(sent, got)][10:]
        emit("tap_to_mqtt_p50_ms", pct(lat, 50), "ms")
        emit("tap_to_mqtt_p99_ms", pct(lat, 99), "ms")
        emit("mqtt_events_received", len(got), "events")
    finally:
        dm.stop()
        stop(sub)
        stop(broker)


def section_idle(ctx):
    db, key = main_db(ctx)
    d = ctx["shm"] + "/idle"
    os.makedirs(d)
    copy_db(db, d + "/sim.db")
    copy_db(db, d + "/nfc.db")
    emus = start_emulators(d, 1)
    sim = Daemon(d + "/sim", d + "/sim.db", key, doors=1, verbose=False)
    nfc = Daemon(d + "/nfc", d + "/nfc.db", key, doors=1, nfc=[emus[0][2]], verbose=False)
    try:
        time.sleep(2.0)
        pids = {"sim": tree_pids(sim.pid()), "nfc": tree_pids(nfc.pid())}
        print(f"# idle: seuild and children: sim {pids['sim']}, nfc {pids['nfc']}", flush=True)
        c0 = {k: cpu_ticks(v) for k, v in pids.items()}
        t0 = time.monotonic()
        time.sleep(IDLE_S)
        dt = time.monotonic() - t0
        for k in ("sim", "nfc"):
            pc = (cpu_ticks(pids[k]) - c0[k]) / CLK_TCK / dt * 100
            emit(f"idle_cpu_{k}_percent", round(pc, 3), "%")
        emit("idle_cpu_emulator_percent", round(cpu_ticks([emus[0][0].pid]) / CLK_TCK / (time.monotonic() - t0) * 100, 3), "%")
        emit("idle_rss_after_soak_kib", proc_status(sim.pid(), "VmRSS"), "KiB")
    finally:
        sim.stop()
        nfc.stop()
        stop(emus[0][0])


def attendance_db(d, members):
    os.makedirs(d + "/door", exist_ok=True)
    subprocess.run([f"{BUILD}/bench/gen_attendance", "--db", d + "/seuil.db", "--members", str(members),
                    "--days", "365"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fd = os.open(d + "/uid.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, os.urandom(32))
    os.close(fd)
    conf = d + "/seuild.conf"
    with open(conf, "w") as f:
        f.write(f"[site]\nname = bench\ntimezone = Europe/Paris\n[store]\ndatabase = {d}/seuil.db\n"
                f"uid_key_file = {d}/uid.key\n[door.front]\ngpio = sim\nsim_dir = {d}/door\n"
                f"[control]\nsocket = {d}/control.sock\n")
    return conf


def report_ms(conf, *args, runs=3):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([f"{BUILD}/seuilctl", "-f", conf, "report", "attendance", "--from", "2026-01-01",
                        "--to", "2026-12-31"] + list(args), check=True, stdout=subprocess.DEVNULL)
        t = (time.perf_counter() - t0) * 1000
        best = t if best is None or t < best else best
    return best


def section_report(ctx):
    conf = attendance_db(ctx["shm"] + "/report", 500)
    emit("report_year_by_month_csv_ms", report_ms(conf, "--by", "month", "--csv"), "ms")
    emit("report_year_by_day_html_ms", report_ms(conf, "--by", "day", "--html"), "ms")
    ctx["report_conf"] = conf


def http_get(port, path, cookie=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def section_console(ctx):
    conf = ctx.get("report_conf") or attendance_db(ctx["shm"] + "/report", 500)
    d = os.path.dirname(conf)
    port = free_port()
    with open(conf, "a") as f:
        f.write(f"[reader.front-in]\ndriver = sim\nsim_fifo = {d}/in.fifo\ndoor = front\n"
                f"direction = in\n[mqtt]\nenabled = false\n[web]\nlisten = 127.0.0.1:{port}\n")
    subprocess.run([f"{BUILD}/seuilctl", "-f", conf, "web", "user", "add", "bench", "--role", "admin"],
                   input=b"bench password\n", check=True, stdout=subprocess.DEVNULL)
    sd = start([f"{BUILD}/seuild", "-d", "-f", conf], stderr=open(d + "/seuild.log", "w"))
    web = start([f"{BUILD}/seuil-web", "-d", "-f", conf], stderr=subprocess.DEVNULL,
                env=dict(os.environ, SEUIL_WEB_PAGE=TOP + "/web/page"))
    try:
        wait_for(lambda: os.path.exists(d + "/control.sock"), 10)
        wait_for(lambda: _get_ok(port), 10)
        # The page: index.html and what it loads, on one connection each, best of 5.
        best = None
        for _ in range(5):
            t0 = time.perf_counter()
            for p in ("/", "/app.css", "/app.js"):
                http_get(port, p)
            t = (time.perf_counter() - t0) * 1000
            best = t if best is None or t < best else best
        emit("console_page_ms", best, "ms")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/api/v1/login", body=json.dumps({"user": "bench", "password": "bench password"}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        cookie = "; ".join(h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie")
        c.close()
        paths = ["/api/v1/status", "/api/v1/who", "/api/v1/log", "/api/v1/members",
                 "/api/v1/members/1", "/api/v1/badges", "/api/v1/groups"]
        lat, codes = [], {}
        for _ in range(30):
            for p in paths:
                t0 = time.perf_counter()
                code, _ = http_get(port, p, cookie)
                lat.append((time.perf_counter() - t0) * 1000)
                codes.setdefault(code, set()).add(p)
        emit("console_api_p50_ms", pct(lat, 50), "ms")
        emit("console_api_p99_ms", pct(lat, 99), "ms")
        # The manager's newer calls: problems (whom an unsynced clock
        # refuses reads every member), the picker, the log filtered, the
        # backups, and insight over the whole year of visits.
        newer = {"problems": ["/api/v1/problems"],
                 "calls": ["/api/v1/members?q=elo", "/api/v1/log?type=arrival&from=2026-06-01&to=2026-06-30",
                           "/api/v1/log?member=1&limit=50", "/api/v1/backups"],
                 "insight": ["/api/v1/report/presence-hours?from=2026-01-01&to=2026-12-31",
                             "/api/v1/report/members?from=2026-01-01&to=2026-12-31",
                             "/api/v1/report/drifting?to=2026-12-31",
                             "/api/v1/report/retention?from=2026-01-01&to=2026-12-31"]}
        for name, ps in newer.items():
            lat = []
            for _ in range(20):
                for p in ps:
                    t0 = time.perf_counter()
                    code, _ = http_get(port, p, cookie)
                    lat.append((time.perf_counter() - t0) * 1000)
                    codes.setdefault(code, set()).add(p)
            emit(f"console_{name}_p50_ms", pct(lat, 50), "ms")
            emit(f"console_{name}_p99_ms", pct(lat, 99), "ms")
        if set(codes) - {200}:
            print(f"# console: statuses {codes}", flush=True)
    finally:
        stop(web)
        stop(sd)


def _get_ok(port):
    try:
        return http_get(port, "/")[0] == 200
    except OSError:
        return False


def section_scale(ctx):
    rnd = random.Random(11)
    for n in (1000, 10000, 100000, 1000000):
        d = f"{ctx['shm']}/scale-{n}"
        os.makedirs(d)
        gen_badges(d + "/seuil.db", d + "/uid.key", n, max(1, n // 5), 0)
        dm = Daemon(d, d + "/seuil.db", d + "/uid.key", doors=8)
        try:
            time.sleep(0.5)
            share = taps_badge_path(dm, 220, 0.008, n, rnd)[20:]
            emit(f"scale_badge_path_p99_us_{n}", int(pct(share, 99)), "us")
            emit(f"scale_rss_peak_kib_{n}", proc_status(dm.pid(), "VmHWM"), "KiB")
        finally:
            dm.stop()
        shutil.rmtree(d, ignore_errors=True)
    for m in (100, 500, 2000):
        conf = attendance_db(f"{ctx['shm']}/scale-report-{m}", m)
        emit(f"scale_report_month_ms_{m}", report_ms(conf, "--by", "month", "--csv"), "ms")
        shutil.rmtree(os.path.dirname(conf), ignore_errors=True)


SITE_REPLICAS = int(os.environ.get("BENCH_SITE_REPLICAS", 5))
SITE_ROUNDS = int(os.environ.get("BENCH_SITE_ROUNDS", 20))


def site_conf(d, node, role, port):
    with open(f"{d}/seuild.conf", "w") as f:
        f.write(f"""[site]
name = bench
timezone = Europe/Paris
node = {node}
role = {role}
key_file = {d}/site.key
heartbeat = 1s

[store]
database = {d}/seuil.db
uid_key_file = {d}/uid.key

[credentials]
key_file = {d}/credentials.key

[door.{node}]
gpio = sim
sim_dir = {d}/door
unlock_time = 1s

[reader.{node}-in]
driver = sim
sim_fifo = {d}/in.fifo
door = {node}
direction = in

[security]
unsynced_clock = ignore
lockout_failures = 32

[mqtt]
host = 127.0.0.1
port = {port}
homeassistant = false

[control]
socket = {d}/control.sock

[replica]
site_key_file = {d}/site.pub
""")


def site_primary_badge_path(dirs, fifos, db, badges):
    """The primary's own door while every replica's reader is tapped 10
    times a second (their rows land in the primary's site_events): the
    badge path as section_badge times it (seuild's "badge path" log line,
    400 taps 10 ms apart, the first 20 left out), first with the replicas
    idle, then under their taps."""
    log = dirs["main"] + "/seuild.log"
    paths = lambda: [int(m) for m in re.findall(r"badge path: (\d+) us", open(log).read())]
    own = os.open(dirs["main"] + "/in.fifo", os.O_WRONLY)
    rnd = random.Random(15)

    def taps():
        before = len(paths())
        for _ in range(400):
            os.write(own, f"{rnd.choice(badges)}\n-\n".encode())
            time.sleep(TAP_GAP_S)
        wait_for(lambda: len(paths()) >= before + 400, 10)
        return paths()[before:][20:]

    rows = lambda: db.execute("SELECT count(*) FROM site_events WHERE node != 'main'").fetchone()[0]
    try:
        time.sleep(1.0)
        alone = taps()
        emit("site_primary_badge_path_alone_p99_us", int(pct(alone, 99)), "us")
        done = threading.Event()

        def load():     # each replica 10 taps/s, the replicas' taps spread over the tenth
            lrnd = random.Random(25)
            step = 0.1 / max(1, len(fifos))
            nxt = time.monotonic()
            while not done.is_set():
                for fd in fifos.values():
                    os.write(fd, f"{lrnd.choice(badges)}\n-\n".encode())
                    nxt += step
                    time.sleep(max(0.0, nxt - time.monotonic()))
        t = threading.Thread(target=load)
        t.start()
        try:
            time.sleep(2.0)     # the replicas' journals flowing
            r0, t0 = rows(), time.monotonic()
            loaded = taps()
            r1, t1 = rows(), time.monotonic()
        finally:
            done.set()
            t.join()
        emit("site_primary_badge_path_p50_us", int(pct(loaded, 50)), "us")
        emit("site_primary_badge_path_p99_us", int(pct(loaded, 99)), "us")
        emit("site_primary_journal_rows_per_s", (r1 - r0) / (t1 - t0), "rows/s")
    finally:
        os.close(own)
    time.sleep(1.5)     # the doors relock and the journals settle before the next figures


def section_site(ctx):
    """A site: one primary and BENCH_SITE_REPLICAS replicas on one broker.
    site_revoke_to_deny: `seuilctl badge revoke` on the primary → the
    access_denied (badge_revoked) recorded at a replica whose reader is
    tapped with that badge every ~50 ms, per replica and round.
    site_journal_lag: that denial's ts at the replica → the primary's
    site_events holding it (polled every 10 ms).  site_primary_badge_path:
    site_primary_badge_path()."""
    import sqlite3
    base = ctx["shm"] + "/site"
    port = free_port()
    os.makedirs(base)
    with open(base + "/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = start(["mosquitto", "-c", base + "/mosquitto.conf"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    nodes = ["main"] + [f"r{i}" for i in range(SITE_REPLICAS)]
    dirs = {n: f"{base}/{n}" for n in nodes}
    ctl = lambda n, *a: subprocess.run([BUILD + "/seuilctl", "-f", dirs[n] + "/seuild.conf", *a],
                                       capture_output=True, text=True, cwd=base)
    daemons = []
    try:
        for n in nodes:
            os.makedirs(dirs[n] + "/door")
            site_conf(dirs[n], n, "primary" if n == "main" else "replica", port)
        ctl("main", "init")
        ctl("main", "site", "init")
        badges = []
        for r in range(SITE_ROUNDS):
            ctl("main", "member", "add", f"m{r}")
            uid = "04B0%04X" % r
            ctl("main", "badge", "add", f"m{r}", uid)
            badges.append(uid)
        for n in nodes[1:]:
            ctl("main", "site", "join", n)
            ctl(n, "site", "install", f"{base}/{n}.bundle")
        for n in nodes:     # the primary verbose: its log times its badge path
            daemons.append(start([BUILD + "/seuild", "-d"] + (["-v"] if n == "main" else [])
                                 + ["-f", dirs[n] + "/seuild.conf"], stdout=subprocess.DEVNULL,
                                 stderr=open(dirs[n] + "/seuild.log", "w")))
        digest = lambda n: json.loads(ctl(n, "--json", "site", "show").stdout or "{}").get("digest")
        if not wait_for(lambda: all(os.path.exists(dirs[n] + "/in.fifo") for n in nodes), 15) or \
           not wait_for(lambda: len({digest(n) for n in nodes}) == 1, 30, 0.2):
            raise RuntimeError("the replicas' copies did not become the primary's")
        fifos = {n: os.open(dirs[n] + "/in.fifo", os.O_WRONLY) for n in nodes[1:]}
        dbs = {n: sqlite3.connect(f"file:{dirs[n]}/seuil.db?mode=ro", uri=True) for n in nodes}
        ids = {uid: dbs["main"].execute("SELECT id FROM badges WHERE uid_hint = ?",
                                        (uid[-4:],)).fetchone()[0] for uid in badges}
        site_primary_badge_path(dirs, fifos, dbs["main"], badges)
        deny, lag = [], []
        for uid in badges:
            t0 = time.time()
            ctl("main", "badge", "revoke", str(ids[uid]))
            pending, found = set(nodes[1:]), {}
            end = time.monotonic() + 10
            next_tap = 0.0
            while (pending or found) and time.monotonic() < end:
                if pending and time.monotonic() >= next_tap:
                    for n in pending:
                        os.write(fifos[n], f"{uid}\n-\n".encode())
                    next_tap = time.monotonic() + 0.05
                for n in list(pending):
                    row = dbs[n].execute("SELECT seq, ts_ms FROM events WHERE type = 'access_denied'"
                                         " AND reason = 'badge_revoked' AND badge_id = ? ORDER BY seq"
                                         " LIMIT 1", (ids[uid],)).fetchone()
                    if row is not None:
                        deny.append(row[1] - t0 * 1000)
                        found[n] = row
                        pending.discard(n)
                for n, (seq, ts) in list(found.items()):
                    if dbs["main"].execute("SELECT 1 FROM site_events WHERE node = ? AND node_seq = ?",
                                           (n, seq)).fetchone():
                        lag.append(time.time() * 1000 - ts)
                        del found[n]
                time.sleep(0.005)
            time.sleep(1.1)     # each door relocks: the next round starts alike
        emit(f"site_revoke_to_deny_p50_ms", pct(deny, 50), "ms")
        emit(f"site_revoke_to_deny_p99_ms", pct(deny, 99), "ms")
        emit("site_revoke_denials", len(deny), f"of {SITE_ROUNDS * SITE_REPLICAS}")
        emit("site_journal_lag_p50_ms", pct(lag, 50), "ms")
        emit("site_journal_lag_p99_ms", pct(lag, 99), "ms")
        for c in dbs.values():
            c.close()
        for fd in fifos.values():
            os.close(fd)
    finally:
        for p in daemons:
            stop(p)
        stop(broker)


SECTIONS = [("fsync", section_fsync), ("badge", section_badge), ("import", section_import),
            ("burst", section_burst),
            ("mqtt", section_mqtt), ("nfc", section_nfc), ("desfire", section_desfire),
            ("idle", section_idle),
            ("report", section_report), ("console", section_console), ("scale", section_scale),
            ("site", section_site)]


def main():
    only = None
    jsonfile = None
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--only":
            only = set(args[i + 1].split(","))
        if a == "--json":
            jsonfile = args[i + 1]
    disk_base = os.environ.get("BENCH_DISK_DIR", "/var/tmp")
    ctx = {"shm": tempfile.mkdtemp(prefix="seuil-bench.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None),
           "disk": tempfile.mkdtemp(prefix="seuil-bench.", dir=disk_base)}
    t0 = time.monotonic()
    try:
        for name, fn in SECTIONS:
            if only and name not in only:
                continue
            try:
                fn(ctx)
            except Exception as e:     # a section that breaks says so; the others still run
                print(f"bench: {name} failed ({type(e).__name__}: {str(e)[:300]})", flush=True)
    finally:
        for p in PROCS:
            stop(p)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(ctx["shm"], ignore_errors=True)
            shutil.rmtree(ctx["disk"], ignore_errors=True)
    emit("bench_wall_s", time.monotonic() - t0, "s")
    if jsonfile:
        with open(jsonfile, "w") as f:
            json.dump(RESULTS, f)


if __name__ == "__main__":
    main()
