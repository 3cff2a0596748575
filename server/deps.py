"""The dependencies routes declare, in one place.

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
from server.places.gazetteer import Gazetteer


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
