"""The off-chain Groth16 check (py_ecc) against RISC Zero's real 3.0 receipt from contracts/test/vectors/."""

from __future__ import annotations

import re

import pytest

from tests.support.contracts import CONTRACTS, RECEIPT_VECTOR_V2_2, receipt_vector
from vlayer.receipts.claim import SYSTEM_STATE_ZERO_DIGEST, ok_claim_digest, tagged_list, tagged_struct
from vlayer.receipts.pairing import (
    RISC0_3_0_BN254_CONTROL_ID,
    RISC0_3_0_CONTROL_ROOT,
    RISC0_VERIFYING_KEY,
    Groth16Verifier,
    MalformedSealError,
    ProofRejectedError,
    ReceiptVerificationError,
    SelectorMismatchError,
    split_digest,
)

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = receipt_vector()
R22 = receipt_vector(RECEIPT_VECTOR_V2_2)


@pytest.fixture(scope="module")
def verifier() -> Groth16Verifier:
    return Groth16Verifier(R.control_root, R.bn254_control_id)


def flipped(data: bytes, index: int, mask: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


def test_selector_is_the_receipts(verifier: Groth16Verifier) -> None:
    assert verifier.selector == R.seal[:4] == bytes.fromhex("73c457ba")


def test_real_receipt_verifies(verifier: Groth16Verifier) -> None:
    verifier.verify(R.seal, R.image_id, R.journal)


def test_other_journal_or_image_id_is_rejected_by_the_pairing(verifier: Groth16Verifier) -> None:
    with pytest.raises(ProofRejectedError):
        verifier.verify(R.seal, R.image_id, flipped(R.journal, 0))
    with pytest.raises(ProofRejectedError):
        verifier.verify(R.seal, flipped(R.image_id, 31), R.journal)


def test_a_valid_but_wrong_point_is_rejected_by_the_pairing(verifier: Groth16Verifier) -> None:
    """-A is on the curve, so only the pairing equation can tell."""
    a_y = int.from_bytes(R.seal[36:68], "big")
    negated = R.seal[:36] + (Q - a_y).to_bytes(32, "big") + R.seal[68:]
    with pytest.raises(ProofRejectedError):
        verifier.verify(negated, R.image_id, R.journal)


#: The selector, then a low and a high byte of each of the eight seal words (coordinates of A, B and C).
FLIPPED = [*range(4), *(4 + 32 * w + 31 for w in range(8)), *(4 + 32 * w + 5 for w in range(8))]


@pytest.mark.parametrize("index", FLIPPED)
def test_flipping_a_seal_byte_fails(verifier: Groth16Verifier, index: int) -> None:
    expected: type[ReceiptVerificationError] = SelectorMismatchError if index < 4 else MalformedSealError
    with pytest.raises(expected):
        verifier.verify(flipped(R.seal, index), R.image_id, R.journal)


def test_verifier_for_another_control_root_rejects(verifier: Groth16Verifier) -> None:
    """RISC Zero 2.2's real receipt: same key and BN254 control id, another control root; each release's verifier
    takes its own receipt and refuses the other's, by selector and, once retagged, by the pairing."""
    assert R22.bn254_control_id == R.bn254_control_id and R22.control_root != R.control_root
    assert R22.verifying_key == R.verifying_key
    other = Groth16Verifier(R22.control_root, R22.bn254_control_id)
    assert other.selector == R22.seal[:4] == bytes.fromhex("bb001d44")
    other.verify(R22.seal, R22.image_id, R22.journal)
    with pytest.raises(SelectorMismatchError, match="0x73c457ba"):
        other.verify(R.seal, R.image_id, R.journal)
    with pytest.raises(SelectorMismatchError, match="0xbb001d44"):
        verifier.verify(R22.seal, R22.image_id, R22.journal)
    with pytest.raises(ProofRejectedError):
        other.verify(other.selector + R.seal[4:], R.image_id, R.journal)
    with pytest.raises(ProofRejectedError):
        verifier.verify(verifier.selector + R22.seal[4:], R22.image_id, R22.journal)


def test_malformed_seals_are_typed_errors(verifier: Groth16Verifier) -> None:
    with pytest.raises(MalformedSealError, match="260 bytes"):
        verifier.verify(R.seal[:-1], R.image_id, R.journal)
    out_of_field = R.seal[:4] + Q.to_bytes(32, "big") + R.seal[36:]
    with pytest.raises(MalformedSealError, match="outside the base field"):
        verifier.verify(out_of_field, R.image_id, R.journal)
    with pytest.raises(ValueError, match="outside the scalar field"):
        Groth16Verifier(R.control_root, b"\xff" * 32)


def test_verifying_key_is_the_published_one() -> None:
    vk = R.verifying_key
    assert RISC0_VERIFYING_KEY.alpha == (int(vk["alphax"]), int(vk["alphay"]))
    for name in ("beta", "gamma", "delta"):
        keys = [f"{name}x1", f"{name}x2", f"{name}y1", f"{name}y2"]
        assert getattr(RISC0_VERIFYING_KEY, name) == tuple(int(vk[k]) for k in keys)
    assert RISC0_VERIFYING_KEY.ic == tuple((int(vk[f"IC{i}x"]), int(vk[f"IC{i}y"])) for i in range(6))


def test_solidity_carries_the_same_verifying_key() -> None:
    source = (CONTRACTS / "src" / "risc0" / "RiscZeroGroth16Verifier.sol").read_text()
    key_body = source[source.index("library RiscZeroGroth16Key") :]
    numbers = [int(n) for n in re.findall(r"\b\d{60,}\b", key_body)]
    vk = RISC0_VERIFYING_KEY
    assert numbers == [*vk.alpha, *vk.beta, *vk.gamma, *vk.delta, *(c for p in vk.ic for c in p)]


def test_structural_hash_helpers() -> None:
    claim_sol = (CONTRACTS / "src" / "risc0" / "ReceiptClaim.sol").read_text()
    assert "0x" + SYSTEM_STATE_ZERO_DIGEST.hex() in claim_sol
    assert tagged_list("t", []) == b"\x00" * 32
    assert tagged_list("t", [b"\x01" * 32]) == tagged_struct("t", [b"\x01" * 32, b"\x00" * 32])
    assert split_digest(bytes([1, 2]) + bytes(28) + bytes([0xAA, 0xBB])) == (0x0201, 0xBBAA << 112)
    with pytest.raises(ValueError, match="32 bytes"):
        ok_claim_digest(b"\x00" * 31, b"")


def test_release_constants_are_the_vectors() -> None:
    assert (R.control_root, R.bn254_control_id) == (RISC0_3_0_CONTROL_ROOT, RISC0_3_0_BN254_CONTROL_ID)
