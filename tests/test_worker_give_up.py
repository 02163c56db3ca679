"""The request worker gives up a request that cannot succeed, once and with its reason, and waits for one that only
needs a later block: a request prover that reads a snapshot block (time travel) on test_worker's real anvil."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from web3.contract import Contract

from tests import test_worker as tw
from tests.support.contracts import CONTRACTS, compile_sources
from vlayer.devnet import REPO_ROOT
from vlayer.worker import RequestState

# test_worker's book, store and counter on an anvil of this module's own (the fixture is module-scoped).
chain = tw.chain

#: `args = abi.encode(bytes32 key, uint256 snapshot)`: the answer is the value of `key` at block `snapshot`.
SNAPSHOT_PROVER = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../src/Proof.sol";
import {RequestBook} from "../../src/requests/RequestBook.sol";
import {RequestProver} from "../../src/requests/RequestProver.sol";
import {Read} from "../../src/requests/VersionedStore.sol";

contract SnapshotProver is RequestProver {
    constructor(RequestBook book) RequestProver(book) {}

    function increment(uint256 id, bytes calldata args, address payee)
        public
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        bytes32 argsHash = _checkedArgsHash(id, args);
        (bytes32 key, uint256 snapshot) = abi.decode(args, (bytes32, uint256));
        bytes memory result = _valueAt(key, snapshot);
        Read[] memory reads = new Read[](1);
        (, reads[0]) = _read(key);
        return (proof(), id, argsHash, payee, reads, result);
    }

    function _valueAt(bytes32 key, uint256 snapshot) private returns (bytes memory) {
        uint256 settle = block.number;
        setBlock(snapshot);
        bytes32 then = STORE.valueOf(key);
        setBlock(settle);
        return abi.encode(key, uint256(then));
    }
}
"""


@functools.lru_cache(maxsize=1)
def snapshot_prover_artifact() -> dict[str, Any]:
    files = [*sorted((CONTRACTS / "src").rglob("*.sol"))]
    sources = {str(p.relative_to(REPO_ROOT)): p.read_text() for p in files}
    sources["contracts/test/requests/SnapshotProver.v.sol"] = SNAPSHOT_PROVER
    return compile_sources(sources)["SnapshotProver"]


def snapshot_prover(c: tw.Chain) -> Contract:
    artifact = snapshot_prover_artifact()
    factory = c.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = c.w3.eth.wait_for_transaction_receipt(factory.constructor(c.book.address).transact({"from": c.owner}))
    return c.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


def test_a_snapshot_after_the_deadline_is_given_up_once(
    chain: tw.Chain, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prover = snapshot_prover(chain)
    with tw.worker(chain, tmp_path / "w.db") as w:
        request_id = chain.post(args=encode(["bytes32", "uint256"], [tw.KEY, chain.head() + 10_000]),
                                prover=prover.address)  # fmt: skip
        chain.mine()
        with caplog.at_level(logging.INFO, logger="vlayer.worker"):
            w.run_once()
            row = w.store.get(request_id)
            assert row is not None and row.state is RequestState.FAILED, row
            assert row.reason is not None and row.reason.startswith("given up: time travel to block "), row.reason
            assert f"its deadline, block {row.deadline}, comes before any settle block after block" in row.reason
            assert row.reproofs == 0
            chain.mine()
            w.run_once()  # never proved again
            w.run_once()
        again = w.store.get(request_id)
        assert again is not None and again.state is RequestState.FAILED and again.reason == row.reason
    told = [m for r in caplog.records if f"request {request_id} " in (m := r.getMessage()) and "posted" not in m]
    assert told == [f"worker: request {request_id} failed: {row.reason}"], told
    assert chain.book.functions.statusOf(request_id).call() == 1  # still Open: nothing was sent for it


def test_a_snapshot_still_to_come_waits_for_its_block_then_is_answered(chain: tw.Chain, tmp_path: Path) -> None:
    prover = snapshot_prover(chain)
    with tw.worker(chain, tmp_path / "w.db") as w:
        snapshot = chain.head() + 4
        request_id = chain.post(args=encode(["bytes32", "uint256"], [tw.KEY, snapshot]), prover=prover.address)
        chain.mine()
        w.run_once()
        row = w.store.get(request_id)
        assert row is not None and row.state is RequestState.SEEN, row
        assert row.proof == {"wait_for": snapshot} and row.reproofs == 0, row
        assert row.reason is not None and f"time travel to block {snapshot}" in row.reason
        w.run_once()  # the head has not passed the snapshot: nothing is proved
        assert w.store.get(request_id) == row
        chain.mine(snapshot + 1 - chain.head())
        w.run_once()
        done = w.store.get(request_id)
        assert done is not None and done.state is RequestState.FULFILLED, done
        assert done.reproofs == 0
    assert len(chain.fulfilled(request_id)) == 1
