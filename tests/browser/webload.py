#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many clients at once against seuil-web, for its abuse tests
(tests/integration/web_*.sh): logins from many source addresses, slow
clients, uploads and requests whose body never comes.

Every address of 127.0.0.0/8 is the loopback on Linux, so a client bound
to 127.X.Y.Z is a distinct address for the server.  Each command prints
plain lines the shell test reads; timeouts are wide (the tests also run
under ASan on a busy machine).

  webload.py logins PORT JOBS < lines       "ADDR USER PASSWORD" each:
                                            prints "ADDR USER STATUS"
                                            in input order (STATUS 0: no
                                            answer)
  webload.py slow PORT ADDRS PER SECONDS    PER slow clients from each of
                                            ADDRS (comma-separated), one
                                            header byte a second, each one
                                            reopened when the server drops
                                            it; prints "dropped N" and
                                            "longest S" (seconds one lived)
  webload.py idle PORT ADDR N               N connections from ADDR that
                                            send nothing: prints "open K",
                                            how many the server kept after
                                            2 s
  webload.py early PORT METHOD PATH LENGTH [HEADER...]
                                            headers announcing LENGTH
                                            bytes, then no body: prints
                                            "STATUS SECONDS" (0 when no
                                            answer came in 20 s, or in
                                            $WEBLOAD_WAIT s)
  webload.py upload PORT ADDRS PER LENGTH PATH
                                            PER clients from each of ADDRS
                                            send LENGTH bytes to PATH at
                                            once, without a session: prints
                                            each status
"""
import concurrent.futures
import os
import socket
import sys
import threading
import time


def connect(port, addr, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((addr, 0))
    s.connect(("127.0.0.1", port))
    return s


def status_of(data):
    """The status of an HTTP/1.x answer's first line, or 0."""
    try:
        line = data.split(b"\r\n", 1)[0].decode("ascii", "replace")
        parts = line.split(" ")
        return int(parts[1]) if parts[0].startswith("HTTP/1.") else 0
    except (IndexError, ValueError):
        return 0


def read_answer(s, deadline=20):
    """Read until the headers of an answer are in (or the end)."""
    data = b""
    end = time.monotonic() + deadline
    while b"\r\n\r\n" not in data and time.monotonic() < end:
        try:
            s.settimeout(max(0.1, end - time.monotonic()))
            chunk = s.recv(4096)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def request(port, addr, method, path, body=b"", headers=()):
    s = connect(port, addr)
    try:
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % (
            method, path, port)
        head += "Content-Length: %d\r\n" % len(body)
        for h in headers:
            head += h + "\r\n"
        s.sendall(head.encode() + b"\r\n" + body)
        return status_of(read_answer(s))
    except OSError:
        return 0
    finally:
        s.close()


def cmd_logins(port, jobs):
    lines = [l.split(" ", 2) for l in sys.stdin.read().splitlines() if l.strip()]

    def one(t):
        addr, user, password = t
        body = ('{"user":"%s","password":"%s"}' % (user, password)).encode()
        return request(port, addr, "POST", "/api/v1/login", body,
                       ("Content-Type: application/json",))

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        codes = list(ex.map(one, lines))
    for (addr, user, _), code in zip(lines, codes):
        print(addr, user, code)


def cmd_slow(port, addrs, per, seconds):
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    stats = {"dropped": 0, "longest": 0.0}

    def client(addr):
        while time.monotonic() < stop:
            try:
                s = connect(port, addr, timeout=2)
            except OSError:
                time.sleep(0.2)
                continue
            born = time.monotonic()
            head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            dropped = False
            try:
                i = 0
                while time.monotonic() < stop:
                    s.send(head[i:i + 1] if i < len(head) else b"a")
                    i += 1
                    time.sleep(1)
                    s.setblocking(False)
                    try:
                        if s.recv(1) == b"":
                            dropped = True
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        s.setblocking(True)
            except OSError:
                dropped = True
            life = time.monotonic() - born
            s.close()
            with lock:
                stats["longest"] = max(stats["longest"], life)
                if dropped:
                    stats["dropped"] += 1

    threads = [threading.Thread(target=client, args=(a,))
               for a in addrs for _ in range(per)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("dropped", stats["dropped"])
    print("longest %.0f" % stats["longest"])


def cmd_idle(port, addr, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port, addr))
        except OSError:
            pass
    time.sleep(2)
    still = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) != b"":
                still += 1
        except BlockingIOError:
            still += 1
        except OSError:
            pass
        s.close()
    print("open", still)


def cmd_early(port, method, path, length, headers):
    s = connect(port, "127.0.0.1")
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n" % (
        method, path, port, length)
    for h in headers:
        head += h + "\r\n"
    t0 = time.monotonic()
    s.sendall(head.encode() + b"\r\n")
    code = status_of(read_answer(s, float(os.environ.get("WEBLOAD_WAIT", "20"))))
    print(code, "%.1f" % (time.monotonic() - t0))
    s.close()


def cmd_upload(port, addrs, per, length, path):
    body = b"a" * length

    def one(addr):
        s = connect(port, addr, timeout=30)
        try:
            head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/csv\r\n"
                    "Content-Length: %d\r\n\r\n" % (path, port, length)).encode()
            s.sendall(head)
            try:
                s.sendall(body)
            except OSError:
                pass	# the server answered and closed: what we want
            return status_of(read_answer(s, 30))
        except OSError:
            return 0
        finally:
            s.close()

    clients = [a for a in addrs for _ in range(per)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(clients)) as ex:
        for code in ex.map(one, clients):
            print(code)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd, port = a[0], int(a[1])
    if cmd == "logins":
        cmd_logins(port, int(a[2]))
    elif cmd == "slow":
        cmd_slow(port, a[2].split(","), int(a[3]), float(a[4]))
    elif cmd == "idle":
        cmd_idle(port, a[2], int(a[3]))
    elif cmd == "early":
        cmd_early(port, a[2], a[3], int(a[4]), a[5:])
    elif cmd == "upload":
        cmd_upload(port, a[2].split(","), int(a[3]), int(a[4]), a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
