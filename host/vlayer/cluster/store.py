"""Table `vlayer_segments`: a job's segments as executed, and every segment receipt the moment it is checked, so a
restarted coordinator (or another replica taking the job over) proves only the segments still missing. It lives in
the job store's database (SQLite by default, PostgreSQL for replicas), beside `vlayer_jobs`.

The segments themselves are kept, not only their receipts: RISC Zero randomises the memory image of every execution
(so a post-state digest leaks nothing about private memory), so the segments of a re-execution do not chain with
receipts of an earlier one. A re-execution still checks that the run is the same (its claim digest: image, input,
exit, journal), then the saved segments are proved."""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from vlayer.cluster.segments import Segment

_metadata = sa.MetaData()
segments_table = sa.Table(
    "vlayer_segments",
    _metadata,
    sa.Column("job", sa.String(80), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("po2", sa.Integer, nullable=False),
    sa.Column("user_cycles", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    #: Which run the receipt belongs to: receipts are reused only for a re-execution with the same claim.
    sa.Column("claim_digest", sa.String(64), nullable=False),
    #: RISC Zero's `Segment` (bincode), as the first execution made it.
    sa.Column("segment", sa.LargeBinary, nullable=False),
    sa.Column("receipt", sa.LargeBinary),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    #: Where it was proved (a Ray node id, or "local"), and how long the prover took.
    sa.Column("node", sa.String(80)),
    sa.Column("seconds", sa.Float),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.Float, nullable=False),
)


class SegmentState(enum.StrEnum):
    PENDING = "pending"
    PROVING = "proving"
    PROVED = "proved"
    FAILED = "failed"


@dataclass(frozen=True)
class SegmentRow:
    """One saved segment."""

    job: str
    index: int
    po2: int
    user_cycles: int
    state: SegmentState
    claim_digest: str
    segment: bytes
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

    def load(self, job: str, claim_digest: bytes) -> list[SegmentRow]:
        """The job's saved segments (with their receipts where proved) if they are of this run; rows of another run
        of the job (its claim differs: another image or input) are dropped, and none is returned."""
        digest = claim_digest.hex()
        with self.engine.begin() as conn:
            conn.execute(
                segments_table.delete().where(
                    sa.and_(segments_table.c.job == job, segments_table.c.claim_digest != digest)
                )
            )
        return self.rows(job)

    def begin(self, job: str, claim_digest: bytes, segments: Sequence[Segment]) -> None:
        """Saves a fresh execution's segments in place of anything saved for the job."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(segments_table.delete().where(segments_table.c.job == job))
            if segments:
                conn.execute(
                    segments_table.insert(),
                    [
                        {
                            "job": job,
                            "idx": segment.index,
                            "po2": segment.po2,
                            "user_cycles": segment.user_cycles,
                            "state": SegmentState.PENDING.value,
                            "claim_digest": claim_digest.hex(),
                            "segment": segment.data,
                            "attempts": 0,
                            "updated_at": now,
                        }
                        for segment in segments
                    ],
                )

    def started(self, job: str, index: int) -> int:
        """Records one more attempt at a segment; returns the attempts so far."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(segments_table.c.attempts).where(self._key(job, index))).one()
            attempts = int(row.attempts) + 1
            conn.execute(
                segments_table.update()
                .where(self._key(job, index))
                .values(state=SegmentState.PROVING.value, attempts=attempts, error=None, updated_at=time.time())
            )
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
                    user_cycles=int(r.user_cycles),
                    state=SegmentState(r.state),
                    claim_digest=r.claim_digest,
                    segment=bytes(r.segment),
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
