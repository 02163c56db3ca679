"""Table `vlayer_segments`: every segment receipt of a job, saved the moment it is checked, so a restarted
coordinator (or another replica taking the job over) proves only the segments still missing. It lives in the job
store's database (SQLite by default, PostgreSQL for replicas), beside `vlayer_jobs`."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

import sqlalchemy as sa

_metadata = sa.MetaData()
segments_table = sa.Table(
    "vlayer_segments",
    _metadata,
    sa.Column("job", sa.String(80), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("po2", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    #: Which run the receipt belongs to: receipts are reused only for a re-execution with the same claim.
    sa.Column("claim_digest", sa.String(64), nullable=False),
    sa.Column("receipt", sa.LargeBinary),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    #: Where it was proved (a Ray node id, or "local"), and how long the prover took.
    sa.Column("node", sa.String(80)),
    sa.Column("seconds", sa.Float),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.Float, nullable=False),
)


class SegmentState(enum.StrEnum):
    PROVING = "proving"
    PROVED = "proved"
    FAILED = "failed"


@dataclass(frozen=True)
class SegmentRow:
    job: str
    index: int
    po2: int
    state: SegmentState
    claim_digest: str
    receipt: bytes | None
    attempts: int
    node: str | None
    seconds: float | None
    error: str | None


class SegmentStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def _key(self, job: str, index: int) -> sa.ColumnElement[bool]:
        return sa.and_(segments_table.c.job == job, segments_table.c.idx == index)

    def saved(self, job: str, claim_digest: bytes) -> dict[int, bytes]:
        """The proved receipts of this job's run; rows of another run of the job (its claim differs: another
        image, input or segment size) are dropped."""
        digest = claim_digest.hex()
        with self.engine.begin() as conn:
            conn.execute(
                segments_table.delete().where(
                    sa.and_(segments_table.c.job == job, segments_table.c.claim_digest != digest)
                )
            )
            rows = conn.execute(
                sa.select(segments_table.c.idx, segments_table.c.receipt).where(
                    sa.and_(
                        segments_table.c.job == job,
                        segments_table.c.state == SegmentState.PROVED.value,
                        segments_table.c.receipt.is_not(None),
                    )
                )
            ).all()
        return {int(r.idx): bytes(r.receipt) for r in rows}

    def started(self, job: str, index: int, po2: int, claim_digest: bytes) -> int:
        """Records one more attempt at a segment; returns the attempts so far."""
        now = time.time()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(segments_table.c.attempts).where(self._key(job, index))).first()
            attempts = 1 if row is None else int(row.attempts) + 1
            values = {
                "po2": po2,
                "state": SegmentState.PROVING.value,
                "claim_digest": claim_digest.hex(),
                "attempts": attempts,
                "error": None,
                "updated_at": now,
            }
            if row is None:
                conn.execute(segments_table.insert().values(job=job, idx=index, **values))
            else:
                conn.execute(segments_table.update().where(self._key(job, index)).values(**values))
        return attempts

    def proved(self, job: str, index: int, receipt: bytes, node: str | None, seconds: float | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                segments_table.update()
                .where(self._key(job, index))
                .values(
                    state=SegmentState.PROVED.value,
                    receipt=receipt,
                    node=node,
                    seconds=seconds,
                    error=None,
                    updated_at=time.time(),
                )
            )

    def failed(self, job: str, index: int, error: str, node: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                segments_table.update()
                .where(self._key(job, index))
                .values(state=SegmentState.FAILED.value, error=error, node=node, updated_at=time.time())
            )

    def rows(self, job: str) -> list[SegmentRow]:
        query = segments_table.select().where(segments_table.c.job == job).order_by(segments_table.c.idx)
        with self.engine.connect() as conn:
            return [
                SegmentRow(
                    job=r.job,
                    index=int(r.idx),
                    po2=int(r.po2),
                    state=SegmentState(r.state),
                    claim_digest=r.claim_digest,
                    receipt=None if r.receipt is None else bytes(r.receipt),
                    attempts=int(r.attempts),
                    node=r.node,
                    seconds=r.seconds,
                    error=r.error,
                )
                for r in conn.execute(query)
            ]

    def drop(self, job: str) -> None:
        """Forgets a finished job's segments (its composite receipt is in the job's result)."""
        with self.engine.begin() as conn:
            conn.execute(segments_table.delete().where(segments_table.c.job == job))
