"""Group commit (server/intake/group_commit.py) on the real database: reports that wait
together are stored in one transaction, each gets its own answer, and a transaction that
fails acknowledges none of them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import func, select

from server.db import get_engine
from server.intake.group_commit import LinkReader, ReportWriter
from server.intake.store import NewReport, Stored
from server.models import Report
from server.networks.links import hash_token, rotate_link
from tests.factories import answers, new_report

DISTRICTS = ["E8", "N16", "E5", "E9", "N1", "E2", "E1", "N4"]


def _report(network, i: int = 0, token_hash: str | None = None) -> NewReport:
    return new_report(
        network,
        district=DISTRICTS[i % len(DISTRICTS)],
        day=date.today() - timedelta(days=1 + i % 5),
        token_hash=token_hash,
    )


def _stored(session) -> int:
    session.expire_all()
    count = session.exec(select(func.count()).select_from(Report)).one()
    session.rollback()  # no read transaction left open: PostgreSQL's DDL below would wait
    return count


def _together(writer: ReportWriter, reports: list[NewReport]) -> list[Stored | BaseException]:
    """Hand all `reports` to the writer at the same moment (one event loop turn), as
    concurrent requests do, then stop it."""

    async def run() -> list[Stored | BaseException]:
        results = await asyncio.gather(*(writer.store(r) for r in reports), return_exceptions=True)
        await writer.stop()
        return results

    return asyncio.run(run())


@pytest.fixture
def commits(settings):
    """How many transactions the database committed."""
    count = [0]

    def counted(_conn) -> None:
        count[0] += 1

    engine = get_engine(settings)
    event.listen(engine, "commit", counted)
    yield count
    event.remove(engine, "commit", counted)


def test_reports_arriving_together_share_one_transaction(settings, network, session, commits):
    net, _ = network
    writer = ReportWriter(lambda: get_engine(settings))
    results = _together(writer, [_report(net, i) for i in range(12)])
    assert results == [Stored()] * 12
    assert commits[0] == 1
    assert _stored(session) == 12
    districts = session.exec(select(Report.district)).all()
    assert sorted(districts) == sorted(DISTRICTS[i % 8] for i in range(12))


def test_one_form_sent_twice_in_one_group_is_stored_once(settings, network, session):
    net, _ = network
    writer = ReportWriter(lambda: get_engine(settings))
    twice = [_report(net, 0, token_hash="a" * 64), _report(net, 1, token_hash="a" * 64)]
    results = _together(writer, [*twice, _report(net, 2, token_hash="b" * 64)])
    assert results == [Stored(), Stored(duplicate=True), Stored()]
    assert _stored(session) == 2
    # ...and the spent token still counts in the next group.
    again = _together(ReportWriter(lambda: get_engine(settings)), [_report(net, 3, "b" * 64)])
    assert again == [Stored(duplicate=True)] and _stored(session) == 2


def test_P8_a_link_rotated_while_its_report_waits_stores_nothing(settings, network, session):
    net, _ = network
    waiting = _report(net, 0)  # checked against the link as it was
    rotate_link(session=session, network=net, key=settings.key())
    writer = ReportWriter(lambda: get_engine(settings))
    assert _together(writer, [waiting, _report(net, 1)]) == [
        Stored(link_gone=True),
        Stored(),  # the same network, through its new link
    ]
    assert _stored(session) == 1


def _refuse_inserts(settings) -> None:
    """Make every insert into reports fail inside the database, as a full disk or a lost
    connection would."""
    with get_engine(settings).begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reports "
                    "BEGIN SELECT no_such_function(); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reports "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


def _accept_inserts(settings) -> None:
    with get_engine(settings).begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER refuse"))
        else:
            conn.execute(text("DROP TRIGGER refuse ON reports"))
            conn.execute(text("DROP FUNCTION refuse()"))


def test_a_failed_group_acknowledges_none_of_its_reports(settings, network, session):
    net, _ = network
    _refuse_inserts(settings)
    writer = ReportWriter(lambda: get_engine(settings))
    results = _together(writer, [_report(net, i, token_hash=f"{i:064d}") for i in range(6)])
    assert len(results) == 6
    assert all(isinstance(r, Exception) for r in results)
    assert _stored(session) == 0
    _accept_inserts(settings)
    # Nothing was half-done: the same forms (their tokens unspent) are stored when sent again.
    again = _together(writer, [_report(net, i, token_hash=f"{i:064d}") for i in range(6)])
    assert again == [Stored()] * 6 and _stored(session) == 6


def test_a_failed_commit_is_a_server_error_and_stores_nothing(live_server, network, session):
    _, token = network
    _refuse_inserts(live_server.app.state.settings)
    with live_server.client() as client:
        failed = client.post(
            "/api/v1/reports", json=answers(), headers={"Authorization": f"Bearer {token}"}
        )
    assert failed.status_code >= 500
    assert "stored" not in failed.text
    assert _stored(session) == 0


def test_links_looked_up_together_each_get_their_own_network(settings, network, session):
    net, token = network
    reader = LinkReader(lambda: get_engine(settings))
    mine = hash_token(token, key=settings.key())

    async def run() -> list:
        found = await asyncio.gather(
            reader.network(mine), reader.network("0" * 64), reader.network(mine)
        )
        await reader.stop()
        return list(found)

    first, unknown, second = asyncio.run(run())
    assert first is not None and first.id == net.id and second is not None
    assert unknown is None
