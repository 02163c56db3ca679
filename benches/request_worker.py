"""Request-response in fake mode on a local anvil: requests posted -> fulfilled per minute with 1 and 2 workers, next
to the proving time of the same prover call done directly (the worker's overhead is the figure).

    .venv/bin/python benches/request_worker.py [--requests K] [--direct N] [--block-time S] [--no-contention]

A RequestBook over the FakeProofVerifier, the example CounterProver and its Counter consumer (contracts/test/requests).
K requests are posted back to back, each on its own VersionedStore key so that no answer makes another stale; the
last row posts them all on one key, so that answers conflict (StaleRead, proved again) and shows what contention
costs. Workers are `vlayer worker --dev --interval 0.2` processes, each with its key and SQLite store, as deployed
(two in one process would share its GIL); both answer every request, so the second one races the first.

Per row: requests fulfilled per minute and seconds per request (first post sent to last `RequestFulfilled` seen),
seconds and blocks from a request's `RequestPosted` to its `RequestFulfilled` (under automine a block is a
transaction: the blocks count the other posts and fulfilments in between), proofs made (the workers' logs), and
re-proofs and rows ended `dropped` or `failed` (the workers' stores). "direct prove" is `Client(Local(dev=True)).prove`
of the same call in this process, median of N after one warm-up. Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from eth_abi.abi import encode
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from tests.support.contracts import CONTRACTS, HARDFORK, compile_sources
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxParams, Wei

from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.guest import call_guest_id
from vlayer.sdk import Client, Local
from vlayer.worker import RequestState, WorkerStore

FEE = 10**15
#: What the workers and the requester are funded with. The worker bids twice `eth_gasPrice`, and anvil's gas price
#: follows the tips of recent transactions, so each fulfilment doubles the next one's price: after a few dozen,
#: 100 ETH no longer pays for one.
BALANCE = 2**200
CALLBACK_GAS = 200_000
#: Seconds between a worker's rounds (`vlayer worker --interval`).
INTERVAL = 0.2
#: Seconds between the bench's reads of `RequestFulfilled` logs: the resolution of its timings.
POLL = 0.1
#: How the workers log a proof they made (host/vlayer/worker/worker.py); counted to find duplicate proofs.
PROVED_LOG = re.compile(r"request \d+ proved at block")
#: A request every worker ended in one of these states is never fulfilled.
GIVEN_UP = (RequestState.FAILED, RequestState.DROPPED)


def request_contracts() -> dict[str, dict[str, Any]]:
    files = [*sorted((CONTRACTS / "src").rglob("*.sol")), *sorted((CONTRACTS / "test" / "requests").glob("*.sol"))]
    files = [f for f in files if not f.name.endswith(".t.sol")]
    return compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})


@dataclass(frozen=True)
class Posted:
    id: int
    args: bytes
    block: int
    #: perf_counter() when the `post` transaction was sent.
    sent: float


@dataclass
class Setup:
    anvil: Anvil
    w3: Web3
    owner: ChecksumAddress
    book: Contract
    prover: Contract
    counter: Contract

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def wait(self, tx_hash: Any) -> dict[str, Any]:
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60))
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction reverted: {receipt}")
        return receipt

    def post_all(self, keys: list[bytes]) -> list[Posted]:
        """Posts one request per key (delta 1, no confirmations) without waiting in between, then reads their ids."""
        selector = bytes.fromhex(self.prover.functions.increment(0, b"", self.owner).selector[2:])
        deadline = self.head() + 100_000
        sent: list[tuple[Any, bytes, float]] = []
        for key in keys:
            args = encode(["bytes32", "uint256"], [key, 1])
            t = time.perf_counter()
            call = self.book.functions.post(
                self.prover.address, selector, args, self.counter.address, CALLBACK_GAS, 0, deadline
            )
            # A fixed gas limit: an estimate per post would be one more round trip inside the measured window.
            tx: TxParams = {"from": self.owner, "value": Wei(FEE), "gas": 1_000_000}
            sent.append((call.transact(tx), args, t))
        posted = []
        for tx_hash, args, t in sent:
            receipt = self.wait(tx_hash)
            (event,) = self.book.events.RequestPosted().process_receipt(receipt, errors=DISCARD)
            posted.append(Posted(int(event["args"]["id"]), args, int(receipt["blockNumber"]), t))
        return posted


def deploy(w3: Web3, owner: ChecksumAddress, contracts: dict[str, dict[str, Any]], name: str, *args: Any) -> Contract:
    c = contracts[name]
    factory = w3.eth.contract(abi=c["abi"], bytecode=c["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": owner}), timeout=60)
    address = receipt["contractAddress"]
    assert address is not None, receipt
    return w3.eth.contract(address=address, abi=c["abi"])


def set_up(anvil: Anvil) -> Setup:
    contracts = request_contracts()
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    owner = w3.eth.accounts[0]
    repository = deploy(w3, owner, contracts, "ImageIdRepository", owner)
    fake = deploy(w3, owner, contracts, "FakeProofVerifier", repository.address)
    store = deploy(w3, owner, contracts, "VersionedStore", owner)
    book = deploy(w3, owner, contracts, "RequestBook", fake.address, store.address)
    prover = deploy(w3, owner, contracts, "CounterProver", book.address)
    counter = deploy(w3, owner, contracts, "Counter", book.address, store.address)
    s = Setup(anvil, w3, owner, book, prover, counter)
    anvil.rpc("anvil_setBalance", owner, hex(BALANCE))
    # Dev-mode proofs name this build's call guest id.
    s.wait(repository.functions.addImageIdSupport(call_guest_id()).transact({"from": owner}))
    s.wait(store.functions.setWriter(counter.address, True).transact({"from": owner}))
    return s


def direct(s: Setup, runs: int) -> list[float]:
    """Seconds of `Client(Local(dev=True)).prove` of requests' `increment` calls; the first (warm-up) left out."""
    posted = s.post_all([keccak(text=f"bench direct {i}") for i in range(runs + 1)])
    block = s.head()
    times = []
    with Client(Local(dev=True, hardfork=HARDFORK)) as client:
        for p in posted:
            function = s.prover.functions.increment(p.id, p.args, s.owner)
            t = time.perf_counter()
            client.prove(function, block=block)
            times.append(time.perf_counter() - t)
    return times[1:]


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    fulfilled: int
    #: First post sent to the last `RequestFulfilled` seen.
    wall: float
    latencies: list[float]
    blocks: list[int]
    proofs: int | None
    dropped: int
    failed: int
    #: Proofs made again (StaleRead, settle block too old), summed over the workers' stores.
    reproofs: int
    #: Why the failed rows failed, with counts.
    reasons: collections.Counter[str]


def cursor_written(db: Path) -> bool:
    """Whether the worker finished a first round (read-only: the bench must not race the worker creating tables)."""
    if not db.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("SELECT 1 FROM vlayer_worker_cursor").fetchone() is not None
    except sqlite3.OperationalError:
        return False  # no table yet


def ended(store: WorkerStore, states: tuple[RequestState, ...]) -> set[int]:
    return {r.id for r in store.all() if r.state in states}


def tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_workers(s: Setup, name: str, workers: int, keys: list[bytes], tmp: Path, timeout: float) -> Row:
    # An empty head block: the workers scan from it, and no earlier request (the direct runs') is in it.
    s.anvil.rpc("anvil_mine", "0x1")
    start = s.head()
    dbs = [tmp / f"{name.replace(' ', '-')}-{i}.db" for i in range(workers)]
    logs = [db.with_suffix(".log") for db in dbs]
    procs: list[subprocess.Popen[bytes]] = []
    fulfilled: dict[int, tuple[float, int]] = {}
    try:
        for i, db in enumerate(dbs):
            key = "0x" + keccak(text=f"bench worker {name} {i}").hex()
            s.anvil.rpc("anvil_setBalance", Account.from_key(key).address, hex(BALANCE))
            args = [sys.executable, "-m", "vlayer.cli", "worker", "--dev", "--hardfork", HARDFORK,
                    "--rpc-url", s.anvil.url, "--book", s.book.address, "--db", f"sqlite:///{db}",
                    "--function", "increment", "--interval", str(INTERVAL), "--start-block", str(start)]  # fmt: skip
            with logs[i].open("wb") as out:
                env = {**os.environ, "VLAYER_WORKER_KEY": key}
                procs.append(subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT))
        # Not timed: a worker's start (imports, chain id, store) is paid once, not per request.
        ready_by = time.monotonic() + 120
        while not all(cursor_written(db) for db in dbs):
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() > ready_by:
                raise RuntimeError("workers did not finish a first round in 120 s")
            time.sleep(POLL)

        posted = s.post_all(keys)
        ids = {p.id for p in posted}
        first_block = min(p.block for p in posted)
        deadline = time.monotonic() + timeout
        chain_id = int(s.w3.eth.chain_id)
        stores = [WorkerStore(f"sqlite:///{db}", chain_id, s.book.address) for db in dbs]
        next_check = time.monotonic() + 2
        try:
            while len(fulfilled) < len(ids) and time.monotonic() < deadline:
                events = s.book.events.RequestFulfilled().get_logs(from_block=first_block)
                now = time.perf_counter()
                for e in events:
                    request_id = int(e["args"]["id"])
                    if request_id in ids and request_id not in fulfilled:
                        fulfilled[request_id] = (now, int(e["blockNumber"]))
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + 2
                    if all(p.poll() is not None for p in procs):
                        break
                    # Requests every worker has given up on (failed, or dropped without a fulfilment) never come.
                    given_up = set.intersection(*(ended(st, GIVEN_UP) for st in stores))
                    if ids <= set(fulfilled) | given_up:
                        break
                time.sleep(POLL)
            # Let the losers of each race finish their step, so that the stores' counts are complete.
            settle_by = time.monotonic() + 10
            while time.monotonic() < settle_by and any(
                r.state in (RequestState.SEEN, RequestState.PROVING, RequestState.PROVED, RequestState.SENT)
                for st in stores
                for r in st.all()
                if r.id in ids
            ):
                time.sleep(POLL)
            rows = [r for st in stores for r in st.all() if r.id in ids]
        finally:
            for st in stores:
                st.close()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    proofs = sum(len(PROVED_LOG.findall(log.read_text(errors="replace"))) for log in logs)
    by_id = {p.id: p for p in posted}
    first_sent = min(p.sent for p in posted)
    return Row(
        name=name,
        requests=len(posted),
        fulfilled=len(fulfilled),
        wall=max((t for t, _ in fulfilled.values()), default=time.perf_counter()) - first_sent,
        latencies=[t - by_id[i].sent for i, (t, _) in fulfilled.items()],
        blocks=[block - by_id[i].block for i, (_, block) in fulfilled.items()],
        # No match at all means the log line changed, not that nothing was proved.
        proofs=proofs if proofs or not fulfilled else None,
        dropped=sum(r.state is RequestState.DROPPED for r in rows),
        failed=sum(r.state is RequestState.FAILED for r in rows),
        reproofs=sum(r.reproofs + r.stale_reads for r in rows),
        reasons=collections.Counter((r.reason or "?")[:110] for r in rows if r.state is RequestState.FAILED),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20, help="requests posted per worker row")
    parser.add_argument("--direct", type=int, default=5, help="direct proofs timed (after one warm-up)")
    parser.add_argument("--block-time", type=float, default=None, help="anvil --block-time (default: automine)")
    parser.add_argument("--no-contention", action="store_true", help="skip the row with every request on one key")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a row waits for its fulfilments")
    args = parser.parse_args()
    k = args.requests

    mining = f"--block-time {args.block_time}" if args.block_time else "automine: a block per transaction"
    with Anvil(hardfork=HARDFORK, block_time=args.block_time) as anvil, tempfile.TemporaryDirectory() as tmp:
        s = set_up(anvil)
        direct_s = statistics.median(direct(s, args.direct))
        scenarios = [
            ("1 worker", 1, [keccak(text=f"bench one {i}") for i in range(k)]),
            ("2 workers", 2, [keccak(text=f"bench two {i}") for i in range(k)]),
        ]
        if not args.no_contention:
            scenarios.append(("2 workers, one key", 2, [keccak(text="bench shared")] * k))
        rows = [run_workers(s, name, n, keys, Path(tmp), args.timeout) for name, n, keys in scenarios]

    print(f"requests, fake mode, anvil {HARDFORK} ({mining}), {k} requests per row posted back to back, "
          f"vlayer worker --interval {INTERVAL}, {os.cpu_count()} CPUs")  # fmt: skip
    head = (
        f"{'row':20} {'req/min':>8} {'s/req':>6} {'vs direct':>16} {'post->fulfil s p50':>18} "
        f"{'blocks p50/max':>14} {'fulfilled':>9} {'proofs':>6} {'re-proofs':>9} {'dropped':>7} {'failed':>6}"
    )
    print(head)
    print("-" * len(head))
    print(f"{'direct prove (fake)':20} {60 / direct_s:8.1f} {direct_s:6.2f} {'(reference)':>16}")
    for r in rows:
        if not r.fulfilled:
            print(f"{r.name:20} {'-':>8} {'-':>6} {'-':>16} {'-':>18} {'-':>14} {f'0/{r.requests}':>9}")
            continue
        per = r.wall / r.fulfilled
        versus = f"+{per - direct_s:.2f} s ({per / direct_s:.1f}x)"
        blocks = f"{statistics.median(r.blocks):g}/{max(r.blocks)}"
        proofs = "?" if r.proofs is None else str(r.proofs)
        print(
            f"{r.name:20} {60 * r.fulfilled / r.wall:8.1f} {per:6.2f} {versus:>16} "
            f"{statistics.median(r.latencies):18.2f} {blocks:>14} {f'{r.fulfilled}/{r.requests}':>9} "
            f"{proofs:>6} {r.reproofs:>9} {r.dropped:>7} {r.failed:>6}"
        )
    print("-" * len(head))
    print(f"direct: Client(Local(dev=True)).prove of the same call in this process, median of {args.direct}")
    print("s/req: seconds from the first post to the last RequestFulfilled, over the requests fulfilled")
    print("proofs: made by all workers (the workers' logs), re-proofs included; re-proofs, dropped, failed: the stores")
    for r in rows:
        for reason, count in r.reasons.most_common(3):
            print(f"{r.name}: {count} failed: {reason}")


if __name__ == "__main__":
    main()
