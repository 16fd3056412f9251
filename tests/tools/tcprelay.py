#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cuttable TCP relay for the multi-node tests (docs/site.md, "Tested on
one machine"): every connection to 127.0.0.1:LISTEN is forwarded to
127.0.0.1:TARGET, each direction by a thread of its own.

    tcprelay.py LISTEN TARGET [READY_FILE]

Cut a node off from its broker by what is done to this process:
  kill (TERM or KILL)  a hard partition: both sides see the connection reset
  kill -STOP           a silent one: bytes wait in the kernel's buffers, and
                       only keepalives find out
  kill -CONT           the silent one heals
READY_FILE is written once the relay listens."""
import os
import signal
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(listen, target, ready):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen))
    srv.listen(64)
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    while True:
        client, _ = srv.accept()
        try:
            upstream = socket.create_connection(("127.0.0.1", target), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: tcprelay.py LISTEN TARGET [READY_FILE]\n")
        sys.exit(64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] if len(sys.argv) == 4 else None)


if __name__ == "__main__":
    main()
