"""The test factories, in one place: form answers, and rows built straight into the
database (networks, reports, incidents, releases, organiser accounts).

Accounts are inserted with one argon2id hash computed once per run (hashing costs ~0.1 s);
tests of hashing itself go through `accounts.create_organiser` or the command line.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import h3
import httpx
from sqlalchemy import insert as sa_insert
from sqlmodel import Session

from server.intake.store import NewReport
from server.models import Network, Organiser, OrganiserNetwork, Report
from server.models.tables import COUNTS, RELEASES
from server.organising.accounts import HASHER
from server.organising.second_factor import seal_secret
from tests.conftest import TEST_SECRET
from tests.synthetic import HACKNEY


def answers(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "occurred_on": (date.today() - timedelta(days=1)).isoformat(),
        "time_of_day": "morning",
        "place": "E8",
        "setting": "workplace",
        "officers": "3-5",
        "vehicles": "2-3",
        "detained": "1",
        "source": "saw_it",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form carries a one-time token"
    return match.group(1)


def preview_form(client: httpx.Client, token: str, **overrides: object) -> httpx.Response:
    """Fill the form and send it: the answer is the confirmation page (or the form again)."""
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    data = {k: str(v) for k, v in answers(**overrides).items()}
    data["form_token"] = form_token(page.text)
    return client.post(f"/r/{token}", data=data)


def hidden_fields(html: str) -> dict[str, str]:
    """What the confirmation page carries back: every hidden input, as sent."""
    import html as markup

    return {
        name: markup.unescape(value)
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def confirm(client: httpx.Client, token: str, page: httpx.Response) -> httpx.Response:
    """Press "Send report" on a confirmation page."""
    assert page.status_code == 200 and 'name="confirm" value="yes"' in page.text, page.text
    return client.post(f"/r/{token}", data={**hidden_fields(page.text), "confirm": "yes"})


def submit_form(client: httpx.Client, token: str, **overrides: object) -> httpx.Response:
    """Fill the form, send it and, if it is understood, confirm it (the member's two taps)."""
    page = preview_form(client, token, **overrides)
    if page.status_code != 200:
        return page  # the form again, with errors
    return confirm(client, token, page)


PASSWORD = "a long enough test password"
# Every test organiser's authenticator secret (unless a test enrols one of its own).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_network(session: Session, name: str = "Net", rule: str = "all") -> Network:
    network = Network(
        slug=f"n-{uuid.uuid4().hex[:8]}", name=name, link_hash=uuid.uuid4().hex, counting_rule=rule
    )
    session.add(network)
    session.commit()
    session.refresh(network)
    return network


def storage_cell(res6: str = HACKNEY) -> str:
    return h3.cell_to_center_child(res6, 7)


def add_report(
    session: Session,
    network: Network,
    *,
    day: date,
    cell: str | None = None,
    band: str = "morning",
    setting: str = "workplace",
    status: str = "pending",
    late: bool = False,
    note: bytes | None = None,
    commit: bool = True,
    mixed: bool = True,
) -> Report:
    report = Report(
        network_id=network.id,
        cell=cell or storage_cell(),
        district="E8",
        occurred_on=day,
        time_of_day=band,
        setting=setting,
        officers="3-5",
        vehicles="1",
        detained="unknown",
        source="saw_it",
        status=status,
        late=late,
        late_pending=late,
        sealed_note=note,
        mixed=mixed,
    )
    session.add(report)
    if commit:
        session.commit()
    return report


def new_report(
    network: Network,
    *,
    day: date,
    district: str = "E8",
    band: str = "morning",
    setting: str = "workplace",
    token_hash: str | None = None,
) -> NewReport:
    """A report as intake hands it to the writer (not yet stored), through `network`'s link."""
    return NewReport(
        network_id=network.id,
        link_hash=network.link_hash,
        cell=storage_cell(),
        district=district,
        occurred_on=day,
        time_of_day=band,
        setting=setting,
        officers="3-5",
        vehicles="1",
        detained="unknown",
        source="saw_it",
        sealed_note=None,
        spent_token_hash=token_hash,
    )


def add_incidents(
    session: Session, network: Network, *, day: date, count: int, res6: str = HACKNEY
) -> None:
    """`count` distinct incidents (different settings and bands) in one cell and day."""
    settings = ("home", "workplace", "street", "transport", "reporting_centre", "other")
    bands = ("night", "morning", "afternoon", "evening")
    for n in range(count):
        if n >= len(settings) * len(bands):
            raise ValueError("at most 24 distinct incidents per cell and day")
        add_report(
            session,
            network,
            day=day,
            cell=storage_cell(res6),
            setting=settings[n % 6],
            band=bands[n // 6],
            commit=False,
        )
    session.commit()


def make_series(pub):
    """The stored series of the settings' gazetteer and P: (id, plan)."""
    from server.db import get_engine
    from server.publishing.series import ensure_series, load_gazetteer, plan_series

    gazetteer = load_gazetteer(pub)
    plan = plan_series(gazetteer=gazetteer, min_postcodes=pub.min_postcodes)
    return ensure_series(engine=get_engine(pub), plan=plan, gazetteer=gazetteer), plan


def freeze(
    pub,
    series_id,
    week,
    counts,
    *,
    epsilon=0.0,
    areas=(),
    national=None,
):
    """Store a release by hand: `counts` per area, every other area of `areas` at 0."""
    from server.db import get_engine

    release_id = uuid.uuid4()
    values = {area: 0 for area in areas} | counts
    with get_engine(pub).begin() as conn:
        conn.execute(
            sa_insert(RELEASES).values(
                id=release_id,
                series_id=series_id,
                week=week,
                epsilon=epsilon,
                k=pub.k,
                min_postcodes=pub.min_postcodes,
                delay_days=3,
                published_on=date(2026, 3, 12),
                national_total=sum(values.values()) if national is None else national,
                late_total=0,
            )
        )
        conn.execute(
            sa_insert(COUNTS),
            [{"release_id": release_id, "area": a, "count": c} for a, c in values.items()],
        )


@lru_cache
def password_hash() -> str:
    return HASHER.hash(PASSWORD)


def add_organiser(
    session: Session,
    username: str,
    *,
    networks: Iterable[Network] = (),
    is_admin: bool = False,
    enrolled: bool = True,
) -> Organiser:
    """An organiser with PASSWORD and (unless ``enrolled=False``) TOTP_SECRET as factor."""
    organiser = Organiser(
        username=username,
        password_hash=password_hash(),
        is_admin=is_admin,
        totp_secret=seal_secret(TOTP_SECRET, key=TEST_SECRET.encode()) if enrolled else None,
        totp_confirmed=enrolled,
    )
    session.add(organiser)
    session.flush()
    for network in networks:
        session.add(OrganiserNetwork(organiser_id=organiser.id, network_id=network.id))
    session.commit()
    session.refresh(organiser)
    return organiser
