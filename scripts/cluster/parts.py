"""The parts of the compose topology, from Debian's packages: a fresh PostgreSQL database,
Redis, `raidwatch serve` replicas and nginx, each a process this harness starts and ends.

Every process runs the code of this checkout (``python -m server.cli`` with the checkout on
``PYTHONPATH``) and writes its output to a file in the run's folder, shown when it fails.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no output)"
    return "\n".join("    " + line for line in text[-lines:]) or "    (no output)"


@dataclass
class Database:
    """A database of its own on the local PostgreSQL, dropped at the end."""

    admin_url: str  # any database on the server, to create and drop ours from
    name: str

    @property
    def url(self) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    def create(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, query: str) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return list(conn.execute(query).fetchall())


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@dataclass
class Cluster:
    """Replicas on one database and one Redis, behind one nginx, all in `folder`."""

    folder: Path
    database: Database
    redis_url: str
    replicas: int = 3
    ports: list[int] = field(default_factory=list)
    processes: dict[int, subprocess.Popen] = field(default_factory=dict)
    starts: dict[int, int] = field(default_factory=dict)  # how often each replica started
    nginx: subprocess.Popen | None = None
    nginx_port: int = 0
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    login_per_username: int = 5
    login_per_address: int = 10
    secrets: list[str] = field(default_factory=list)  # values no output may contain

    def env(self, name: str) -> dict[str, str]:
        """The compose app service's environment, as this machine can give it."""
        data = self.folder / name
        data.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAIDWATCH_")}
        env.update(
            PYTHONPATH=str(ROOT),
            RAIDWATCH_ENV="production",
            RAIDWATCH_SECRET_KEY=self.secret_key,
            RAIDWATCH_DATABASE_URL=self.database.url,
            RAIDWATCH_RATE_LIMIT_STORAGE=self.redis_url,
            # No shared volume: each replica (and each command) has a data folder of its own,
            # as replicas on separate hosts would.
            RAIDWATCH_DATA_DIR=str(data),
            RAIDWATCH_BURST_LIMIT="0",  # as in docker-compose.yml: nginx forwards no address
            # Stored reports per link per hour: high enough for the load, still counted in Redis.
            RAIDWATCH_RATE_LIMIT_PER_LINK="100000",
            RAIDWATCH_LOGIN_ATTEMPTS_PER_USERNAME=str(self.login_per_username),
            # On here (compose turns it off behind the proxy) so that the shared per-address
            # counter can be checked by logging in to the replicas directly.
            RAIDWATCH_LOGIN_ATTEMPTS_PER_ADDRESS=str(self.login_per_address),
        )
        return env

    # Replicas ------------------------------------------------------------------------------

    def start_replica(self, index: int) -> None:
        if not self.ports:
            self.ports = [free_port() for _ in range(self.replicas)]
        self.starts[index] = self.starts.get(index, 0) + 1
        log = self.folder / f"replica-{index}.{self.starts[index]}.log"
        self.processes[index] = subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.ports[index])],
            cwd=ROOT,
            env=self.env(f"replica-{index}"),
            stdin=subprocess.DEVNULL,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def replica_log(self, index: int) -> Path:
        return self.folder / f"replica-{index}.{self.starts[index]}.log"

    def wait_ready(self, index: int, timeout: float = 150) -> bool:
        """True once the replica answers /healthz; False if it exited or never answered."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.ports[index]}/healthz"
        while time.monotonic() < deadline:
            if self.processes[index].poll() is not None:
                return False
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        return False

    def kill_replica(self, index: int) -> None:
        """kill -9: no graceful stop, connections and transactions cut where they are."""
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait()

    # Commands ------------------------------------------------------------------------------

    def command(self, name: str, *args: str, stdin: str = "") -> subprocess.Popen:
        """Start one `raidwatch` command as an operator would, with the app's environment."""
        out = self.folder / f"cli-{name}.log"
        proc = subprocess.Popen(  # noqa: S603  (our own CLI, no shell)
            [sys.executable, "-m", "server.cli", *args],
            cwd=ROOT,
            env=self.env(f"cli-{name}"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=out.open("wb"),
            text=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        proc.stdin = None  # written: `communicate` reads the output only
        return proc

    # Proxy ---------------------------------------------------------------------------------

    def start_nginx(self) -> None:
        prefix = self.folder / "nginx"
        prefix.mkdir(exist_ok=True)
        self.nginx_port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(
            render_nginx_conf(NGINX_CONF.read_text(), self.ports, self.nginx_port, prefix)
        )
        directives = f"daemon off; pid {prefix / 'nginx.pid'};"
        if os.geteuid() == 0:  # workers would otherwise drop to `nobody`
            directives += " user root;"
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
            [nginx, "-e", "stderr", "-p", str(prefix), "-c", str(conf), "-g", directives],
            stdin=subprocess.DEVNULL,
            stdout=(self.folder / "nginx.log").open("wb"),
            stderr=subprocess.STDOUT,
        )

    def nginx_ready(self, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nginx is None or self.nginx.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.proxy_url}/healthz", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return False

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    # The end ---------------------------------------------------------------------------------

    def stop(self) -> None:
        running = [p for p in [self.nginx, *self.processes.values()] if p is not None]
        for proc in running:
            if proc.poll() is None:
                proc.terminate()
        for proc in running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def render_nginx_conf(conf: str, ports: list[int], listen_port: int, prefix: Path) -> str:
    """deploy/nginx.conf with its upstream pointed at local replicas, a local port, and the
    temporary folders in `prefix` (Debian's nginx would use /var/lib/nginx, which only root
    may write, and where the check that nothing was spooled could not look).

    Everything else is the shipped file, so what the cluster test proves is that file.
    """
    temp = "".join(
        f"    {kind}_temp_path {prefix / (kind + '_temp')};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf, found = re.subn(r"^http \{\n", lambda m: m.group(0) + temp, conf, flags=re.M)
    if found != 1:
        raise ValueError("deploy/nginx.conf no longer has its `http {` block")
    upstream = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
    conf, found = re.subn(r"^\s*server app:8000;$", upstream, conf, flags=re.M)
    if found != 1:
        raise ValueError("deploy/nginx.conf no longer has its `server app:8000;` upstream line")
    conf, found = re.subn(
        r"^(\s*)listen 80;$", rf"\g<1>listen 127.0.0.1:{listen_port};", conf, flags=re.M
    )
    if found != 1:
        raise ValueError("deploy/nginx.conf no longer has its `listen 80;` line")
    return conf
