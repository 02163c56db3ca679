"""Stores made by an earlier release open in this one: columns added since are added in place, rows kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vlayer.service.jobs import JobState, JobStore
from vlayer.worker import RequestState, WorkerStore


def test_job_store_gains_the_lease_columns(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE vlayer_jobs (hash VARCHAR(66) PRIMARY KEY, state VARCHAR(16) NOT NULL, request TEXT NOT NULL,"
            " result TEXT, error TEXT, metrics TEXT NOT NULL, attempts INTEGER NOT NULL, created_at FLOAT NOT NULL,"
            " updated_at FLOAT NOT NULL)"
        )
        conn.execute("INSERT INTO vlayer_jobs VALUES ('0xaa', 'queued', '{}', NULL, NULL, '{}', 0, 1.0, 1.0)")
    store = JobStore(f"sqlite:///{db}")
    try:
        job = store.get("0xaa")
        assert job is not None and job.state is JobState.QUEUED and job.owner is None
        assert store.claimable(10) == ["0xaa"] and store.claim("0xaa", "me", 30)
        assert store.get("0xaa").owner == "me"  # type: ignore[union-attr]
    finally:
        store.close()


def test_worker_store_gains_the_stale_read_count(tmp_path: Path) -> None:
    db = tmp_path / "worker.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE vlayer_requests (chain_id BIGINT, book VARCHAR(42), id VARCHAR(78),"
            " state VARCHAR(16) NOT NULL, prover VARCHAR(42) NOT NULL, selector VARCHAR(10) NOT NULL,"
            " args TEXT NOT NULL,"
            " min_settle_block BIGINT NOT NULL, deadline BIGINT NOT NULL, fee VARCHAR(78) NOT NULL,"
            " block_number BIGINT NOT NULL, block_hash VARCHAR(66) NOT NULL, proof TEXT, tx_hash VARCHAR(66),"
            " raw_tx TEXT, nonce BIGINT, reproofs INTEGER NOT NULL, reason TEXT, updated_at FLOAT NOT NULL,"
            " PRIMARY KEY (chain_id, book, id))"
        )
        conn.execute(
            "INSERT INTO vlayer_requests VALUES (31337, '0xbook', '7', 'seen', '0xp', '0x01020304', '0x', 5, 100, '0',"
            " 4, '0xh', NULL, NULL, NULL, NULL, 1, NULL, 1.0)"
        )
    store = WorkerStore(f"sqlite:///{db}", 31337, "0xBOOK")
    try:
        row = store.get(7)
        assert row is not None and row.state is RequestState.SEEN and (row.reproofs, row.stale_reads) == (1, 0)
    finally:
        store.close()
