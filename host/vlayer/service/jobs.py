"""Persistent proving jobs: one row per call hash, in SQLite or PostgreSQL through SQLAlchemy Core.

A job is written before `v_call` answers, so an accepted request survives a restart: unfinished jobs are queued
again when the service starts, and finished ones stay readable.

Several service replicas may share one store (PostgreSQL). A replica runs a job only after *claiming* it: a
conditional UPDATE that sets the job's `owner` and `lease_until` where the job is unfinished and unowned or its lease
has ended. The row lock makes that compare-and-set atomic (PostgreSQL re-checks the WHERE clause of an UPDATE that
waited for a concurrent one; SQLite serialises writers), so two replicas never run one job at once. The owner renews
its lease while the job runs and writes every later state only while it still owns the job; a replica that died
stops renewing, and another one claims the job once the lease has ended.
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
    #: Ours: a groth16 job's shrink-wrap (vlayer.receipts).
    SHRINK_WRAP = "shrink_wrap"
    DONE = "done"
    FAILED = "failed"


UNFINISHED = (
    JobState.QUEUED,
    JobState.PREFLIGHT,
    JobState.ESTIMATING_VGAS,
    JobState.PROVING,
    JobState.SHRINK_WRAP,
)

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
    #: The replica running (or that ran) the job, `host:pid:nonce`; NULL until one claims it.
    sa.Column("owner", sa.String(160)),
    #: Until when (epoch seconds) the owner's claim holds; past it an unfinished job may be claimed by another.
    sa.Column("lease_until", sa.Float),
)
#: Columns added after the first release; a store made before them gets them at start.
_ADDED_COLUMNS = ("owner", "lease_until")
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
    owner: str | None = None
    lease_until: float | None = None


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def add_missing_columns(engine: sa.Engine, table: sa.Table, names: tuple[str, ...]) -> None:
    """Migrates a table made by an older version in place: the columns added since are created as the table
    declares them (type, NOT NULL with its server default), so rows already stored keep working."""
    present = {c["name"] for c in sa.inspect(engine).get_columns(table.name)}
    with engine.begin() as conn:
        for name in names:
            if name in present:
                continue
            column = table.c[name]
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {name} {column.type.compile(dialect=engine.dialect)}"
            if column.server_default is not None:
                default = getattr(column.server_default, "arg", None)
                ddl += f" NOT NULL DEFAULT {default}" if not column.nullable else f" DEFAULT {default}"
            conn.execute(sa.text(ddl))


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
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        add_missing_columns(self.engine, jobs_table, _ADDED_COLUMNS)

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
        owner: str | None = None,
    ) -> bool:
        """Writes the job's new state; with `owner`, only while that replica still owns the job (False: it does
        not any more, and nothing was written)."""
        values: dict[str, Any] = {"state": state.value, "updated_at": time.time()}
        if result is not None:
            values["result"] = json.dumps(result)
        if error is not None:
            values["error"] = json.dumps(error)
        if metrics is not None:
            values["metrics"] = json.dumps(metrics)
        if new_attempt:
            values["attempts"] = jobs_table.c.attempts + 1
        where = jobs_table.c.hash == job_hash
        if owner is not None:
            where = sa.and_(where, jobs_table.c.owner == owner)
        with self.engine.begin() as conn:
            return conn.execute(jobs_table.update().where(where).values(**values)).rowcount == 1

    # --- claims (several replicas on one store) -----------------------------------------------------------------

    def claim(self, job_hash: str, owner: str, lease_seconds: float) -> bool:
        """Takes the job for `owner` if it is unfinished and unowned or its lease ended; counts an attempt."""
        now = time.time()
        free = sa.or_(jobs_table.c.owner.is_(None), jobs_table.c.lease_until < now)
        where = sa.and_(jobs_table.c.hash == job_hash, jobs_table.c.state.in_([s.value for s in UNFINISHED]), free)
        values = {
            "owner": owner,
            "lease_until": now + lease_seconds,
            "state": JobState.PREFLIGHT.value,
            "attempts": jobs_table.c.attempts + 1,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            return conn.execute(jobs_table.update().where(where).values(**values)).rowcount == 1

    def renew(self, job_hash: str, owner: str, lease_seconds: float) -> bool:
        """Extends `owner`'s lease of a job it still owns and has not finished."""
        where = sa.and_(
            jobs_table.c.hash == job_hash,
            jobs_table.c.owner == owner,
            jobs_table.c.state.in_([s.value for s in UNFINISHED]),
        )
        with self.engine.begin() as conn:
            values = {"lease_until": time.time() + lease_seconds}
            return conn.execute(jobs_table.update().where(where).values(**values)).rowcount == 1

    def release(self, job_hash: str, owner: str) -> bool:
        """Gives an unfinished job of `owner` (a replica known to be dead) back to the queue at once."""
        where = sa.and_(
            jobs_table.c.hash == job_hash,
            jobs_table.c.owner == owner,
            jobs_table.c.state.in_([s.value for s in UNFINISHED]),
        )
        values = {"owner": None, "lease_until": None, "state": JobState.QUEUED.value, "updated_at": time.time()}
        with self.engine.begin() as conn:
            return conn.execute(jobs_table.update().where(where).values(**values)).rowcount == 1

    def claimable(self, limit: int) -> list[str]:
        """Unfinished jobs nobody holds (new, or their owner's lease ended), oldest first."""
        free = sa.or_(jobs_table.c.owner.is_(None), jobs_table.c.lease_until < time.time())
        query = (
            sa.select(jobs_table.c.hash)
            .where(jobs_table.c.state.in_([s.value for s in UNFINISHED]), free)
            .order_by(jobs_table.c.created_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def unfinished_owners(self) -> list[tuple[str, str | None]]:
        """(job, owner) of every unfinished job, oldest first."""
        states = [s.value for s in UNFINISHED]
        query = (
            sa.select(jobs_table.c.hash, jobs_table.c.owner)
            .where(jobs_table.c.state.in_(states))
            .order_by(jobs_table.c.created_at)
        )
        with self.engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(query)]

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
        owner=row["owner"],
        lease_until=row["lease_until"],
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (v_getProofReceipt) proceed while a worker writes; NORMAL sync is durable across a crash of
    # the process, which is the restart the store must survive.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
