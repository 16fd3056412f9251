#!/usr/bin/env python3
"""Many clients at once against seuil-web, for its abuse tests
(tests/integration/web_*.sh): logins from many source addresses.

Every address of 127.0.0.0/8 is the loopback on Linux, so a client bound
to 127.X.Y.Z is a distinct address for the server.  Each command prints
plain lines the shell test reads; timeouts are wide (the tests also run
under ASan on a busy machine).

  webload.py logins PORT JOBS < lines       "ADDR USER PASSWORD" each:
                                            prints "ADDR USER STATUS"
                                            in input order (STATUS 0: no
                                            answer)
"""
import concurrent.futures
import socket
import sys
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


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd, port = a[0], int(a[1])
    if cmd == "logins":
        cmd_logins(port, int(a[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
