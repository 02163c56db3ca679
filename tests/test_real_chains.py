"""Calls on real chains (mainnet, Sepolia, OP Mainnet, OP Sepolia) replayed from recorded answers with no node (a
request not recorded is an error): preflight under the chain's built-in schedule, then the native guest and the zkVM
executor; return data equal to what vlayer's own tests assert for the same calls, journals equal, and the witness
holding only what the call reads (tests/fixtures/real_chains.json, docs/chains.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vlayer.devnet import REPO_ROOT
from vlayer.guest import run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.hexutil import parse_hex_bytes
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts.zkvm import execute
from vlayer.rpc import ReplayTransport, RpcClient

FIXTURES = REPO_ROOT / "tests" / "fixtures"
CALLS: list[dict[str, Any]] = json.loads((FIXTURES / "real_chains.json").read_text())["calls"]


def replayed(call: dict[str, Any]) -> PreflightResult:
    client = RpcClient(ReplayTransport(FIXTURES / f"{call['name']}.json"))
    request = CallRequest(to=parse_hex_bytes(call["to"]), data=parse_hex_bytes(call["data"]))
    # The recordings hold what the call reads, not an access-list hint: the lazy path asks for exactly that. They
    # were recorded before the node check existed, so they hold no eth_call of the node's to compare with.
    return preflight(client, request, call["block"], prefetch=False, node_check=False)


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
    call = next(c for c in CALLS if c["name"] == "mainnet_usdt_balance_of")
    run = execute(input_for(replayed(call)))
    assert run.segment_po2 == 20
    assert run.segments <= 4 and run.user_cycles < 3_300_000, (run.segments, run.user_cycles)
