"""The vlayer v1 `Proof` layout and verifier calldata built in Python (their acceptance on-chain is in
test_contracts.py; here the layout, the seal conversions and the refusals)."""

from __future__ import annotations

import pytest
from eth_abi import encode

from tests.support.contracts import receipt_vector
from vlayer.receipts.claim import ok_claim_digest
from vlayer.receipts.proof_encoding import (
    CALL_ASSUMPTIONS_LENGTH,
    FAKE_VERIFIER_SELECTOR,
    MIN_JOURNAL_LENGTH,
    PROOF_LENGTH,
    CallAssumptions,
    ProofEncodingError,
    ProofMode,
    Seal,
    fake_proof,
    fake_seal,
    journal_outputs,
    proof_from_receipt,
    verifier_calldata,
)

IMAGE_ID = bytes(range(32))
ASSUMPTIONS = CallAssumptions(b"\x11" * 20, bytes.fromhex("70a08231"), 31337, 42, b"\x22" * 32)
OUTPUTS = encode(["address", "uint256"], [b"\x33" * 20, 250])
JOURNAL = ASSUMPTIONS.encode() + bytes(PROOF_LENGTH) + OUTPUTS


def test_sizes_are_vlayer_v1s() -> None:
    assert (CALL_ASSUMPTIONS_LENGTH, PROOF_LENGTH, MIN_JOURNAL_LENGTH) == (160, 544, 704)
    assert len(ASSUMPTIONS.encode()) == 160
    assert len(fake_proof(IMAGE_ID, JOURNAL).encode()) == 544


def test_fake_proof_fields() -> None:
    proof = fake_proof(IMAGE_ID, JOURNAL)
    assert proof.seal.mode is ProofMode.FAKE
    assert proof.seal.verifier_selector == FAKE_VERIFIER_SELECTOR == bytes.fromhex("deafbeef")
    assert proof.seal.words == (ok_claim_digest(IMAGE_ID, JOURNAL), *[b"\x00" * 32] * 7)
    assert proof.seal.receipt_seal() == fake_seal(IMAGE_ID, JOURNAL)
    assert (proof.call_guest_id, proof.length, proof.call_assumptions) == (IMAGE_ID, len(JOURNAL), ASSUMPTIONS)


def test_proof_word_layout() -> None:
    encoded = fake_proof(IMAGE_ID, JOURNAL).encode()
    words = [encoded[i : i + 32] for i in range(0, 544, 32)]
    assert words[0] == FAKE_VERIFIER_SELECTOR + bytes(28)  # bytes4 is left-aligned
    assert words[1] == ok_claim_digest(IMAGE_ID, JOURNAL)
    assert words[9] == (1).to_bytes(32, "big")  # ProofMode.FAKE
    assert words[10] == IMAGE_ID
    assert words[11] == len(JOURNAL).to_bytes(32, "big")
    assert encoded[384:] == ASSUMPTIONS.encode()


def test_groth16_receipt_becomes_a_proof_and_back() -> None:
    r = receipt_vector()
    seal = Seal.from_receipt_seal(r.seal, ProofMode.GROTH16)
    assert seal.verifier_selector == r.seal[:4]
    assert b"".join(seal.words) == r.seal[4:]
    assert seal.receipt_seal() == r.seal
    proof = proof_from_receipt(r.seal, ProofMode.GROTH16, IMAGE_ID, JOURNAL)
    assert proof.encode()[:32] == r.seal[:4] + bytes(28)
    with pytest.raises(ProofEncodingError, match="GROTH16 seal is 260 bytes"):
        Seal.from_receipt_seal(r.seal[:36], ProofMode.GROTH16)
    with pytest.raises(ProofEncodingError, match="FAKE seal is 36 bytes"):
        Seal.from_receipt_seal(r.seal, ProofMode.FAKE)


def test_calldata_is_selector_proof_outputs() -> None:
    proof = fake_proof(IMAGE_ID, JOURNAL)
    data = verifier_calldata(b"\xaa\xbb\xcc\xdd", proof, JOURNAL)
    assert data == b"\xaa\xbb\xcc\xdd" + proof.encode() + OUTPUTS
    with pytest.raises(ProofEncodingError, match="not a proof of this journal"):
        verifier_calldata(b"\xaa\xbb\xcc\xdd", proof, JOURNAL + bytes(32))


def test_journals_without_a_placeholder_are_refused() -> None:
    with pytest.raises(ProofEncodingError, match="first output `proof\\(\\)`"):
        journal_outputs(ASSUMPTIONS.encode() + OUTPUTS)
    dirty = ASSUMPTIONS.encode() + bytes(PROOF_LENGTH - 1) + b"\x01" + OUTPUTS
    with pytest.raises(ProofEncodingError, match="not the empty Proof placeholder"):
        fake_proof(IMAGE_ID, dirty)


def test_call_assumptions_must_be_canonical() -> None:
    assert CallAssumptions.decode(JOURNAL) == ASSUMPTIONS
    dirty = bytearray(JOURNAL)
    dirty[0] = 1  # the address word's padding
    with pytest.raises(ProofEncodingError, match="canonically"):
        CallAssumptions.decode(bytes(dirty))
