"""Shielded requests end to end on a real anvil (fake proofs, dev mode): a RequestBook over the FakeProofVerifier, a
`ShieldingKeys` registry, `ShieldedCounterProver` (contracts/test/requests/ShieldedCounter.v.sol) and the `Counter`
consumer; requests posted with `vlayer.sdk.post_shielded` and answered by workers holding the shielding key, in
this process and as a `vlayer worker --shielding-key` process.

What must show it (issue 29): answered once by two workers sharing a key; the clear args and the secret key in none
of the places a request passes through; a ciphertext sealed to another key, a changed one and a worker holding
another key each fail with their exact message and no fulfilment; key rotation; preflight = native guest = zkVM
executor journal."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prometheus_client
import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from tests.support.contracts import HARDFORK
from tests.test_worker import deploy
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.errors import PrecompileError
from vlayer.guest import call_guest_id, run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts import zkvm
from vlayer.receipts.proof_encoding import proof_to_json
from vlayer.rpc import RpcClient
from vlayer.sdk import Client, Local, post_shielded, shielding_key
from vlayer.shielding import NoShieldingKeyError, ShieldingKeyPair, decode_envelope, generate, seal_args
from vlayer.shielding.keys import write_key_file
from vlayer.worker import RequestState, Worker, WorkerConfig, WorkerStore

#: Workers' own keys, funded by the fixture (anvil's account 0 deploys and posts).
KEYS = tuple("0x" + keccak(text=f"vlayer shielded worker key {i}").hex() for i in range(3))
FEE = 10**15
CALLBACK_GAS = 200_000
#: A request's clear delta: 128 random-looking bits, so that its 32-byte word appears nowhere by chance.
DELTA = int.from_bytes(keccak(text="shielded delta")[:16], "big")
#: What the store holds at a test's counter key before its request: the answer, value + delta, is then not delta.
START = 1000
OPEN, FULFILLED = 1, 2


@dataclass
class Chain:
    anvil: Anvil
    w3: Web3
    owner: str
    book: Contract
    store: Contract
    counter: Contract

    def transact(self, call: Any, value: int = 0) -> dict[str, Any]:
        tx_hash = call.transact({"from": self.owner, "value": value, "gas": 3_000_000})
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx_hash))
        assert receipt["status"] == 1, receipt
        return receipt

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def mine(self, blocks: int = 1) -> None:
        self.anvil.rpc("anvil_mine", hex(blocks))

    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def fulfilled(self, request_id: int) -> list[Any]:
        logs = self.book.events.RequestFulfilled().get_logs(from_block=0, argument_filters={"id": request_id})
        return list(logs)

    def status(self, request_id: int) -> int:
        return int(self.book.functions.statusOf(request_id).call())

    def counter_key(self, tag: str) -> bytes:
        """A store key of its own for a test, holding START."""
        key = keccak(text=f"shielded counter {tag}")
        self.transact(self.store.functions.write(key, START.to_bytes(32, "big")))
        return key

    def value(self, key: bytes) -> int:
        return int.from_bytes(self.store.functions.valueOf(key).call(), "big")


@dataclass
class Registry:
    """A `ShieldingKeys` and the `ShieldedCounterProver` reading it."""

    keys: Contract
    prover: Contract

    @property
    def selector(self) -> bytes:
        return bytes.fromhex(self.prover.functions.increment(0, b"", self.keys.address).selector[2:])


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    with Anvil(hardfork=HARDFORK) as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        owner = w3.eth.accounts[0]
        for key in KEYS:
            anvil.rpc("anvil_setBalance", Account.from_key(key).address, hex(10**20))
        repository = deploy(w3, owner, "ImageIdRepository", owner)
        repository.functions.addImageIdSupport(call_guest_id()).transact({"from": owner})
        fake = deploy(w3, owner, "FakeProofVerifier", repository.address)
        store = deploy(w3, owner, "VersionedStore", owner)
        book = deploy(w3, owner, "RequestBook", fake.address, store.address)
        counter = deploy(w3, owner, "Counter", book.address, store.address)
        c = Chain(anvil, w3, owner, book, store, counter)
        c.transact(store.functions.setWriter(counter.address, True))
        c.transact(store.functions.setWriter(owner, True))
        yield c


def registry(chain: Chain, *pairs: ShieldingKeyPair) -> Registry:
    keys = deploy(chain.w3, chain.owner, "ShieldingKeys", chain.owner)
    for pair in pairs:
        chain.transact(keys.functions.addKey(pair.public))
    prover = deploy(chain.w3, chain.owner, "ShieldedCounterProver", chain.book.address, keys.address)
    return Registry(keys, prover)


def plaintext(key: bytes, delta: int = DELTA) -> bytes:
    """ShieldedCounterProver's clear args."""
    return encode(["bytes32", "uint256"], [key, delta])


def post(chain: Chain, reg: Registry, clear: bytes) -> int:
    posted = post_shielded(chain.book, reg.keys, reg.prover.address, reg.selector, clear,
                           callback=chain.counter.address, callback_gas=CALLBACK_GAS, min_confirmations=1,
                           deadline=chain.head() + 200, fee=FEE, tx={"from": chain.owner})  # fmt: skip
    assert posted.envelope != clear and clear not in posted.envelope
    return posted.id


def post_envelope(chain: Chain, reg: Registry, envelope: bytes) -> int:
    """A request whose args are `envelope` as given (sealed by hand: to another key, changed, an old version)."""
    call = chain.book.functions.post(reg.prover.address, reg.selector, envelope, chain.counter.address, CALLBACK_GAS,
                                     1, chain.head() + 200)  # fmt: skip
    chain.transact(call, value=FEE)
    return int(chain.book.functions.requestCount().call())


def local(keys: Sequence[ShieldingKeyPair]) -> Local:
    return Local(dev=True, hardfork=HARDFORK, shielding_keys=tuple(p.secret for p in keys))


def worker(
    chain: Chain, db: Path, keys: Sequence[ShieldingKeyPair], key: str = KEYS[1], name: str = "w", start: int = 0
) -> Worker:
    config = WorkerConfig(
        rpc_url=chain.anvil.url,
        book=chain.book.address,
        db_url=f"sqlite:///{db}",
        private_key=key,
        functions=("increment",),
        prover=local(keys),
        dev=True,
        start_block=start or chain.head() + 1,  # requests of earlier tests stay out of this worker's way
        receipt_timeout=20.0,
    )
    return Worker(config, name=name)


def row(w: Worker, request_id: int) -> Any:
    found = w.store.get(request_id)
    assert found is not None
    return found


# --- where the clear args and the secret must not be -----------------------------------------------------------------


def chain_bytes(chain: Chain, first: int) -> bytes:
    """Everything the chain holds from block `first` on that a request passes through: every transaction's calldata
    and every log's topics and data."""
    out = bytearray()
    for number in range(first, chain.head() + 1):
        block = chain.w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            out += bytes(tx["input"])
            receipt = chain.w3.eth.get_transaction_receipt(tx["hash"])
            for entry in receipt["logs"]:
                out += b"".join(bytes(t) for t in entry["topics"]) + bytes(entry["data"])
    return bytes(out)


def forms(value: bytes) -> list[bytes]:
    """The bytes and the ways they could be written out as text."""
    return [value, value.hex().encode(), value.hex().upper().encode()]


def assert_nowhere(secrets: dict[str, bytes], places: dict[str, bytes]) -> None:
    for what, value in secrets.items():
        for where, haystack in places.items():
            for form in forms(value):
                assert form not in haystack, f"{what} found in {where}"


# --- the tests -----------------------------------------------------------------------------------------------------


def test_two_workers_sharing_a_key_answer_once_and_the_secrets_stay_out(
    chain: Chain, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every log line of this process, web3's requests included
    pair = generate()
    reg = registry(chain, pair)
    key_file = tmp_path / "shielding.json"
    write_key_file(key_file, pair)
    counter_key = chain.counter_key("once")
    first = chain.head() + 1
    applied = int(chain.counter.functions.applied().call())
    a = worker(chain, tmp_path / "a.db", [pair], KEYS[1], "a")
    clear = plaintext(counter_key)
    try:
        request_id = post(chain, reg, clear)
        chain.mine()
        a.poll()
        assert a.step(request_id) is RequestState.PROVED
        # The other worker, a `vlayer worker` process with the same key file, answers while `a` holds its proof.
        args = [sys.executable, "-m", "vlayer.cli", "worker", "--once", "--dev", "--hardfork", HARDFORK,
                "--rpc-url", chain.anvil.url, "--book", chain.book.address, "--db", f"sqlite:///{tmp_path}/b.db",
                "--function", "increment", "--start-block", str(first), "--shielding-key", str(key_file)]  # fmt: skip
        env = {**os.environ, "VLAYER_WORKER_KEY": KEYS[2]}
        done = subprocess.run(args, env=env, capture_output=True, timeout=300, check=False)
        b_output = done.stdout + done.stderr
        assert done.returncode == 0, b_output.decode(errors="replace")
        assert f"shielding key {pair.public_hex}".encode() in b_output
        assert a.settle_request(request_id) is RequestState.DROPPED
        assert "not open: Fulfilled" in (row(a, request_id).reason or "")
    finally:
        a.close()
    b = WorkerStore(f"sqlite:///{tmp_path}/b.db", chain.chain_id(), chain.book.address)
    try:
        assert b.get(request_id).state is RequestState.FULFILLED  # type: ignore[union-attr]
    finally:
        b.close()
    assert len(chain.fulfilled(request_id)) == 1
    assert int(chain.counter.functions.applied().call()) == applied + 1  # the callback applied once
    assert chain.value(counter_key) == START + DELTA

    # The proof of the same call, as a worker makes it, and the guest input a prove service would store.
    payee = Account.from_key(KEYS[1]).address
    posted = chain.book.events.RequestPosted().get_logs(from_block=first, argument_filters={"id": request_id})
    envelope = bytes(posted[0]["args"]["args"])
    with Client(local([pair])) as client:
        result = client.prove(reg.prover.functions.increment(request_id, envelope, payee), block=chain.head())
    assert result.proof is not None
    pre = preflight(RpcClient.http(chain.anvil.url), CallRequest(to=bytes.fromhex(reg.prover.address[2:]),
                    data=bytes.fromhex(reg.prover.functions.increment(request_id, envelope, payee)
                                       ._encode_transaction_data()[2:])),
                    chain.head(), chain_spec=ChainSpec.dev(HARDFORK), shielding_keys=[pair.secret])  # fmt: skip
    places = {
        "the chain": chain_bytes(chain, first),
        "the journal": result.journal,
        "the proof": json.dumps(proof_to_json(result.proof)).encode() + result.proof.encode(),
        "the metrics": json.dumps(result.metrics, default=str).encode() + prometheus_client.generate_latest(),
        "the guest input": input_for(pre),
        "the worker's log": caplog.text.encode(),
        "the worker process's output": b_output,
    }
    for db in sorted(tmp_path.glob("*.db*")):  # the databases, -wal and -journal files included
        places[f"database {db.name}"] = db.read_bytes()
    assert len([p for p in places if p.startswith("database")]) >= 2
    # Controls: the search finds what is there. The envelope is on chain and in the databases; the counter key is
    # in the journal, because this prover returns it (its read and its result): only what a prover returns is shown.
    assert f"a: request {request_id} posted" in caplog.text
    for where in ("the chain", "database a.db", "database b.db", "the guest input"):
        assert envelope in places[where] or envelope.hex().encode() in places[where], where
    # (Proved after the answer landed, so over the value it wrote.)
    assert counter_key in result.journal and (START + 2 * DELTA).to_bytes(32, "big") in result.journal
    assert_nowhere(
        {"the clear args": clear, "the delta": DELTA.to_bytes(32, "big"), "the secret key": pair.secret},
        places,
    )


def test_preflight_native_guest_and_zkvm_executor_agree_on_a_shielded_call(chain: Chain) -> None:
    pair = generate()
    reg = registry(chain, pair)
    request_id = post(chain, reg, plaintext(chain.counter_key("journal")))
    chain.mine()
    envelope = bytes(chain.book.events.RequestPosted().get_logs(
        from_block=chain.head() - 2, argument_filters={"id": request_id})[0]["args"]["args"])  # fmt: skip
    data = reg.prover.functions.increment(request_id, envelope, chain.owner)._encode_transaction_data()
    call = CallRequest(to=bytes.fromhex(reg.prover.address[2:]), data=bytes.fromhex(data[2:]))

    def run(secrets: Sequence[bytes]) -> PreflightResult:
        return preflight(RpcClient.http(chain.anvil.url), call, chain.head(), chain_spec=ChainSpec.dev(HARDFORK),
                         shielding_keys=secrets)  # fmt: skip

    result = run([generate().secret, pair.secret])
    assert result.success, result.revert_reason
    run_and_check(result, [pair.secret])  # return data, gas and journal equal
    executed = zkvm.execute(input_for(result), secrets=[pair.secret])
    assert executed.journal == expected_journal(result)
    # The figure for docs/requests.md: what opening one request's args costs the guest (the whole call here).
    print(f"shielded counter call: {executed.total_cycles} cycles ({executed.user_cycles} user)")
    # Without the key, the preflight aborts with the guest's words.
    with pytest.raises(PrecompileError) as refused:
        run([])
    assert str(refused.value) == (
        f"precompile ShieldedOpen: Shielded: this prover holds no secret key for public key {pair.public_hex}"
    )


def test_another_key_a_changed_ciphertext_and_a_worker_without_the_key_fail_exactly(
    chain: Chain, tmp_path: Path
) -> None:
    mine, stranger = generate(), generate()
    reg = registry(chain, mine)
    chain_id = chain.chain_id()
    clear = plaintext(chain.counter_key("failures"))
    first = chain.head() + 1
    does_not_open = (
        f"precompile ShieldedOpen: Shielded: the ciphertext does not open under public key {mine.public_hex} "
        "(sealed to another key, or changed)"
    )
    no_key = f"precompile ShieldedOpen: Shielded: this prover holds no secret key for public key {mine.public_hex}"
    # Labelled with version 1 (the registry's key) but sealed to a key the registry does not have.
    to_stranger = post_envelope(chain, reg, seal_args(stranger.public, 1, chain_id, reg.keys.address, clear))
    version, sealed = decode_envelope(seal_args(mine.public, 1, chain_id, reg.keys.address, clear))
    changed = sealed[:50] + bytes([sealed[50] ^ 0x01]) + sealed[51:]
    tampered = post_envelope(chain, reg, encode(["uint32", "bytes"], [version, changed]))
    good = post(chain, reg, clear)
    chain.mine()
    with worker(chain, tmp_path / "stranger.db", [stranger], KEYS[2], "stranger", first) as without:
        without.run_once()
        for request_id in (to_stranger, tampered, good):
            failed = row(without, request_id)
            # Given up at the first refusal, with the worker's default retry budget: no retry opens it.
            assert failed.state is RequestState.FAILED and failed.reason == f"given up: {no_key}", failed.reason
            assert failed.reproofs == 0
            assert stranger.secret.hex() not in failed.reason
    assert chain.status(good) == OPEN and chain.fulfilled(good) == []
    with worker(chain, tmp_path / "mine.db", [mine], KEYS[1], "mine", first) as holder:
        holder.run_once()
        for request_id in (to_stranger, tampered):
            failed = row(holder, request_id)
            assert failed.state is RequestState.FAILED and failed.reason == f"given up: {does_not_open}", failed.reason
            assert failed.reproofs == 0
            assert mine.secret.hex() not in failed.reason
            assert chain.status(request_id) == OPEN and chain.fulfilled(request_id) == []
        # The request sealed as it should be is answered by the worker holding the key (the control).
        assert row(holder, good).state is RequestState.FULFILLED
    assert len(chain.fulfilled(good)) == 1


def test_rotation_new_requests_use_the_new_key_old_ones_answered_until_retired(chain: Chain, tmp_path: Path) -> None:
    old, new = generate(), generate()
    reg = registry(chain, old)
    chain_id = chain.chain_id()
    assert shielding_key(chain.w3, reg.keys.address).version == 1
    with worker(chain, tmp_path / "w.db", [old, new]) as w:
        before = post(chain, reg, plaintext(chain.counter_key("rotation before")))
        chain.transact(reg.keys.functions.addKey(new.public))
        current = shielding_key(chain.w3, reg.keys.address)
        assert (current.version, current.public) == (2, new.public)
        after_key = chain.counter_key("rotation after")
        posted = post_shielded(chain.book, reg.keys.address, reg.prover.address, reg.selector, plaintext(after_key),
                               callback=chain.counter.address, callback_gas=CALLBACK_GAS, min_confirmations=1,
                               deadline=chain.head() + 200, fee=FEE, tx={"from": chain.owner})  # fmt: skip
        assert posted.key_version == 2 and decode_envelope(posted.envelope)[0] == 2
        # Sealed to version 1 while it is still current for someone (a requester who read the key before the
        # rotation); answered below only after version 1 is retired.
        late = post_envelope(chain, reg, seal_args(old.public, 1, chain_id, reg.keys.address,
                                                   plaintext(chain.counter_key("rotation late"))))  # fmt: skip
        chain.mine()
        w.poll()
        assert w.settle_request(before) is RequestState.FULFILLED  # the old key still opens until retired
        assert w.settle_request(posted.id) is RequestState.FULFILLED
        assert chain.value(after_key) == START + DELTA
        chain.transact(reg.keys.functions.retireKey(1))
        assert w.settle_request(late) is RequestState.FAILED
        assert row(w, late).reason == "prover reverted: Error(Shielded: key version 1 is retired)"
    assert chain.status(late) == OPEN and chain.fulfilled(late) == []
    assert shielding_key(chain.w3, reg.keys.address).version == 2
    chain.transact(reg.keys.functions.retireKey(2))
    with pytest.raises(NoShieldingKeyError) as none_left:
        post(chain, reg, plaintext(b"\x00" * 32))
    assert str(none_left.value) == (
        f"the ShieldingKeys at {reg.keys.address} has no key to seal to (none added, or every key retired): its "
        "owner adds one with addKey(publicKey) (`vlayer worker keygen` makes one)"
    )


def test_the_worker_process_loads_its_keys_from_files_only_if_private(chain: Chain, tmp_path: Path) -> None:
    pair = generate()
    key_file = tmp_path / "k.json"
    write_key_file(key_file, pair)
    key_file.chmod(0o644)
    args = [sys.executable, "-m", "vlayer.cli", "worker", "--once", "--dev", "--rpc-url", chain.anvil.url,
            "--book", chain.book.address, "--db", f"sqlite:///{tmp_path}/w.db", "--function", "increment",
            "--shielding-key", str(key_file)]  # fmt: skip
    env = {**os.environ, "VLAYER_WORKER_KEY": KEYS[1]}
    done = subprocess.run(args, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"error: {key_file} is open to its group or others (mode 0644)")
    assert pair.secret.hex().encode() not in done.stdout + done.stderr
    assert not (tmp_path / "w.db").exists()  # refused before the worker opened anything
