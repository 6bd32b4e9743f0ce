#!/usr/bin/env python3
"""Capture real server first flights for the src/wire tests (testdata/wire/).

For each scenario, starts `openssl s_server` on 127.0.0.1 with a throwaway
self-signed RSA certificate, sends the ClientHello bytes from
HELLO_DIR/<name>.client.bin (encoded by tlscompat's wire::ClientHello), and
writes everything the server answers within about one second to
OUT_DIR/<name>.server.bin (the hello is copied next to it). The key and
certificate live in a temporary directory and are deleted afterwards.

    python3 scripts/capture-wire.py /tmp/hellos testdata/wire
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SCENARIOS = [
    # (name, s_server arguments)
    ("tls12-ecdhe-rsa-certreq",
     ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-Verify", "1", "-CAfile", "{cert}"]),
    ("tls10-aes256-sha", ["-tls1", "-cipher", "AES256-SHA:@SECLEVEL=0"]),
    ("tls13", ["-tls1_3"]),
    ("alert-handshake-failure", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
    ("tls13-hrr", ["-tls1_3", "-groups", "P-256"]),
    # TLS 1.3 enabled on the server, the client offers TLS 1.2 only.
    ("tls12-downgrade-sentinel", ["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc, deadline):
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if b"ACCEPT" in line:
            return
    raise SystemExit("s_server did not start")


def exchange(port, hello, window=1.0):
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=window) as s:
        s.sendall(hello)
        end = time.time() + window
        while True:
            left = end - time.time()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    return out


def main():
    hello_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=test", "-days", "3650",
                        "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        for name, args in SCENARIOS:
            port = free_port()
            argv = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}",
                    "-cert", cert, "-key", key, "-naccept", "1"]
            argv += [a.format(cert=cert) for a in args]
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            try:
                wait_ready(proc, time.time() + 10)
                with open(os.path.join(hello_dir, f"{name}.client.bin"), "rb") as f:
                    hello = f.read()
                answer = exchange(port, hello)
            finally:
                proc.kill()
                proc.wait()
            shutil.copyfile(os.path.join(hello_dir, f"{name}.client.bin"),
                            os.path.join(out_dir, f"{name}.client.bin"))
            with open(os.path.join(out_dir, f"{name}.server.bin"), "wb") as f:
                f.write(answer)
            print(f"{name}: sent {len(hello)} bytes, got {len(answer)}: {answer[:16].hex()}")


if __name__ == "__main__":
    main()
