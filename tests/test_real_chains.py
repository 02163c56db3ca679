"""Calls on real chains (mainnet, Sepolia, OP Mainnet, OP Sepolia) replayed from recorded answers with no node (a
request not recorded is an error): preflight under the chain's built-in schedule, then the native guest and the zkVM
executor; return data equal to what vlayer's own tests assert for the same calls, journals equal, and the witness
holding only what the call reads (tests/fixtures/real_chains.json, docs/chains.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.real_chains import CALLS, accelerated_elf, call_named, replayed
from vlayer.guest import run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.receipts.zkvm import execute, image_id_of, prove_elf, verify


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


def test_mainnet_usdt_costs_at_most_four_segments_with_the_unrolled_keccak() -> None:
    """The guest hashes with an unrolled Keccak-f (guest/src/keccak.rs): on mainnet USDT's deep tries and 11 KB of
    code, 163 permutations, nearly all of its cycles. With alloy's default permutation the same call took 6 segments
    of 2^20 cycles (6,291,456) and 5.73M user cycles; the count is a function of the image and the input, not of the
    machine, so a slower permutation fails here."""
    run = execute(input_for(replayed(call_named("mainnet_usdt_balance_of"))))
    assert run.segment_po2 == 20
    assert run.segments <= 4 and run.user_cycles < 3_300_000, (run.segments, run.user_cycles)


@pytest.mark.slow
def test_the_accelerated_guest_proves_mainnet_usdt_in_one_segment_and_its_receipt_verifies() -> None:
    """The guest variant that hashes through RISC Zero's keccak accelerator is proved by this build: the keccak
    circuit's CPU kernels (patches/risc0-circuit-keccak-sys, -O1 in a namespace of their own) prove its keccak batch,
    recursion resolves that into the rv32im proof, and the receipt verifies against the variant's own image id with
    the journal the embedded guest computes. One segment instead of four; about 22 minutes on 2 cores."""
    result = replayed(call_named("mainnet_usdt_balance_of"))
    elf = accelerated_elf()
    proof = prove_elf(elf, input_for(result), "composite")
    assert proof.run.segments == 1, proof.run.segments
    assert proof.run.journal == expected_journal(result)
    assert verify(proof.receipt, image_id_of(elf)).journal == proof.run.journal
