"""The job store on a real PostgreSQL (Debian's server, started by the test as a non-root user): claims are
exclusive, two `vlayer serve` replicas on one database prove every job exactly once, a replica SIGKILLed mid-job has
its job finished by the other once the lease ends, and the request worker's tables work there too."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from eth_abi import encode

from tests.support.contracts import HARDFORK, App, deploy_app, selector, send
from tests.support.postgres import Postgres
from tests.support.service import PausableProxy, Serve
from vlayer.devnet import Anvil
from vlayer.guest import call_guest_id
from vlayer.service.client import ProveClient
from vlayer.service.jobs import JobState, JobStore
from vlayer.worker import RequestState, WorkerStore
from vlayer.worker.store import Posted

LEASE = "3"
_names = itertools.count()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with Postgres() as server:
        yield server


@pytest.fixture()
def db_url(postgres: Postgres) -> str:
    return postgres.create_database(f"vlayer_{next(_names)}")


@pytest.fixture(scope="module")
def app_chain() -> Iterator[App]:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        app.mine(2)
        yield app


def balance_call(app: App, owner: bytes) -> tuple[str, str]:
    return "0x" + app.prover.hex(), "0x" + (selector("balance(address)") + encode(["address"], [owner])).hex()


def test_claims_are_exclusive_under_racing_threads(db_url: str) -> None:
    stores = [JobStore(db_url), JobStore(db_url)]
    try:
        jobs = [f"0x{i:064x}" for i in range(20)]
        for job in jobs:
            assert stores[0].create(job, {"n": job})
        wins: Counter[str] = Counter()
        lock = threading.Lock()

        def race(who: int) -> None:
            for job in jobs:
                if stores[who % 2].claim(job, f"replica-{who}", 60):
                    with lock:
                        wins[job] += 1

        threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert wins == Counter({job: 1 for job in jobs})
        assert all(stores[1].get(job).attempts == 1 for job in jobs)  # type: ignore[union-attr]
        # Only the owner writes; an ended lease lets another replica take the job (a new attempt).
        job = jobs[0]
        owner = stores[0].get(job).owner  # type: ignore[union-attr]
        assert owner is not None
        assert not stores[1].update(job, JobState.PROVING, owner="someone else")
        assert stores[1].update(job, JobState.PROVING, owner=owner)
        assert not stores[1].claim(job, "late", 60)
        assert stores[1].renew(job, owner, -1)  # as if the owner stopped renewing a while ago
        assert stores[1].claim(job, "late", 60)
        assert stores[0].get(job).attempts == 2 and not stores[0].renew(job, owner, 60)  # type: ignore[union-attr]
    finally:
        for s in stores:
            s.close()


def test_two_replicas_prove_twenty_jobs_each_exactly_once(app_chain: App, db_url: str, tmp_path: Path) -> None:
    owners = [(0x2000 + i).to_bytes(20, "big") for i in range(20)]
    head = app_chain.head()
    with (
        Serve(app_chain.anvil.url, tmp_path / "a", HARDFORK, "--lease-seconds", LEASE, db_url=db_url) as a,
        Serve(app_chain.anvil.url, tmp_path / "b", HARDFORK, "--lease-seconds", LEASE, db_url=db_url) as b,
    ):

        def one(i: int) -> str:
            to, data = balance_call(app_chain, owners[i])
            client = ProveClient((a, b)[i % 2].url)  # a client per thread: a requests.Session is not thread-safe
            try:
                return client.call(to, data, 31337, head)
            finally:
                client.close()

        with ThreadPoolExecutor(max_workers=20) as pool:
            jobs = list(pool.map(one, range(20)))
        assert len(set(jobs)) == 20
        client = ProveClient(a.url)
        for job in jobs:
            receipt = client.wait(job, timeout=120)  # either replica answers for every job
            assert receipt["state"] == "done", receipt
        client.close()
    store = JobStore(db_url)
    try:
        rows = [store.get(job) for job in jobs]
    finally:
        store.close()
    assert all(r is not None and r.state is JobState.DONE and r.attempts == 1 for r in rows), rows
    ran_by = Counter((r.owner or "").rsplit(":", 2)[1] for r in rows if r is not None)
    assert set(ran_by) == {str(a.proc.pid), str(b.proc.pid)}, ran_by  # type: ignore[union-attr]


def test_replica_killed_mid_job_has_it_finished_by_the_other(app_chain: App, db_url: str, tmp_path: Path) -> None:
    proxy = PausableProxy(app_chain.anvil.url)
    try:
        with Serve(app_chain.anvil.url, tmp_path / "b", HARDFORK, "--lease-seconds", LEASE, db_url=db_url) as b:
            doomed = Serve(proxy.url, tmp_path / "a", HARDFORK, "--lease-seconds", LEASE, "--workers", "4",
                           db_url=db_url).start()  # fmt: skip
            try:
                to, data = balance_call(app_chain, (0x3000).to_bytes(20, "big"))
                # v_call pins the block and reads the prover's account (eth_getProof) at once; the preflight that
                # follows waits on the chain.
                proxy.pause(frozenset({"eth_getCode", "eth_createAccessList"}))
                job = ProveClient(doomed.url).call(to, data, 31337, app_chain.head())
                store = JobStore(db_url)
                try:
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:
                        row = store.get(job)
                        if row is not None and row.owner and row.owner.split(":")[1] == str(doomed.proc.pid):  # type: ignore[union-attr]
                            break
                        time.sleep(0.05)
                    else:
                        pytest.fail(f"the doomed replica never claimed the job: {store.get(job)}")
                finally:
                    store.close()
            finally:
                doomed.kill()  # SIGKILL by pid, holding the job's lease
                proxy.resume()
            receipt = ProveClient(b.url).wait(job, timeout=60)
            assert receipt["state"] == "done"
    finally:
        proxy.close()
    store = JobStore(db_url)
    try:
        row = store.get(job)
    finally:
        store.close()
    assert row is not None and row.attempts == 2 and row.owner is not None
    assert row.owner.split(":")[1] == str(b.proc.pid)  # type: ignore[union-attr]


def test_request_worker_store_on_postgres(db_url: str) -> None:
    book = "0x" + "ab" * 20
    store = WorkerStore(db_url, 31337, book)
    try:
        posted = Posted(id=7, prover="0x" + "cd" * 20, selector=b"\x01\x02\x03\x04", args=b"\x00" * 64,
                        min_settle_block=11, deadline=300, fee=10**15, block_number=10,
                        block_hash="0x" + "11" * 32)  # fmt: skip
        assert store.add(posted) and not store.add(posted)  # a log seen twice is one request
        store.update(7, RequestState.PROVED, proof={"settle": 11})
        store.advance(12, {10: "0x" + "11" * 32, 11: "0x" + "22" * 32}, 64)
        assert store.cursor() == 12 and [n for n, _ in store.recent_blocks()] == [11, 10]
        row = store.get(7)
        assert row is not None and row.state is RequestState.PROVED and row.proof == {"settle": 11}
        store.rewind(10)
        assert store.cursor() == 11
    finally:
        store.close()


def test_segment_table_on_postgres(db_url: str) -> None:
    from vlayer.cluster.segments import Segment
    from vlayer.cluster.store import SegmentState, SegmentStore
    from vlayer.service.jobs import make_engine

    engine = make_engine(db_url)
    store = SegmentStore(engine)
    try:
        claim, other = b"\x01" * 32, b"\x02" * 32
        data = bytes(range(256)) * 40  # binary with every byte value, about 10 KB
        store.begin("pg-job", claim, [Segment(0, 20, 900_000, data), Segment(1, 20, 10, data[::-1])])
        assert store.started("pg-job", 0) == 1
        assert store.started("pg-job", 0) == 2  # a retry is one more attempt on the same row
        store.proved("pg-job", 0, data[:100], "node-a", 12.5)
        store.started("pg-job", 1)
        store.failed("pg-job", 1, "WorkerCrashedError: killed", "node-b")
        rows = store.load("pg-job", claim)
        assert [(r.index, r.state, r.attempts, r.node, r.user_cycles) for r in rows] == [
            (0, SegmentState.PROVED, 2, "node-a", 900_000),
            (1, SegmentState.FAILED, 1, "node-b", 10),
        ]
        assert rows[0].segment == data and rows[0].receipt == data[:100] and rows[1].receipt is None
        assert rows[1].error == "WorkerCrashedError: killed"
        assert store.load("pg-job", other) == []  # another run of the job: its segments are dropped
    finally:
        store.drop("pg-job")
        engine.dispose()
