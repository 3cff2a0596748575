"""P6: notes are sealed to the network's key, and only an admin (web) or the operator (the
command line) can change that key, audited, with a fingerprint people can compare. An
organiser account, the likeliest to be taken over, cannot redirect future notes."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from server.db import get_engine
from server.intake.sealing import key_fingerprint, new_keypair
from server.models import AuditEntry, Network
from server.networks.links import create_network
from tests.factories import add_organiser
from tests.organisers import csrf_token, logged_in
from tests.synthetic import run_cli


def _key_of(settings, network_id) -> str | None:
    with Session(get_engine(settings)) as s:
        network = s.get(Network, network_id)
        assert network is not None
        return network.public_key


def _audit(settings) -> list[tuple[str, str, str]]:
    with Session(get_engine(settings)) as s:
        return [(e.username, e.action, e.detail) for e in s.exec(select(AuditEntry))]


@pytest.fixture
def net(session, settings):
    network, _ = create_network(session=session, name="Network Alpha", key=settings.key())
    add_organiser(session, "alice", networks=[network])
    add_organiser(session, "root", is_admin=True)
    return network


def test_P6_an_organiser_cannot_change_the_note_key_an_admin_can(net, clients, settings):
    url = f"/organise/networks/{net.id}/key"
    alice = logged_in(clients(), "alice")
    public, _ = new_keypair()
    refused = alice.post(url, data={"public_key": public, "csrf_token": csrf_token(alice)})
    assert refused.status_code == 403
    assert _key_of(settings, net.id) is None
    assert 'name="public_key"' not in alice.get("/organise/networks").text

    root = logged_in(clients(), "root")
    done = root.post(url, data={"public_key": public, "csrf_token": csrf_token(root)})
    assert done.status_code == 303
    assert _key_of(settings, net.id) == public
    fingerprint = key_fingerprint(public)
    assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){3}", fingerprint)
    for client in (alice, root):  # everyone who looks after the network can compare it
        assert fingerprint in client.get("/organise/networks").text
    assert ("root", "note key set", f"{net.slug}: key {fingerprint}") in _audit(settings)
    again = alice.post(url, data={"public_key": "", "csrf_token": csrf_token(alice)})
    assert again.status_code == 403 and _key_of(settings, net.id) == public


def test_P6_the_command_line_sets_a_key_prints_its_fingerprint_and_is_audited(
    net, settings, tmp_path, monkeypatch, capsys
):
    code, out, _ = run_cli(monkeypatch, capsys, settings, "network", "keygen", str(tmp_path / "k"))
    assert code == 0
    public = (tmp_path / "k.pub").read_text().strip()
    fingerprint = key_fingerprint(public)
    assert f"Key fingerprint: {fingerprint}" in out
    code, out, _ = run_cli(
        monkeypatch, capsys, settings, "network", "set-key", net.slug, str(tmp_path / "k.pub")
    )
    assert code == 0 and f"Key fingerprint: {fingerprint}" in out
    assert _key_of(settings, net.id) == public
    assert ("cli", "note key set", f"{net.slug}: key {fingerprint}") in _audit(settings)
    code, out, _ = run_cli(monkeypatch, capsys, settings, "network", "list")
    assert code == 0 and f"notes on (key {fingerprint})" in out
