"""The request worker (vlayer.worker) on a real anvil: a RequestBook over the FakeProofVerifier, the example
CounterProver and Counter consumer (contracts/test/requests), workers proving in this process in dev mode."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from tests.support.contracts import CONTRACTS, HARDFORK, compile_sources, custom_error
from tests.support.service import ENV, PausableProxy, Serve
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import InputError
from vlayer.guest import call_guest_id
from vlayer.sdk import Local
from vlayer.worker import RequestState, Worker, WorkerConfig, WorkerError, WorkerStore, check_proof_source
from vlayer.worker.book import decode_revert

#: The workers' own keys, funded by the fixture (anvil's unlocked account 0 deploys and posts).
KEYS = tuple("0x" + keccak(text=f"vlayer worker key {i}").hex() for i in range(3))
KEY = keccak(text="counter")
FEE = 10**15
CALLBACK_GAS = 200_000
LOCAL = Local(dev=True, hardfork=HARDFORK)


@functools.lru_cache(maxsize=1)
def request_contracts() -> dict[str, dict[str, Any]]:
    files = [*sorted((CONTRACTS / "src").rglob("*.sol")), *sorted((CONTRACTS / "test" / "requests").glob("*.sol"))]
    files = [f for f in files if not f.name.endswith(".t.sol")]
    return compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})


@dataclass
class Chain:
    anvil: Anvil
    w3: Web3
    owner: str
    book: Contract
    store: Contract
    prover: Contract
    counter: Contract
    #: A CounterProver over another book: for every request of `book` it reads an args hash of 0 and reverts.
    foreign_prover: Contract

    def deploy(self, name: str, *args: Any) -> Contract:
        return deploy(self.w3, self.owner, name, *args)

    def transact(self, call: Any, value: int = 0) -> dict[str, Any]:
        tx_hash = call.transact({"from": self.owner, "value": value, "gas": 3_000_000})
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx_hash))
        assert receipt["status"] == 1, receipt
        return receipt

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def mine(self, blocks: int = 1) -> None:
        self.anvil.rpc("anvil_mine", hex(blocks))

    def post_call(
        self, delta: int = 1, *, args: bytes | None = None, prover: str | None = None, callback: str | None = None
    ) -> Any:
        selector = self.prover.functions.increment(0, b"", self.owner).selector
        return self.book.functions.post(
            prover or self.prover.address,
            bytes.fromhex(selector[2:]),
            encode(["bytes32", "uint256"], [KEY, delta]) if args is None else args,
            callback or self.counter.address,
            CALLBACK_GAS,
            1,
            self.head() + 200,
        )

    def post(
        self, delta: int = 1, *, args: bytes | None = None, prover: str | None = None, callback: str | None = None
    ) -> int:
        self.transact(self.post_call(delta, args=args, prover=prover, callback=callback), value=FEE)
        return int(self.book.functions.requestCount().call())

    def value(self) -> int:
        return int.from_bytes(self.store.functions.valueOf(KEY).call(), "big")

    def fulfilled(self, request_id: int) -> list[Any]:
        logs = self.book.events.RequestFulfilled().get_logs(from_block=0, argument_filters={"id": request_id})
        return list(logs)


def deploy(w3: Web3, owner: str, name: str, *args: Any) -> Contract:
    c = request_contracts()[name]
    factory = w3.eth.contract(abi=c["abi"], bytecode=c["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": owner}))
    return w3.eth.contract(address=receipt["contractAddress"], abi=c["abi"])


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    with Anvil(hardfork=HARDFORK) as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        accounts = list(w3.eth.accounts)
        owner = accounts[0]
        for key in KEYS:
            anvil.rpc("anvil_setBalance", Account.from_key(key).address, hex(10**20))
        repository = deploy(w3, owner, "ImageIdRepository", owner)
        # Dev-mode proofs name this build's call guest id.
        repository.functions.addImageIdSupport(call_guest_id()).transact({"from": owner})
        fake = deploy(w3, owner, "FakeProofVerifier", repository.address)
        store = deploy(w3, owner, "VersionedStore", owner)
        book = deploy(w3, owner, "RequestBook", fake.address, store.address)
        prover = deploy(w3, owner, "CounterProver", book.address)
        counter = deploy(w3, owner, "Counter", book.address, store.address)
        other_book = deploy(w3, owner, "RequestBook", fake.address, store.address)
        foreign = deploy(w3, owner, "CounterProver", other_book.address)
        c = Chain(anvil, w3, owner, book, store, prover, counter, foreign)
        c.transact(store.functions.setWriter(counter.address, True))
        c.transact(store.functions.setWriter(owner, True))
        c.transact(store.functions.write(KEY, (41).to_bytes(32, "big")))
        yield c


def worker(chain: Chain, db: Path, key: str = KEYS[1], payee: str | None = None, name: str = "worker") -> Worker:
    config = WorkerConfig(
        rpc_url=chain.anvil.url,
        book=chain.book.address,
        db_url=f"sqlite:///{db}",
        private_key=key,
        functions=("increment",),
        prover=LOCAL,
        dev=True,
        payee=payee,
        start_block=chain.head() + 1,  # requests of earlier tests left open stay out of this worker's way
        receipt_timeout=20.0,
    )
    return Worker(config, name=name)


def fresh_payee(tag: str) -> str:
    return to_checksum_address(keccak(text=f"payee {tag}")[:20])


def test_request_is_fulfilled_once_and_pays_the_proven_payee(chain: Chain, tmp_path: Path) -> None:
    payee = fresh_payee("one")
    with worker(chain, tmp_path / "w.db", payee=payee) as w:
        before = chain.value()
        request_id = chain.post(delta=5)
        w.run_once()
        # Posted with one confirmation: nothing can settle yet.
        assert w.store.get(request_id).state is RequestState.SEEN  # type: ignore[union-attr]
        chain.mine()
        w.run_once()
        row = w.store.get(request_id)
        assert row is not None and row.state is RequestState.FULFILLED, row
        w.run_once()  # a finished request is not touched again, and its log seen again is the same job
        w.store.advance(row.block_number, {}, 64)
        assert w.poll() == 0
    assert len(chain.fulfilled(request_id)) == 1
    event = chain.fulfilled(request_id)[0]["args"]
    assert event["payee"] == payee and event["callbackOk"] is True
    assert chain.value() == before + 5  # the callback wrote the proven answer
    assert chain.w3.eth.get_balance(payee) == FEE
    assert chain.book.functions.statusOf(request_id).call() == 2  # Fulfilled


def test_two_workers_race_one_fulfils_the_other_drops(chain: Chain, tmp_path: Path) -> None:
    pa, pb = fresh_payee("a"), fresh_payee("b")
    a = worker(chain, tmp_path / "a.db", KEYS[1], pa, "a")
    b = worker(chain, tmp_path / "b.db", KEYS[2], pb, "b")
    try:
        request_id = chain.post(delta=2)
        chain.mine()
        a.poll()
        b.poll()
        assert a.step(request_id) is RequestState.PROVED
        assert b.step(request_id) is RequestState.PROVED
        # Both send before either transaction is mined: the second one to land reverts on chain, or is caught by
        # its simulation on the pending block.
        chain.anvil.rpc("evm_setAutomine", False)
        try:
            assert a.step(request_id) is RequestState.SENT
            b.step(request_id)
            chain.mine()
        finally:
            chain.anvil.rpc("evm_setAutomine", True)
        assert a.settle_request(request_id) is RequestState.FULFILLED
        assert b.settle_request(request_id) is RequestState.DROPPED
        reason = b.store.get(request_id).reason  # type: ignore[union-attr]
        assert reason is not None and ("NotOpen" in reason or "not open" in reason), reason
    finally:
        a.close()
        b.close()
    events = chain.fulfilled(request_id)
    assert len(events) == 1 and events[0]["args"]["payee"] == pa
    assert chain.w3.eth.get_balance(pa) == FEE and chain.w3.eth.get_balance(pb) == 0


def test_race_lost_on_chain_is_dropped(chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both simulations pass (neither transaction is pending yet, as with workers on two nodes), both land in one
    block: the second reverts on chain, and its worker drops the request rather than failing it."""
    pa, pb = fresh_payee("chain a"), fresh_payee("chain b")
    a = worker(chain, tmp_path / "a.db", KEYS[1], pa, "a")
    b = worker(chain, tmp_path / "b.db", KEYS[2], pb, "b")
    held: list[str] = []
    try:
        request_id = chain.post(delta=2)
        chain.mine()
        a.poll()
        b.poll()
        chain.anvil.rpc("evm_setAutomine", False)
        try:
            for w in (a, b):
                monkeypatch.setattr(w, "_broadcast", held.append)
                assert w.step(request_id) is RequestState.PROVED
                assert w.step(request_id) is RequestState.SENT
                monkeypatch.undo()
            for raw in held:
                chain.w3.eth.send_raw_transaction(raw)
            chain.mine()
        finally:
            chain.anvil.rpc("evm_setAutomine", True)
        states = {a.settle_request(request_id), b.settle_request(request_id)}
        assert states == {RequestState.FULFILLED, RequestState.DROPPED}
        loser = a if a.store.get(request_id).state is RequestState.DROPPED else b  # type: ignore[union-attr]
        assert "not open: Fulfilled" in (loser.store.get(request_id).reason or "")  # type: ignore[union-attr]
    finally:
        a.close()
        b.close()
    events = chain.fulfilled(request_id)
    assert len(events) == 1
    assert chain.w3.eth.get_balance(events[0]["args"]["payee"]) == FEE


def test_two_worker_processes_race_one_fulfils_the_other_drops(chain: Chain, tmp_path: Path) -> None:
    """Two `vlayer worker --once` processes, each with its key, payee and database, started together."""
    payees = [fresh_payee("process a"), fresh_payee("process b")]
    start = chain.head()
    request_id = chain.post(delta=6)
    chain.mine()
    procs = []
    for i, payee in enumerate(payees):
        args = [sys.executable, "-m", "vlayer.cli", "worker", "--once", "--dev", "--hardfork", HARDFORK,
                "--rpc-url", chain.anvil.url, "--book", chain.book.address, "--db", f"sqlite:///{tmp_path}/{i}.db",
                "--function", "increment", "--payee", payee, "--start-block", str(start)]  # fmt: skip
        env = {**os.environ, "VLAYER_WORKER_KEY": KEYS[i + 1]}
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    outputs = []
    for proc in procs:
        try:
            out, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()  # this test's own child, by its pid
            out, _ = proc.communicate()
        outputs.append(out.decode(errors="replace"))
        assert proc.returncode == 0, outputs[-1]
    chain_id = int(chain.w3.eth.chain_id)
    states = []
    for i in range(2):
        store = WorkerStore(f"sqlite:///{tmp_path}/{i}.db", chain_id, chain.book.address)
        row = store.get(request_id)
        store.close()
        assert row is not None, outputs[i]
        states.append((row.state, row.reason))
    assert sorted(s for s, _ in states) == sorted([RequestState.FULFILLED, RequestState.DROPPED]), (states, outputs)
    events = chain.fulfilled(request_id)
    assert len(events) == 1, outputs
    winner = [s for s, _ in states].index(RequestState.FULFILLED)
    assert events[0]["args"]["payee"] == payees[winner]
    assert chain.w3.eth.get_balance(payees[winner]) == FEE and chain.w3.eth.get_balance(payees[1 - winner]) == 0


def test_a_proof_older_than_256_blocks_is_still_submitted(chain: Chain, tmp_path: Path) -> None:
    """With EIP-2935's history contract (this Osaka anvil) the book accepts settle blocks 8,191 blocks back, and the
    worker reads that window from the book instead of re-proving after 256 (issue 24)."""
    assert chain.book.functions.settlementWindow().call() == 8191
    with worker(chain, tmp_path / "w.db") as w:
        call = chain.post_call(delta=2)
        args = list(call.args)
        args[-1] = chain.head() + 1000  # a deadline past the 300 blocks below
        chain.transact(chain.book.functions.post(*args), value=FEE)
        request_id = int(chain.book.functions.requestCount().call())
        chain.mine()
        w.poll()
        assert w.step(request_id) is RequestState.PROVED
        settle = int(w.store.get(request_id).proof["settle"])  # type: ignore[union-attr]
        chain.mine(300)
        assert w.settle_request(request_id) is RequestState.FULFILLED
        row = w.store.get(request_id)
        assert row is not None and row.reproofs == 0
    (event,) = chain.fulfilled(request_id)
    assert event["args"]["settleBlock"] == settle and event["blockNumber"] - settle > 256


def test_write_between_proof_and_submission_is_proved_again(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as w:
        request_id = chain.post(delta=3)
        chain.mine()
        w.poll()
        assert w.step(request_id) is RequestState.PROVED
        version = int(chain.store.functions.versionOf(KEY).call())
        chain.transact(chain.store.functions.write(KEY, (1000).to_bytes(32, "big")))
        # Forced past the simulation, the stale answer is refused on chain, naming the key and both versions.
        stale = w._fulfil_tx(w.store.get(request_id))  # type: ignore[arg-type]
        forced = chain.w3.eth.send_transaction({**stale, "from": chain.owner, "gas": 3_000_000})
        assert chain.w3.eth.wait_for_transaction_receipt(forced)["status"] == 0
        with pytest.raises(ContractLogicError) as refused:
            chain.w3.eth.call({**stale, "from": chain.owner})
        assert decode_revert(bytes.fromhex(str(refused.value.data)[2:])) == decode_revert(
            custom_error("StaleRead(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                         [KEY, version, version + 1])
        )  # fmt: skip
        assert w.step(request_id) is RequestState.SEEN  # the simulation said StaleRead
        row = w.store.get(request_id)
        assert row is not None and row.reason is not None and "StaleRead" in row.reason
        assert (row.stale_reads, row.reproofs) == (1, 0)  # progress by another write: outside the retry budget
        assert w.settle_request(request_id) is RequestState.FULFILLED
    assert chain.value() == 1003  # computed over the value written in between
    assert len(chain.fulfilled(request_id)) == 1


def test_bad_request_fails_with_its_reason_and_others_are_served(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as w:
        before = chain.value()
        mismatched = chain.post(
            delta=1, prover=chain.foreign_prover.address
        )  # its prover reads another book's args hash
        malformed = chain.post(args=b"\x01\x02\x03")  # args that do not decode: the prover reverts without reason
        good = chain.post(delta=7)
        chain.mine()
        w.run_once()
        rows = {r.id: r for r in w.store.all()}
    assert rows[mismatched].state is RequestState.FAILED
    assert rows[mismatched].reason is not None and "ArgsMismatch" in rows[mismatched].reason
    assert rows[malformed].state is RequestState.FAILED
    assert rows[malformed].reason is not None and rows[malformed].reason.startswith("prover reverted")
    assert rows[good].state is RequestState.FULFILLED
    assert chain.value() == before + 7
    assert chain.book.functions.statusOf(mismatched).call() == 1  # still Open: nothing was sent for it


def test_restarted_worker_resumes_a_sent_request_without_paying_twice(chain: Chain, tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    w = worker(chain, db, KEYS[1])
    request_id = chain.post(delta=4)
    chain.mine()
    w.poll()
    w.step(request_id)
    chain.anvil.rpc("evm_setAutomine", False)
    try:
        assert w.step(request_id) is RequestState.SENT
        w.close()  # "killed" after sending, before the receipt
        nonce = chain.w3.eth.get_transaction_count(Account.from_key(KEYS[1]).address, "pending")
        chain.mine()
    finally:
        chain.anvil.rpc("evm_setAutomine", True)
    with worker(chain, db, KEYS[1]) as again:
        again.run_once()
        assert again.store.get(request_id).state is RequestState.FULFILLED  # type: ignore[union-attr]
    assert chain.w3.eth.get_transaction_count(Account.from_key(KEYS[1]).address) == nonce
    assert len(chain.fulfilled(request_id)) == 1


def test_reorg_orphans_requests_of_removed_blocks(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as w:
        snapshot = chain.anvil.rpc("evm_snapshot")
        request_id = chain.post(delta=9)
        w.poll()
        assert w.store.get(request_id).state is RequestState.SEEN  # type: ignore[union-attr]
        chain.anvil.rpc("evm_revert", snapshot)
        chain.mine(3)  # another chain, longer than the removed one, without the request
        w.poll()
        assert w.store.get(request_id).state is RequestState.ORPHANED  # type: ignore[union-attr]
        # Posted again on the new chain: the same id comes back as a new job.
        assert chain.post(delta=9) == request_id
        w.poll()
        assert w.store.get(request_id).state is RequestState.SEEN  # type: ignore[union-attr]


def test_proof_modes_no_chain_verifies_are_refused() -> None:
    with pytest.raises(WorkerError, match="composite receipts are verified by no chain"):
        check_proof_source(Local(mode="composite"), dev=False, chain_id=1)
    with pytest.raises(WorkerError, match="only with --dev"):
        check_proof_source(Local(dev=True), dev=False, chain_id=31337)
    with pytest.raises(WorkerError, match="dev chains"):
        check_proof_source(Local(dev=True), dev=True, chain_id=1)
    check_proof_source(Local(dev=True), dev=True, chain_id=31337)
    check_proof_source("http://127.0.0.1:3000/", dev=False, chain_id=1)  # a service's mode is checked per proof


def test_cli_refuses_composite_and_fake_without_dev_in_one_line(chain: Chain, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "vlayer.cli", "worker", "--once", "--rpc-url", chain.anvil.url,
            "--book", chain.book.address, "--db", f"sqlite:///{tmp_path}/w.db", "--function", "increment"]  # fmt: skip
    env = {**os.environ, "VLAYER_WORKER_KEY": KEYS[1]}
    for extra, code, message in (
        (["--mode", "composite"], WorkerError.exit_code, "composite receipts are verified by no chain"),
        (["--mode", "fake"], 2, "fake proofs prove nothing"),
    ):
        done = subprocess.run([*base, *extra], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == code, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr


def test_unknown_prover_and_codeless_callback_end_with_their_reasons(chain: Chain, tmp_path: Path) -> None:
    nobody = fresh_payee("no code here")
    with worker(chain, tmp_path / "w.db") as w:
        before = chain.value()
        unknown = chain.post(delta=1, prover=nobody)
        codeless = chain.post(delta=1, callback=nobody)
        good = chain.post(delta=2)
        chain.mine()
        w.run_once()
        rows = {r.id: r for r in w.store.all()}
    assert rows[unknown].state is RequestState.FAILED and rows[unknown].reason == f"prover {nobody} has no code"
    assert chain.book.functions.statusOf(unknown).call() == 1  # nothing was sent for it
    # Answered (and paid): the book keeps the result for `retryCallback` once the callback has code.
    assert rows[codeless].state is RequestState.FULFILLED
    assert rows[codeless].reason == f"callback failed: CallbackNotContract({nobody})"
    assert chain.book.functions.statusOf(codeless).call() == 3  # CallbackFailed
    assert rows[good].state is RequestState.FULFILLED and rows[good].reason is None
    assert chain.value() == before + 2


def test_shards_prove_their_own_requests_at_once_and_the_others_after_grace(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as plain:
        config = plain.config
    first = chain.post(delta=1)
    second = chain.post(delta=1)
    mine, theirs = (first, second) if first % 2 == 0 else (second, first)
    with Worker(replace(config, shard=(0, 2), grace=5), name="shard 0/2") as w:
        chain.mine()
        w.run_once()
        assert w.store.get(mine).state is RequestState.FULFILLED  # type: ignore[union-attr]
        row = w.store.get(theirs)
        assert row is not None and row.state is RequestState.SEEN
        # Left to shard 1 until 5 blocks after it could first be settled, then answered here.
        chain.mine(row.min_settle_block + 5 - 1 - chain.head())
        w.run_once()
        assert w.store.get(theirs).state is RequestState.SEEN  # type: ignore[union-attr]
        chain.mine()
        w.run_once()
        assert w.store.get(theirs).state is RequestState.FULFILLED  # type: ignore[union-attr]
    with pytest.raises(InputError, match="shard 2/2"):
        Worker(replace(config, shard=(2, 2)))


def test_fulfilment_counts_only_once_buried_under_the_confirmations(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "plain.db") as plain:
        config = replace(plain.config, db_url=f"sqlite:///{tmp_path}/w.db", confirmations=2)
    request_id = chain.post(delta=1)
    with Worker(config) as w:
        chain.mine(2)
        w.run_once()
        assert w.store.get(request_id).state is RequestState.SENT  # type: ignore[union-attr]
        assert chain.book.functions.statusOf(request_id).call() == 2
        chain.mine(1)
        w.run_once()
        assert w.store.get(request_id).state is RequestState.SENT  # type: ignore[union-attr]
        chain.mine(1)
        w.run_once()
        assert w.store.get(request_id).state is RequestState.FULFILLED  # type: ignore[union-attr]


def _worker_process(chain: Chain, db: Path, service: str, start: int, key: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "vlayer.cli", "worker", "--dev", "--interval", "0.2", "--service", service,
            "--rpc-url", chain.anvil.url, "--book", chain.book.address, "--db", f"sqlite:///{db}",
            "--function", "increment", "--start-block", str(start)]  # fmt: skip
    env = {**ENV, "VLAYER_WORKER_KEY": key}
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("answered_meanwhile", [False, True], ids=["resumes", "another-answered"])
def test_worker_killed_while_proving_answers_once_after_restart(
    chain: Chain, tmp_path: Path, answered_meanwhile: bool
) -> None:
    """A `vlayer worker` proving through a prove service whose chain is stalled is SIGKILLed (by its pid) in the
    middle of proving; restarted on the same database it fulfils the request, or, when another worker answered it
    in the meantime, drops it. Either way the request is answered exactly once."""
    db = tmp_path / "w.db"
    proxy = PausableProxy(chain.anvil.url)
    start = chain.head()
    request_id = chain.post(delta=1)
    chain.mine()
    try:
        with Serve(proxy.url, tmp_path / "jobs.db", HARDFORK) as serve:
            proxy.pause()  # the service now waits on its chain: the worker's v_call cannot be answered
            store = WorkerStore(f"sqlite:///{db}", int(chain.w3.eth.chain_id), chain.book.address)
            proc = _worker_process(chain, db, serve.url, start, KEYS[1])
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    row = store.get(request_id)
                    if row is not None and row.state is RequestState.PROVING:
                        break
                    assert proc.poll() is None, proc.communicate()[0].decode(errors="replace")
                    time.sleep(0.1)
                else:
                    pytest.fail("the worker never started proving")
            finally:
                store.close()
                proc.send_signal(signal.SIGKILL)  # this test's own child, by its pid
                proc.communicate(timeout=10)
            proxy.resume()
    finally:
        proxy.close()
    if answered_meanwhile:
        with worker(chain, tmp_path / "other.db", KEYS[2], name="other") as other:
            other.store.advance(start, {}, 64)
            other.run_once()
            assert other.store.get(request_id).state is RequestState.FULFILLED  # type: ignore[union-attr]
    with worker(chain, db, KEYS[1], name="restarted") as again:
        assert again.store.get(request_id).state is RequestState.PROVING  # type: ignore[union-attr]
        again.run_once()
        row = again.store.get(request_id)
        assert row is not None
        if answered_meanwhile:
            assert row.state is RequestState.DROPPED and row.reason == "not open: Fulfilled", row
        else:
            assert row.state is RequestState.FULFILLED, row
    assert len(chain.fulfilled(request_id)) == 1


def _anvil_tx(chain: Chain, call: Any, value: int) -> dict[str, str]:
    """A transaction for `anvil_reorg` to include (anvil signs it for the unlocked owner)."""
    tx = call.build_transaction({"from": chain.owner, "value": value, "gas": 3_000_000})
    return {"from": chain.owner, "to": tx["to"], "data": tx["data"], "value": hex(value), "gas": hex(3_000_000)}


def test_anvil_reorg_dropping_the_request_means_it_is_never_answered(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as w:
        count = int(chain.book.functions.requestCount().call())
        request_id = chain.post(delta=1)
        chain.mine()
        w.poll()
        assert w.step(request_id) is RequestState.PROVED  # proved over a block the reorg is about to remove
        chain.anvil.rpc("anvil_reorg", 2, [])  # the request's block and the settle block, replaced
        assert int(chain.book.functions.requestCount().call()) == count
        w.run_once()
        assert w.store.get(request_id).state is RequestState.ORPHANED  # type: ignore[union-attr]
        chain.mine(3)
        w.run_once()
        assert w.store.get(request_id).state is RequestState.ORPHANED  # type: ignore[union-attr]
    assert chain.fulfilled(request_id) == []
    assert chain.book.functions.statusOf(request_id).call() == 0


def test_anvil_reorg_reincluding_the_request_answers_it_once(chain: Chain, tmp_path: Path) -> None:
    with worker(chain, tmp_path / "w.db") as w:
        before = chain.value()
        call = chain.post_call(delta=4)
        request_id = chain.post(delta=4)
        old_block = w.w3.eth.get_block("latest")["hash"]
        chain.mine()
        w.poll()
        assert w.step(request_id) is RequestState.PROVED
        # The same post lands again one block later, under another hash; the old proof's settle block is gone.
        chain.anvil.rpc("anvil_reorg", 2, [[_anvil_tx(chain, call, FEE), 1]])
        assert chain.book.functions.statusOf(request_id).call() == 1
        w.poll()
        assert w.store.get(request_id).block_hash != "0x" + bytes(old_block).hex()  # type: ignore[union-attr]
        chain.mine()  # its new block's confirmation
        w.run_once()
        row = w.store.get(request_id)
        assert row is not None and row.state is RequestState.FULFILLED, row
        w.run_once()
    assert len(chain.fulfilled(request_id)) == 1
    assert chain.value() == before + 4
