"""The dependencies routes declare, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from server.config import Settings
from server.db import get_engine
from server.intake.limits import IntakeLimits
from server.places.gazetteer import Gazetteer


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _session(request: Request) -> Iterator[Session]:
    with Session(get_engine(request.app.state.settings)) as session:
        yield session


def _gazetteer(request: Request) -> Gazetteer:
    return request.app.state.gazetteer


def _limits(request: Request) -> IntakeLimits:
    return request.app.state.limits


def _sender(request: Request) -> str:
    """The client's address, only ever to key an in-memory limit through a daily-keyed HMAC
    (P1): routes hand it to `IntakeLimits` or `LoginThrottle` and nowhere else."""
    return request.client.host if request.client else ""


SettingsDep = Annotated[Settings, Depends(_settings)]
SessionDep = Annotated[Session, Depends(_session)]
GazetteerDep = Annotated[Gazetteer, Depends(_gazetteer)]
LimitsDep = Annotated[IntakeLimits, Depends(_limits)]
SenderDep = Annotated[str, Depends(_sender)]
