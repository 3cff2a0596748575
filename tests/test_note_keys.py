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


def test_P6_notes_open_only_with_their_networks_private_key(
    settings, session, tmp_path, monkeypatch, capsys
):
    """`raidwatch notes decrypt` opens the notes sealed to its key, in day order, and none
    of another network's; a malformed key is refused by name."""
    from datetime import date

    from server.intake.sealing import seal_note
    from tests.factories import add_report

    (ours_pub, ours_key), (theirs_pub, theirs_key) = new_keypair(), new_keypair()
    ours, _ = create_network(session=session, name="Ours", key=settings.key())
    theirs, _ = create_network(session=session, name="Theirs", key=settings.key())
    add_report(session, ours, day=date(2026, 11, 3), note=seal_note("second", public_key=ours_pub))
    add_report(session, ours, day=date(2026, 11, 2), note=seal_note("first", public_key=ours_pub))
    add_report(session, theirs, day=date(2026, 11, 2), note=seal_note("x", public_key=theirs_pub))
    add_report(session, ours, day=date(2026, 11, 4))  # no note
    key = tmp_path / "ours.key"
    key.write_text(ours_key)
    code, out, err = run_cli(monkeypatch, capsys, settings, "notes", "decrypt", "--key", str(key))
    assert code == 0, err
    assert out.splitlines() == [
        "2026-11-02 E8 workplace: first",
        "2026-11-03 E8 workplace: second",
    ]
    assert "2 note(s) opened." in err
    key.write_text(theirs_key)
    code, out, err = run_cli(monkeypatch, capsys, settings, "notes", "decrypt", "--key", str(key))
    assert (code, out.splitlines()) == (0, ["2026-11-02 E8 workplace: x"])
    key.write_text("not a key at all")
    code, out, err = run_cli(monkeypatch, capsys, settings, "notes", "decrypt", "--key", str(key))
    assert code != 0 and out == "" and "key" in err.lower()
