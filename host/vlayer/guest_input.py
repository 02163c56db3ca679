"""Host -> guest wire format, version 2 (docs/wire-format.md), and the journal the guest must commit."""

from __future__ import annotations

from typing import Any

import rlp
from eth_abi.abi import encode as abi_encode

from vlayer.preflight.execute import CallRequest, PreflightResult
from vlayer.proofs.bundle import AccountClaim, ProofBundle

MAGIC = b"VLYR"
VERSION = 2


def _accounts(claims: tuple[AccountClaim, ...]) -> list[Any]:
    return [
        [
            a.address,
            a.exists,
            a.nonce,
            a.balance,
            a.storage_root,
            a.code_hash,
            [[s.slot.to_bytes(32, "big"), s.value] for s in a.storage],
        ]
        for a in claims
    ]


def encode_input(bundle: ProofBundle, call: CallRequest, gas_limit: int, dev_hardfork: str | None) -> bytes:
    body = [
        VERSION,
        bundle.chain_id,
        (dev_hardfork or "").encode(),
        bundle.block_hash,
        bundle.header_rlp,
        list(bundle.ancestors),
        list(bundle.nodes),
        list(bundle.codes),
        _accounts(bundle.accounts),
        [call.sender, call.to, call.data, gas_limit],
        [[t.block_number, _accounts(t.accounts)] for t in bundle.travels],
    ]
    return MAGIC + bytes(rlp.encode(body))


def input_for(result: PreflightResult) -> bytes:
    return encode_input(result.bundle, result.call, result.gas_limit, result.dev_hardfork)


def call_assumptions(prover: bytes, calldata: bytes, chain_id: int, block_number: int, block_hash: bytes) -> bytes:
    selector = calldata[:4] if len(calldata) >= 4 else b"\x00" * 4
    return bytes(
        abi_encode(
            ["address", "bytes4", "uint256", "uint256", "bytes32"],
            [prover, selector, chain_id, block_number, block_hash],
        )
    )


def expected_journal(result: PreflightResult) -> bytes:
    """The journal a guest must commit for this preflight: call assumptions, then the raw return data."""
    head = call_assumptions(result.call.to, result.call.data, result.chain_id, result.block_number, result.block_hash)
    return head + result.return_data
