"""Host -> guest wire format, version 4 (docs/wire-format.md), and the journal the guest must commit."""

from __future__ import annotations

from typing import Any

import rlp
from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak

from vlayer.preflight.execute import CallRequest, PreflightResult
from vlayer.proofs.bundle import AccountClaim, ProofBundle

MAGIC = b"VLYR"
VERSION = 4


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


def _travels(bundle: ProofBundle) -> list[Any]:
    return [[t.block_number, _accounts(t.accounts)] for t in bundle.travels]


def _pooled(bundle: ProofBundle) -> tuple[list[bytes], list[bytes]]:
    """Nodes and codes of the pinned chain and every L2, each once: the input has one pool of each."""
    if not bundle.teleports:  # the pinned chain's pools are already deduplicated (ProofDb)
        return list(bundle.nodes), list(bundle.codes)
    nodes = {bytes(keccak(n)): n for n in bundle.nodes}
    codes = {bytes(keccak(c)): c for c in bundle.codes}
    for l2 in bundle.teleports:
        for n in l2.bundle.nodes:
            nodes.setdefault(bytes(keccak(n)), n)
        for c in l2.bundle.codes:
            codes.setdefault(bytes(keccak(c)), c)
    return list(nodes.values()), list(codes.values())


def encode_input(bundle: ProofBundle, call: CallRequest, gas_limit: int, dev_hardfork: str | None) -> bytes:
    nodes, codes = _pooled(bundle)
    body = [
        VERSION,
        bundle.chain_id,
        (dev_hardfork or "").encode(),
        bundle.block_hash,
        bundle.header_rlp,
        list(bundle.ancestors),
        nodes,
        codes,
        _accounts(bundle.accounts),
        [call.sender, call.to, call.data, gas_limit],
        _travels(bundle),
        [
            [
                l2.chain_id,
                (l2.dev_hardfork or "").encode(),
                l2.message_passer_root,
                l2.bundle.header_rlp,
                list(l2.bundle.ancestors),
                _accounts(l2.bundle.accounts),
                _travels(l2.bundle),
            ]
            for l2 in bundle.teleports
        ],
        [[number, list(receipts)] for number, receipts in bundle.logs],
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
