"""Backups (P5, P6): `raidwatch backup` writes a consistent snapshot sealed to the operator's
public key; `raidwatch restore` brings it back with the private key, on SQLite and
PostgreSQL. Nothing readable is left on the server."""

from __future__ import annotations

import io
import stat
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from server.db import get_engine
from server.housekeeping import sealed_file
from server.housekeeping.sealed_file import NotSealedForThisKey, open_stream, seal_stream
from server.intake.sealing import new_keypair
from tests.conftest import PG_URL, _pg_exec
from tests.factories import add_report, make_network
from tests.synthetic import run_cli, table_rows

NOTE = b"zq-backup-note-canary-42"
NAME = "Zq Backup Canary Network"
DAY = date(2026, 3, 10)
ROWS = {
    "networks": "SELECT slug, name, link_hash FROM networks ORDER BY slug",
    "reports": "SELECT id, cell, occurred_on, sealed_note FROM reports ORDER BY id",
}


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    public, private = new_keypair()
    (tmp_path / "backup.pub").write_text(public + "\n")
    (tmp_path / "backup.key").write_text(private + "\n")
    return tmp_path / "backup.pub", tmp_path / "backup.key"


@pytest.fixture
def empty(settings, tmp_path: Path) -> Iterator:
    """Settings for a second, empty database (never migrated): where a backup is restored."""
    if PG_URL:
        name = f"rw_restore_{uuid.uuid4().hex[:10]}"
        _pg_exec(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'restored' / 'raidwatch.sqlite3'}"
    value = settings.model_copy(update={"database_url": url})
    yield value
    get_engine(value).dispose()
    if PG_URL:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cli(monkeypatch, capsys):
    return lambda settings, *argv: run_cli(monkeypatch, capsys, settings, *argv)


def rows(settings) -> dict[str, list]:
    return {name: [tuple(r) for r in table_rows(settings, sql)] for name, sql in ROWS.items()}


def test_P5_backup_is_sealed_and_restores_on_a_fresh_database(
    settings, session, tmp_path, keys, empty, cli
):
    network = make_network(session, name=NAME)
    for n in range(3):
        add_report(session, network, day=DAY, note=NOTE + bytes([65 + n]))
    target = tmp_path / "backups" / "raidwatch.sealed"
    target.parent.mkdir()
    code, _, err = cli(settings, "backup", str(target), "--key", str(keys[0]))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    sealed = target.read_bytes()
    for secret in (NOTE, NAME.encode(), network.link_hash.encode()):
        assert secret not in sealed
    assert list(target.parent.iterdir()) == [target]  # no plaintext or partial file beside it
    # Never overwritten; and refused without a key.
    assert cli(settings, "backup", str(target), "--key", str(keys[0]))[0]
    assert cli(settings, "backup", str(tmp_path / "other"))[0] == 2

    # The public key does not open it; the private key does.
    assert cli(empty, "restore", str(target), "--key", str(keys[0]))[0]
    code, out, err = cli(empty, "restore", str(target), "--key", str(keys[1]))
    assert code == 0, err
    assert rows(empty) == rows(settings)
    assert len(rows(empty)["reports"]) == 3
    # A database that holds data is replaced only with --force.
    assert cli(empty, "restore", str(target), "--key", str(keys[1]))[0] == 2


def test_a_cut_or_altered_backup_does_not_restore(settings, session, tmp_path, keys, empty, cli):
    add_report(session, make_network(session), day=DAY, note=NOTE)
    target = tmp_path / "raidwatch.sealed"
    assert cli(settings, "backup", str(target), "--key", str(keys[0]))[0] == 0
    whole = target.read_bytes()
    for broken in (whole[:-7], whole[:200] + bytes([whole[200] ^ 1]) + whole[201:]):
        target.write_bytes(broken)
        code, _, err = cli(empty, "restore", str(target), "--key", str(keys[1]))
        assert code == 2, err
    target.write_bytes(whole)
    assert cli(empty, "restore", str(target), "--key", str(keys[1]))[0] == 0
    assert rows(empty) == rows(settings)


def test_sealed_files_open_only_whole_in_order_and_with_their_key(monkeypatch):
    monkeypatch.setattr(sealed_file, "CHUNK", 5)
    public, private = new_keypair()
    plain = b"sixteen chunks of five bytes, more or less: " * 2
    sealed = io.BytesIO()
    seal_stream(io.BytesIO(plain), sealed, public_key=public)
    data = sealed.getvalue()
    opened = io.BytesIO()
    open_stream(io.BytesIO(data), opened, private_key=private)
    assert opened.getvalue() == plain

    header = len(sealed_file.MAGIC) + sealed_file._SEALED_KEY + sealed_file._HEADER
    chunk = 4 + 5 + 17  # length, message, secretstream overhead
    first, second = data[header : header + chunk], data[header + chunk : header + 2 * chunk]
    swapped = data[:header] + second + first + data[header + 2 * chunk :]
    for broken in (data[:-1], data + b"x", swapped, data[: header + chunk]):
        with pytest.raises(NotSealedForThisKey):
            open_stream(io.BytesIO(broken), io.BytesIO(), private_key=private)
    with pytest.raises(NotSealedForThisKey):
        open_stream(io.BytesIO(data), io.BytesIO(), private_key=new_keypair()[1])
