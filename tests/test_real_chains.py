"""Calls on real chains (mainnet, Sepolia, OP Mainnet, OP Sepolia) replayed from recorded answers with no node (a
request not recorded is an error): preflight under the chain's built-in schedule, then the native guest and the zkVM
executor; return data equal to what vlayer's own tests assert for the same calls, journals equal, and the witness
holding only what the call reads (tests/fixtures/real_chains.json, docs/chains.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.real_chains import CALLS, call_named, replayed
from vlayer.cluster.coordinator import JobStats, LocalBackend, prove_job
from vlayer.guest import call_guest_id, run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.receipts.zkvm import execute, verify


@pytest.mark.parametrize("call", CALLS, ids=[c["name"] for c in CALLS])
def test_real_chain_call_is_preflighted_and_reexecuted(call: dict[str, Any]) -> None:
    result = replayed(call)
    assert result.chain_id == call["chain_id"] and result.block_number == call["block"]
    assert result.success and "0x" + result.return_data.hex() == call["return_data"], call["what"]
    if call["proves"] is not None:
        assert ["0x" + a.hex() for a in result.access.accounts] == call["proves"]
    # Neither the zero-address sender nor the coinbase is read, so neither is proven.
    assert b"\x00" * 20 not in result.access.accounts
    assert bytes(result.bundle.header_rlp) and len(result.bundle.codes) >= 1
    assert run_and_check(result).return_data == result.return_data
    run = execute(input_for(result))
    assert run.journal == expected_journal(result)
    assert int.from_bytes(run.journal[64:96], "big") == call["chain_id"]  # settleChainId


def test_mainnet_usdt_fits_one_segment_with_the_keccak_accelerator() -> None:
    """The guest hashes through RISC Zero's keccak accelerator: mainnet USDT's deep tries and 11 KB of code take 163
    permutations, which cost the guest about 1,700 cycles each instead of 17,171 (the unrolled software permutation:
    4 segments, 3.09M user cycles) or 32,763 (alloy's default: 6 segments, 5.73M). Issue 28's goal is at most half
    of Steel's 5,767,168 total cycles for an ERC20 balanceOf. The count is a function of the image and the input,
    not of the machine, so a guest that hashed in software again fails here."""
    run = execute(input_for(replayed(call_named("mainnet_usdt_balance_of"))))
    assert run.segment_po2 == 20
    assert run.segments == 1 and run.user_cycles < 650_000, (run.segments, run.user_cycles)
    assert run.total_cycles <= 5_767_168 // 2


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_the_guest_proves_mainnet_usdt_in_one_segment_and_one_keccak_batch() -> None:
    """What `vlayer prove` does (the coordinator, segment by segment, on this machine): one rv32im segment and one
    keccak batch of 2^16 rows (164 permutations), proved by the keccak circuit's CPU kernels
    (patches/risc0-circuit-keccak-sys, -O1 in a namespace of their own) and joined into the composite receipt,
    which verifies against the registered image id with the journal the host computes."""
    result = replayed(call_named("mainnet_usdt_balance_of"))
    backend = LocalBackend()
    stats = JobStats()
    proof = prove_job(input_for(result), job_id="mainnet-usdt", backend=backend, stats=stats)
    backend.close()
    assert proof.run.segments == 1, proof.run.segments
    assert [(e["kind"], e["po2"]) for e in sorted(stats.segments, key=lambda e: e["index"])] == [
        ("rv32im", 20), ("keccak", 16)
    ]  # fmt: skip
    assert proof.run.journal == expected_journal(result)
    assert verify(proof.receipt, call_guest_id()).journal == proof.run.journal
