"""bench/naive: the yardstick for bench/intake.py, a bare FastAPI endpoint that stores each
report with one naive SQLModel insert and commit (the FastAPI tutorial's shape).

It validates nothing beyond the JSON types, coarsens nothing, seals nothing and checks no
link, but it is held to the same durability as raidwatch: on SQLite the same WAL journal
and ``synchronous=FULL`` (every commit fsync'd), on PostgreSQL the server's defaults
(``synchronous_commit=on``). Run by bench/intake.py as
``uvicorn naive:app --app-dir bench`` with ``NAIVE_DATABASE_URL`` set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from sqlalchemy import event
from sqlmodel import Field, Session, SQLModel, create_engine

URL = os.environ.get("NAIVE_DATABASE_URL", "sqlite:///naive.sqlite3")


class ReportIn(SQLModel):
    occurred_on: date
    time_of_day: str
    place: str
    setting: str
    officers: str
    vehicles: str
    detained: str
    source: str
    note: str | None = None


class NaiveReport(ReportIn, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


def _engine() -> Any:
    if URL.startswith("sqlite"):
        engine = create_engine(URL, connect_args={"check_same_thread": False, "timeout": 30})

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # as raidwatch (server/db.py)
            cursor.execute("PRAGMA synchronous=FULL")  # as raidwatch: each commit fsync'd
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        event.listen(engine, "connect", pragmas)
        return engine
    return create_engine(URL.replace("postgresql://", "postgresql+psycopg://"))


engine = _engine()
SQLModel.metadata.create_all(engine)
app = FastAPI()


def _session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@app.post("/api/v1/reports", status_code=201)
def create_report(report: ReportIn, session: Annotated[Session, Depends(_session)]) -> dict:
    session.add(NaiveReport.model_validate(report))
    session.commit()
    return {"status": "stored"}
