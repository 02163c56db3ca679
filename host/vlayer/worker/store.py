"""The worker's persistent state, in the same database as the prove service's jobs (SQLAlchemy Core).

`vlayer_worker_cursor`: per (chain, book), the next block to scan. `vlayer_worker_blocks`: the hashes of the recent
blocks scanned, to notice a reorg. `vlayer_requests`: one row per (chain, book, request id), its state and what the
worker needs to resume (args, the proof it made, the signed transaction it sent) without proving or paying twice.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from vlayer.service.jobs import add_missing_columns, make_engine


class RequestState(enum.StrEnum):
    SEEN = "seen"
    PROVING = "proving"
    PROVED = "proved"
    SENT = "sent"
    FULFILLED = "fulfilled"
    DROPPED = "dropped"
    FAILED = "failed"
    #: Posted in a block a reorg removed; a log of the same id on the new chain brings it back to SEEN.
    ORPHANED = "orphaned"


#: States the worker still acts on.
ACTIVE = (RequestState.SEEN, RequestState.PROVING, RequestState.PROVED, RequestState.SENT)

_metadata = sa.MetaData()
cursor_table = sa.Table(
    "vlayer_worker_cursor",
    _metadata,
    sa.Column("chain_id", sa.BigInteger, primary_key=True),
    sa.Column("book", sa.String(42), primary_key=True),
    sa.Column("next_block", sa.BigInteger, nullable=False),
)
blocks_table = sa.Table(
    "vlayer_worker_blocks",
    _metadata,
    sa.Column("chain_id", sa.BigInteger, primary_key=True),
    sa.Column("book", sa.String(42), primary_key=True),
    sa.Column("number", sa.BigInteger, primary_key=True),
    sa.Column("hash", sa.String(66), nullable=False),
)
requests_table = sa.Table(
    "vlayer_requests",
    _metadata,
    sa.Column("chain_id", sa.BigInteger, primary_key=True),
    sa.Column("book", sa.String(42), primary_key=True),
    sa.Column("id", sa.String(78), primary_key=True),  # uint256 as decimal text
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("prover", sa.String(42), nullable=False),
    sa.Column("selector", sa.String(10), nullable=False),
    sa.Column("args", sa.Text, nullable=False),
    sa.Column("min_settle_block", sa.BigInteger, nullable=False),
    sa.Column("deadline", sa.BigInteger, nullable=False),
    sa.Column("fee", sa.String(78), nullable=False),
    sa.Column("block_number", sa.BigInteger, nullable=False),
    sa.Column("block_hash", sa.String(66), nullable=False),
    #: The proof made (JSON: settle block, proof arguments, outputs), kept until the request is finished.
    sa.Column("proof", sa.Text),
    sa.Column("tx_hash", sa.String(66)),
    sa.Column("raw_tx", sa.Text),
    sa.Column("nonce", sa.BigInteger),
    #: New proofs made for a refusal a newer block can cure (settle block too old or forked away); bounded.
    sa.Column("reproofs", sa.Integer, nullable=False, default=0),
    #: New proofs made because a write landed since the proven read (someone else's answer applied): the state
    #: moved on, so these are bounded by the request's deadline, not by a retry budget.
    sa.Column("stale_reads", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("reason", sa.Text),
    sa.Column("updated_at", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class RequestRow:
    chain_id: int
    book: str
    id: int
    state: RequestState
    prover: str
    selector: bytes
    args: bytes
    min_settle_block: int
    deadline: int
    fee: int
    block_number: int
    block_hash: str
    proof: dict[str, Any] | None
    tx_hash: str | None
    raw_tx: str | None
    nonce: int | None
    reproofs: int
    reason: str | None
    stale_reads: int = 0


@dataclass(frozen=True)
class Posted:
    """A `RequestPosted` log, decoded."""

    id: int
    prover: str
    selector: bytes
    args: bytes
    min_settle_block: int
    deadline: int
    fee: int
    block_number: int
    block_hash: str


def _row(r: sa.RowMapping) -> RequestRow:
    return RequestRow(
        chain_id=int(r["chain_id"]),
        book=r["book"],
        id=int(r["id"]),
        state=RequestState(r["state"]),
        prover=r["prover"],
        selector=bytes.fromhex(r["selector"][2:]),
        args=bytes.fromhex(r["args"][2:]),
        min_settle_block=int(r["min_settle_block"]),
        deadline=int(r["deadline"]),
        fee=int(r["fee"]),
        block_number=int(r["block_number"]),
        block_hash=r["block_hash"],
        proof=None if r["proof"] is None else json.loads(r["proof"]),
        tx_hash=r["tx_hash"],
        raw_tx=r["raw_tx"],
        nonce=None if r["nonce"] is None else int(r["nonce"]),
        reproofs=int(r["reproofs"]),
        reason=r["reason"],
        stale_reads=int(r["stale_reads"]),
    )


class WorkerStore:
    """The worker's tables; `url` is a SQLAlchemy URL (the prove service's `--db` works: the tables differ)."""

    def __init__(self, url: str, chain_id: int, book: str) -> None:
        self.engine = make_engine(url)
        _metadata.create_all(self.engine)
        add_missing_columns(self.engine, requests_table, ("stale_reads",))
        self.chain_id = chain_id
        self.book = book.lower()

    def close(self) -> None:
        self.engine.dispose()

    def _key(self, table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.chain_id == self.chain_id, table.c.book == self.book)

    # --- cursor and recent blocks ---------------------------------------------------------------------------

    def cursor(self) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(cursor_table.c.next_block).where(self._key(cursor_table))).scalar()
        return None if value is None else int(value)

    def advance(self, next_block: int, hashes: dict[int, str], keep: int) -> None:
        """Moves the cursor to `next_block` and remembers `hashes` (number -> hash), keeping the last `keep`."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                cursor_table.update().where(self._key(cursor_table)).values(next_block=next_block)
            ).rowcount
            if not updated:
                conn.execute(
                    cursor_table.insert().values(chain_id=self.chain_id, book=self.book, next_block=next_block)
                )
            for number, block_hash in hashes.items():
                conn.execute(blocks_table.delete().where(self._key(blocks_table), blocks_table.c.number == number))
                conn.execute(
                    blocks_table.insert().values(chain_id=self.chain_id, book=self.book, number=number, hash=block_hash)
                )
            conn.execute(
                blocks_table.delete().where(self._key(blocks_table), blocks_table.c.number < next_block - keep)
            )

    def recent_blocks(self) -> list[tuple[int, str]]:
        """The remembered (number, hash) pairs, newest first."""
        query = sa.select(blocks_table.c.number, blocks_table.c.hash).where(self._key(blocks_table))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(blocks_table.c.number.desc())).all()
        return [(int(n), str(h)) for n, h in rows]

    def rewind(self, fork_point: int) -> None:
        """After a reorg: forget the blocks above `fork_point` and move the cursor to `fork_point + 1`, so that the
        new chain's logs from there on are read (a log seen again is the same job)."""
        with self.engine.begin() as conn:
            conn.execute(blocks_table.delete().where(self._key(blocks_table), blocks_table.c.number > fork_point))
            conn.execute(cursor_table.update().where(self._key(cursor_table)).values(next_block=fork_point + 1))

    # --- requests ---------------------------------------------------------------------------------------------

    def add(self, posted: Posted) -> bool:
        """Records a posted request; a log seen again is the same job (False). An ORPHANED request seen again on the
        new chain starts over from SEEN with that log's data."""
        values = {
            "state": RequestState.SEEN.value,
            "prover": posted.prover.lower(),
            "selector": "0x" + posted.selector.hex(),
            "args": "0x" + posted.args.hex(),
            "min_settle_block": posted.min_settle_block,
            "deadline": posted.deadline,
            "fee": str(posted.fee),
            "block_number": posted.block_number,
            "block_hash": posted.block_hash,
            "reproofs": 0,
            "updated_at": time.time(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    requests_table.insert().values(chain_id=self.chain_id, book=self.book, id=str(posted.id), **values)
                )
            return True
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            revived = conn.execute(
                requests_table.update()
                .where(
                    self._key(requests_table),
                    requests_table.c.id == str(posted.id),
                    requests_table.c.state == RequestState.ORPHANED.value,
                )
                .values(proof=None, tx_hash=None, raw_tx=None, nonce=None, reason=None, **values)
            ).rowcount
        return bool(revived)

    def get(self, request_id: int) -> RequestRow | None:
        query = requests_table.select().where(self._key(requests_table), requests_table.c.id == str(request_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _row(row)

    def active(self) -> list[RequestRow]:
        query = requests_table.select().where(
            self._key(requests_table), requests_table.c.state.in_([s.value for s in ACTIVE])
        )
        with self.engine.connect() as conn:
            rows = [_row(r) for r in conn.execute(query).mappings()]
        return sorted(rows, key=lambda r: r.id)

    def all(self) -> list[RequestRow]:
        with self.engine.connect() as conn:
            rows = [_row(r) for r in conn.execute(requests_table.select().where(self._key(requests_table))).mappings()]
        return sorted(rows, key=lambda r: r.id)

    def update(self, request_id: int, state: RequestState, **values: Any) -> None:
        if "proof" in values and values["proof"] is not None:
            values["proof"] = json.dumps(values["proof"])
        with self.engine.begin() as conn:
            conn.execute(
                requests_table.update()
                .where(self._key(requests_table), requests_table.c.id == str(request_id))
                .values(state=state.value, updated_at=time.time(), **values)
            )
