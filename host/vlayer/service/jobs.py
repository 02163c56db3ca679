"""Persistent proving jobs: one row per call hash, in SQLite or PostgreSQL through SQLAlchemy Core.

A job is written before `v_call` answers, so an accepted request survives a restart: unfinished jobs are queued
again when the service starts, and finished ones stay readable.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError


class JobState(enum.StrEnum):
    QUEUED = "queued"
    PREFLIGHT = "preflight"
    ESTIMATING_VGAS = "estimating_vgas"
    PROVING = "proving"
    DONE = "done"
    FAILED = "failed"


UNFINISHED = (JobState.QUEUED, JobState.PREFLIGHT, JobState.ESTIMATING_VGAS, JobState.PROVING)

_metadata = sa.MetaData()
jobs_table = sa.Table(
    "vlayer_jobs",
    _metadata,
    sa.Column("hash", sa.String(66), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("request", sa.Text, nullable=False),
    sa.Column("result", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("metrics", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
#: The dashboard reads the newest jobs; a store made before this index existed gets it at start (`JobStore`).
created_index = sa.Index("ix_vlayer_jobs_created_at", jobs_table.c.created_at)


@dataclass(frozen=True)
class Job:
    hash: str
    state: JobState
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    metrics: dict[str, Any]
    attempts: int
    created_at: float
    updated_at: float


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def make_engine(url: str) -> sa.Engine:
    """An engine for a store shared by threads and processes (the service's jobs, the request worker's tables)."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Workers write from their own threads; SQLite serialises them itself.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class JobStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        _metadata.create_all(self.engine)
        created_index.create(self.engine, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()

    def create(self, job_hash: str, request: dict[str, Any]) -> bool:
        """Insert a queued job; False when a job with this hash exists already (the same call was asked before)."""
        now = time.time()
        row = {
            "hash": job_hash,
            "state": JobState.QUEUED.value,
            "request": json.dumps(request, sort_keys=True),
            "metrics": "{}",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(jobs_table.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def get(self, job_hash: str) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(jobs_table.select().where(jobs_table.c.hash == job_hash)).mappings().first()
        return None if row is None else _job(row)

    def recent(self, limit: int) -> list[Job]:
        """The `limit` most recently accepted jobs, newest first (the dashboard)."""
        query = jobs_table.select().order_by(jobs_table.c.created_at.desc(), jobs_table.c.hash).limit(limit)
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def update(
        self,
        job_hash: str,
        state: JobState,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        new_attempt: bool = False,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "updated_at": time.time()}
        if result is not None:
            values["result"] = json.dumps(result)
        if error is not None:
            values["error"] = json.dumps(error)
        if metrics is not None:
            values["metrics"] = json.dumps(metrics)
        if new_attempt:
            values["attempts"] = jobs_table.c.attempts + 1
        with self.engine.begin() as conn:
            conn.execute(jobs_table.update().where(jobs_table.c.hash == job_hash).values(**values))

    def unfinished(self) -> list[str]:
        """Jobs accepted but not finished, oldest first: what a starting service must queue again."""
        states = [s.value for s in UNFINISHED]
        query = sa.select(jobs_table.c.hash).where(jobs_table.c.state.in_(states)).order_by(jobs_table.c.created_at)
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        query = sa.select(jobs_table.c.state, sa.func.count()).group_by(jobs_table.c.state)
        with self.engine.connect() as conn:
            return {str(row[0]): int(row[1]) for row in conn.execute(query)}


def _job(row: sa.RowMapping) -> Job:
    return Job(
        hash=row["hash"],
        state=JobState(row["state"]),
        request=json.loads(row["request"]),
        result=_loads(row["result"]),
        error=_loads(row["error"]),
        metrics=json.loads(row["metrics"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (v_getProofReceipt) proceed while a worker writes; NORMAL sync is durable across a crash of
    # the process, which is the restart the store must survive.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
