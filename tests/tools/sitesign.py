#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sign a body as a site's primary does (core/site_sig.h), for the tests'
hostile messages: forged with another key, for another site, for another
topic.  Ed25519 through the openssl command, from a raw 32-byte key file.

    sitesign.py KEYFILE TOPIC < BODY > ENVELOPE
    sitesign.py --new KEYFILE          a new random key file (0600)"""
import base64
import hashlib
import os
import subprocess
import sys
import tempfile

PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")


def openssl(args, data=None):
    return subprocess.run(["openssl"] + args, input=data, capture_output=True,
                          check=True).stdout


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--new":
        fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        return
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(64)
    seed = open(sys.argv[1], "rb").read()
    topic = sys.argv[2].encode()
    body = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "k.der")
        msg = os.path.join(d, "m")
        with open(key, "wb") as f:
            f.write(PKCS8_ED25519 + seed)
        with open(msg, "wb") as f:
            f.write(b"seuil/1\0" + topic + b"\0" + body)
        sig = openssl(["pkeyutl", "-sign", "-inkey", key, "-keyform", "DER", "-rawin",
                       "-in", msg])
        pub = openssl(["pkey", "-in", key, "-inform", "DER", "-pubout", "-outform",
                       "DER"])[-32:]
    key_id = hashlib.sha256(pub).hexdigest()[:16]
    sys.stdout.buffer.write(b"SEUIL-SIG/1 ed25519 " + key_id.encode() + b" " +
                            base64.b64encode(sig) + b"\n" + body)


if __name__ == "__main__":
    main()
