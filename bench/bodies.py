"""Peak memory of the server while clients push huge bodies at it (issue 9, point 3).

Starts `raidwatch serve` on a fresh SQLite database in a temporary folder (with one
network, whose member token the uploads carry), then streams (never holding them in memory
here) 100 MB JSON bodies to the API, 1 GiB multipart and chunked bodies to /login and a
1 GiB member form, and prints the server's peak resident memory (VmHWM) before and after,
with what each upload got back and how many bytes the server let through before closing.

    .venv/bin/python bench/bodies.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNK = b"x" * 65536


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stream(port: int, head: str, total: int) -> tuple[str, int]:
    """Send the headers, then up to `total` body bytes; stop when the server answers."""
    unit = CHUNK
    if "chunked" in head:
        unit = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        sock.setblocking(False)
        sent, answer = 0, b""
        while sent < total:
            try:
                answer += sock.recv(65536)
                if answer:
                    break
            except BlockingIOError:
                pass
            try:
                sent += sock.send(unit[: min(len(unit), total - sent)])
            except BlockingIOError:
                time.sleep(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(5)  # a server that answered and kept reading would hang here
        try:
            answer += sock.recv(65536)
        except OSError:
            pass
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)"
    return status, sent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        port = 18000 + os.getpid() % 1000
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RAIDWATCH_DATA_DIR": tmp,
            "RAIDWATCH_SCHEDULER": "false",
        }
        created = subprocess.run(
            [sys.executable, "-m", "server.cli", "network", "create", "Bench"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        token = created.stdout.strip().rsplit("/r/", 1)[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            print(f"server peak RSS at rest: {peak_mb(server.pid):.0f} MB")
            for label, head, total in (
                (
                    "100 MB JSON to /api/v1/reports",
                    "POST /api/v1/reports HTTP/1.1\nHost: 127.0.0.1\n"
                    f"Authorization: Bearer {token}\n"
                    f"Content-Type: application/json\nContent-Length: {100_000_000}\n",
                    100_000_000,
                ),
                (
                    "100 MB chunked JSON to /api/v1/reports (no Content-Length)",
                    "POST /api/v1/reports HTTP/1.1\nHost: 127.0.0.1\n"
                    f"Authorization: Bearer {token}\n"
                    "Content-Type: application/json\nTransfer-Encoding: chunked\n",
                    100_000_000,
                ),
                (
                    "1 GiB multipart to /login",
                    "POST /login HTTP/1.1\nHost: 127.0.0.1\n"
                    "Content-Type: multipart/form-data; boundary=b\n"
                    f"Content-Length: {1 << 30}\n",
                    1 << 30,
                ),
                (
                    "1 GiB chunked form to /login (no Content-Length)",
                    "POST /login HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked\n"
                    "Content-Type: application/x-www-form-urlencoded\n",
                    1 << 30,
                ),
                (
                    "1 GiB member form",
                    f"POST /r/{token} HTTP/1.1\nHost: 127.0.0.1\n"
                    "Content-Type: application/x-www-form-urlencoded\n"
                    f"Content-Length: {1 << 30}\n",
                    1 << 30,
                ),
            ):
                started = time.monotonic()
                status, sent = stream(port, head, total)
                print(
                    f"{label}: {status!r} after {sent / 1e6:.1f} MB sent, "
                    f"{time.monotonic() - started:.2f} s; server peak RSS now "
                    f"{peak_mb(server.pid):.0f} MB"
                )
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
