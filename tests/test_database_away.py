"""When the database is away (issue 12, item 5): through real HTTP, a running app whose
database stops answering gives the API a 503 with Retry-After, the member a calm "try again
in a minute" page that keeps every answer, and stores nothing it did not acknowledge;
`/readyz` says whether the database answers, at which migration, and how old the last
release is.

"Away" is the running app pointed at a PostgreSQL port where nothing listens (connection
refused at once), on either test database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from alembic import command
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlmodel import func, select

from server.config import Settings
from server.db import alembic_config, get_engine
from server.models import Report
from tests.conftest import TEST_SECRET
from tests.factories import add_organiser, answers, freeze, hidden_fields, make_series, preview_form
from tests.organisers import logged_in
from tests.synthetic import area_of, publishing_settings

NOWHERE = "postgresql://postgres@127.0.0.1:1/raidwatch"  # nothing listens on port 1


@contextmanager
def database_away(app: FastAPI) -> Iterator[None]:
    """The running app loses its database, then gets it back."""
    working = app.state.settings
    app.state.settings = working.model_copy(update={"database_url": NOWHERE})
    try:
        yield
    finally:
        app.state.settings = working


def _stored(settings: Settings) -> int:
    with get_engine(settings).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Report)).scalar_one())


def test_the_api_answers_503_with_retry_after_and_stores_nothing(live_server, settings, network):
    _, token = network
    headers = {"Authorization": f"Bearer {token}"}
    with live_server.client() as client:
        with database_away(live_server.app):
            refused = client.post("/api/v1/reports", json=answers(), headers=headers)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "60"
        assert refused.headers["content-type"] == "application/json"
        assert "nothing was stored" in refused.json()["detail"]
        assert _stored(settings) == 0  # a 503 acknowledges nothing
        assert client.post("/api/v1/reports", json=answers(), headers=headers).status_code == 201
    assert _stored(settings) == 1


def test_the_member_form_keeps_every_answer_until_the_database_is_back(
    live_server, settings, network
):
    _, token = network
    with live_server.client() as client:
        checked = preview_form(client, token, note=None)
        assert checked.status_code == 200 and 'name="confirm" value="yes"' in checked.text
        sent = {**hidden_fields(checked.text), "confirm": "yes"}
        with database_away(live_server.app):
            calm = client.post(f"/r/{token}?lang=en", data=sent)
            opened = client.get(f"/r/{token}")
        assert calm.status_code == 503 and calm.headers["retry-after"] == "60"
        assert "Please try again in a minute" in calm.text
        assert "Nothing was saved yet" in calm.text
        assert "<script" not in calm.text.lower()
        kept = hidden_fields(calm.text)
        assert kept == {k: v for k, v in sent.items() if k != "confirm"}  # every answer
        assert re.search(r'<button type="submit" name="confirm" value="yes"', calm.text)
        assert f'action="/r/{token}?lang=en"' in calm.text
        assert _stored(settings) == 0
        assert opened.status_code == 503 and "Please try again in a minute" in opened.text
        # The database is back: "Try again" sends exactly what the page kept.
        again = client.post(f"/r/{token}?lang=en", data={**kept, "confirm": "yes"})
        assert again.status_code == 303 and "/received" in again.headers["location"]
    assert _stored(settings) == 1


def test_the_calm_page_speaks_the_members_language(live_server, network):
    _, token = network
    with live_server.client() as client, database_away(live_server.app):
        page = client.post(f"/r/{token}", data={**answers(), "lang": "pl", "form_token": "x"})
    assert page.status_code == 503 and 'lang="pl"' in page.text
    assert "Spróbuj ponownie za minutę" in page.text


def test_organiser_pages_answer_503_not_500(live_server, session, clients):
    add_organiser(session, "root", is_admin=True)
    root = logged_in(clients(), "root")
    with database_away(live_server.app):
        page = root.get("/organise")
    assert page.status_code == 503 and page.headers["retry-after"] == "60"
    assert "try again in a minute" in page.text


def test_readyz_reports_database_migration_and_last_release(live_server, settings, tmp_path):
    head = ScriptDirectory.from_config(
        alembic_config(settings.resolved_database_url)
    ).get_current_head()
    with live_server.client() as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "database": "reachable",
            "migration": {"current": head, "expected": head},
            "last_release_age_days": None,
        }
        pub = publishing_settings(settings, tmp_path)
        series_id, _ = make_series(pub)
        freeze(pub, series_id, "2026-W10", {area_of(pub): 4})  # published on 2026-03-12
        facts = client.get("/readyz").json()
        assert facts["last_release_age_days"] == (settings.today() - date(2026, 3, 12)).days
        with database_away(live_server.app):
            away = client.get("/readyz")
        assert away.status_code == 503
        assert away.json() == {
            "status": "not ready",
            "database": "unreachable",
            "migration": {"current": None, "expected": head},
            "last_release_age_days": None,
        }
        for secret in (TEST_SECRET, settings.resolved_database_url, "127.0.0.1:1", "postgres"):
            assert secret not in away.text and secret not in ready.text
        with get_engine(settings).begin() as conn:  # an older schema: not ready to serve
            cfg = alembic_config(settings.resolved_database_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "-1")
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.json()["database"] == "reachable"
        assert behind.json()["migration"]["current"] not in (None, head)
