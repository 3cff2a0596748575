"""Test fixtures: a real database per test (SQLite, or PostgreSQL when
``RAIDWATCH_TEST_DATABASE_URL`` is set), and a real HTTP server on loopback.

Isolation is a fresh database per test, copied from one migrated at the start of the run
(a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlmodel import Session

from server.config import Settings
from server.db import get_engine, migrate

PG_URL = os.environ.get("RAIDWATCH_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _pg_admin_url() -> str:
    return PG_URL.rsplit("/", 1)[0] + "/postgres"


def _pg_exec(sql: str) -> None:
    engine = create_engine(
        _pg_admin_url().replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once; each test gets a copy."""
    if PG_URL:
        name = f"rw_template_{os.getpid()}"
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_exec(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        settings = Settings(
            env="test",
            database_url=url,
            secret_key=TEST_SECRET,
            data_dir=tmp_path_factory.mktemp("tpl"),
        )
        migrate(settings)
        get_engine(settings).dispose()
        yield name
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    settings = Settings(env="test", database_url=f"sqlite:///{path}", secret_key=TEST_SECRET)
    migrate(settings)
    get_engine(settings).dispose()
    yield str(path)


@pytest.fixture
def settings(tmp_path: Path, template_db: str) -> Iterator[Settings]:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    if PG_URL:
        name = f"rw_{uuid.uuid4().hex[:12]}"
        _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        db_file = data_dir / "raidwatch.sqlite3"
        shutil.copy(template_db, db_file)
        url = f"sqlite:///{db_file}"
        name = ""
    value = Settings(
        env="test",
        database_url=url,
        secret_key=TEST_SECRET,
        data_dir=data_dir,
        scheduler=False,
    )
    yield value
    get_engine(value).dispose()
    if name:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with Session(get_engine(settings)) as s:
        yield s


@pytest.fixture
def pub(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """The test settings on the synthetic gazetteer, noise off; a module or test marked
    ``pytest.mark.pub(**overrides)`` changes them (and its live server runs on them)."""
    from tests.synthetic import publishing_settings

    marker = request.node.get_closest_marker("pub")
    overrides = marker.kwargs if marker is not None else {}
    return publishing_settings(settings, tmp_path, **overrides)


@pytest.fixture
def app(request: pytest.FixtureRequest, settings: Settings):
    """The app: on `pub` under ``pytest.mark.pub``, otherwise on the plain test settings; a
    module or test marked ``pytest.mark.app_settings(**overrides)`` runs the app (only) on
    those settings changed."""
    from server.app import create_app

    on = request.getfixturevalue("pub") if request.node.get_closest_marker("pub") else settings
    changed = request.node.get_closest_marker("app_settings")
    return create_app(on.model_copy(update=changed.kwargs) if changed else on)


@dataclass
class LiveServer:
    url: str
    app: object

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` behind a real uvicorn on loopback, configured exactly as `raidwatch serve`;
    yields its URL."""
    from server.cli.operate import uvicorn_options

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        **uvicorn_options(app.state.settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The app behind a real uvicorn on loopback, configured exactly as `raidwatch serve`."""
    with serving(app) as url:
        yield LiveServer(url=url, app=app)


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[Callable[[], httpx.Client]]:
    """Make independent HTTP clients (each its own cookie jar) for the live server."""
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(live_server.client())
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def network(session: Session, settings: Settings):
    """A network and its raw member token."""
    from server.networks.links import create_network

    net, token = create_network(session=session, name="East London Network", key=settings.key())
    return net, token


@pytest.fixture
def noted(session: Session, network):
    """The `network`, accepting sealed notes (so its form has a note field)."""
    from server.intake.sealing import new_keypair

    net, _ = network
    net.public_key = new_keypair()[0]
    session.add(net)
    session.commit()
    return net


@pytest.fixture(autouse=True)
def _fresh_codes() -> None:
    """Each test's servers start with no TOTP code spent (see tests.organisers.fresh_code)."""
    from tests.organisers import SENT_CODES

    SENT_CODES.clear()


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    # The test *client* logs the URLs it requests (with member tokens); only the server's
    # logs are under test, so silence the client.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    yield
    logging.getLogger("raidwatch").handlers.clear()
