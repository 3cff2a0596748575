"""The dependencies routes declare, in one place: the app's state, a database session, the
client address (for limits only), and the logged-in organiser (``CurrentOrganiser``, with
its CSRF check ``CheckedOrganiser``).

The ones that only read the app's state are ``async def``: FastAPI runs a plain ``def``
dependency in its thread pool, a thread hop per dependency per request, which cost the
member intake more than its own work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from server.config import Settings
from server.db import get_engine
from server.intake.group_commit import LinkReader, ReportWriter
from server.intake.limits import IntakeLimits
from server.organising import logins
from server.organising.enrolment import enrolled
from server.organising.logins import Active
from server.places.gazetteer import Gazetteer
from server.web.organiser.auth import cookie_name


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _session(request: Request) -> Iterator[Session]:
    with Session(get_engine(request.app.state.settings)) as session:
        yield session


async def _gazetteer(request: Request) -> Gazetteer:
    return request.app.state.gazetteer


async def _limits(request: Request) -> IntakeLimits:
    return request.app.state.limits


async def _writer(request: Request) -> ReportWriter:
    return request.app.state.report_writer


async def _link_reader(request: Request) -> LinkReader:
    return request.app.state.link_reader


async def _sender(request: Request) -> str:
    """The client's address, only ever to key an in-memory limit through a daily-keyed HMAC
    (P1): routes hand it to `IntakeLimits` or `LoginThrottle` and nowhere else."""
    return request.client.host if request.client else ""


SettingsDep = Annotated[Settings, Depends(_settings)]
SessionDep = Annotated[Session, Depends(_session)]
GazetteerDep = Annotated[Gazetteer, Depends(_gazetteer)]
LimitsDep = Annotated[IntakeLimits, Depends(_limits)]
WriterDep = Annotated[ReportWriter, Depends(_writer)]
LinkReaderDep = Annotated[LinkReader, Depends(_link_reader)]
SenderDep = Annotated[str, Depends(_sender)]


# -- organisers ---------------------------------------------------------------------------


class LoginRequired(Exception):
    """Raised by ``current_organiser``; the app turns it into a redirect to /login."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token."""


class EnrolmentRequired(Exception):
    """A logged-in organiser without a second factor asked for anything but enrolling."""


ENROLMENT_PATHS = {"/organise/account/second-factor", "/logout", "/logout-everywhere"}


def current_organiser(request: Request, session: SessionDep, settings: SettingsDep) -> Active:
    raw = request.cookies.get(cookie_name(request, settings), "")
    active = logins.resume(
        session=session,
        raw=raw,
        idle_seconds=settings.session_idle_minutes * 60,
        window_seconds=settings.mix_window_minutes * 60,
    )
    if active is None:
        raise LoginRequired()
    if not enrolled(active.organiser) and request.url.path not in ENROLMENT_PATHS:
        raise EnrolmentRequired()
    request.state.organiser = active
    return active


CurrentOrganiser = Annotated[Active, Depends(current_organiser)]


async def checked_organiser(request: Request, active: CurrentOrganiser) -> Active:
    """The organiser, after checking the CSRF token of a state-changing request."""
    submitted = request.headers.get("x-csrf-token", "")
    if not submitted:
        form = await request.form()
        value = form.get("csrf_token", "")
        submitted = value if isinstance(value, str) else ""
    if not logins.csrf_matches(active.record, submitted):
        raise CsrfFailed()
    return active


CheckedOrganiser = Annotated[Active, Depends(checked_organiser)]
