"""deploy/nginx.conf run on this machine: Debian's nginx in the foreground, and a stand-in for Docker's DNS.

In Docker Compose, nginx asks Docker's DNS (127.0.0.11) for `app` and gets every replica's address. Here a small
DNS server on loopback answers `app` with the instances' loopback addresses (127.0.0.1, 127.0.0.2, …, all on one
port), and it can be told to answer differently while nginx runs, as Docker's does when replicas come and go. So the
file's own directives are tested, resolver and re-resolution included; only the resolver's address, the app's port
and the listening address are changed.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"


class Resolver:
    """Answers every A query with `addresses` (and others with no record), like Docker's DNS for a scaled service."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                query, peer = self.socket.recvfrom(512)
            except OSError:  # closed
                return
            end = 12
            while query[end]:  # the question's name: length-prefixed labels up to a zero byte
                end += query[end] + 1
            qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
            answers = self.addresses if qtype == 1 else []
            header = query[:2] + struct.pack("!HHHHH", 0x8180, 1, len(answers), 0, 0)
            records = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 10, 4) + socket.inet_aton(a) for a in answers)
            self.socket.sendto(header + query[12:end + 5] + records, peer)

    def close(self) -> None:
        self.socket.close()


def render(resolver_port: int, app_port: int, listen_port: int) -> str:
    """deploy/nginx.conf with this machine's resolver, app port and listening address; fails if it changed shape."""
    text = CONF.read_text()
    for old, new in (("resolver 127.0.0.11 ", f"resolver 127.0.0.1:{resolver_port} "),
                     ("http://app:8000;", f"http://app:{app_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{listen_port};")):
        if text.count(old) != 1:
            raise RuntimeError(f"deploy/nginx.conf no longer has {old!r} once: update benchmarks/proxy.py")
        text = text.replace(old, new)
    return text


def binary() -> str:
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if found is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("nginx", path="/usr/sbin")
    if found is None:
        raise SystemExit("nginx is needed: apt-get install -y nginx")
    return found


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def nginx(site: str, port: int) -> Iterator[tuple[int, Path]]:
    """nginx serving `site` (a conf.d file, as in the nginx image) on 127.0.0.1:port; yields its pid and error log.
    The wrapper is the image's own: a worker per core, 1024 connections each; no access log."""
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(f"""daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    keepalive_timeout 65;
    include {prefix}/site.conf;
}}
""")
    process = subprocess.Popen([binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"])
    try:
        deadline = time.monotonic() + 10
        while not reachable(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.1)
        yield process.pid, prefix / "error.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(prefix, ignore_errors=True)
