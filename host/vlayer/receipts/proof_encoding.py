"""vlayer v1 proofs for Solidity: the `Proof` struct a verifier takes, and the calldata of a verified function.

A proving function returns `(Proof placeholder, outputs...)`; the guest commits `journal = abi.encode(
CallAssumptions) || returnData`. A verified function takes `(Proof proof, outputs...)`, and `Verifier.sol` rebuilds
the journal from its calldata, so the calldata is the function selector, the 544-byte proof, then the journal's
bytes after the call assumptions and the placeholder, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_canonical_address

from vlayer.errors import InputError
from vlayer.receipts.claim import ok_claim_digest

#: vlayer v1's selector for dev-mode seals (`FAKE_VERIFIER_SELECTOR` in FakeProofVerifier.sol).
FAKE_VERIFIER_SELECTOR = bytes.fromhex("deafbeef")
CALL_ASSUMPTIONS_LENGTH = 5 * 32
SEAL_WORDS = 8
PROOF_LENGTH = 32 + SEAL_WORDS * 32 + 32 + 32 + 32 + CALL_ASSUMPTIONS_LENGTH
#: Shortest journal: the call assumptions and the proof placeholder, no outputs.
MIN_JOURNAL_LENGTH = CALL_ASSUMPTIONS_LENGTH + PROOF_LENGTH

CALL_ASSUMPTIONS_TYPE = "(address,bytes4,uint256,uint256,bytes32)"
SEAL_TYPE = "(bytes4,bytes32[8],uint8)"
PROOF_TYPE = f"({SEAL_TYPE},bytes32,uint256,{CALL_ASSUMPTIONS_TYPE})"


class ProofEncodingError(InputError):
    """A receipt or journal cannot become a vlayer proof (wrong sizes, no proof placeholder, bad seal)."""


class ProofMode(IntEnum):
    """ABI values of Solidity's `ProofMode`."""

    GROTH16 = 0
    FAKE = 1


@dataclass(frozen=True)
class CallAssumptions:
    prover: bytes
    selector: bytes
    chain_id: int
    block_number: int
    block_hash: bytes

    @classmethod
    def decode(cls, data: bytes) -> CallAssumptions:
        """From the first 160 bytes of a journal; they must be the canonical ABI encoding."""
        if len(data) < CALL_ASSUMPTIONS_LENGTH:
            raise ProofEncodingError(f"call assumptions need {CALL_ASSUMPTIONS_LENGTH} bytes, got {len(data)}")
        try:
            fields = abi_decode([CALL_ASSUMPTIONS_TYPE], data[:CALL_ASSUMPTIONS_LENGTH])[0]
        except DecodingError as exc:
            raise ProofEncodingError(f"call assumptions are not canonically ABI-encoded: {exc}") from None
        prover, selector, chain_id, block_number, block_hash = fields
        return cls(bytes(to_canonical_address(prover)), selector, chain_id, block_number, block_hash)

    def abi_value(self) -> tuple[bytes, bytes, int, int, bytes]:
        return (self.prover, self.selector, self.chain_id, self.block_number, self.block_hash)

    def encode(self) -> bytes:
        return bytes(abi_encode([CALL_ASSUMPTIONS_TYPE], [self.abi_value()]))


@dataclass(frozen=True)
class Seal:
    verifier_selector: bytes
    words: tuple[bytes, ...]
    mode: ProofMode

    def __post_init__(self) -> None:
        if len(self.verifier_selector) != 4:
            raise ProofEncodingError("verifier selector must be 4 bytes")
        if len(self.words) != SEAL_WORDS or any(len(w) != 32 for w in self.words):
            raise ProofEncodingError(f"seal must be {SEAL_WORDS} words of 32 bytes")

    @classmethod
    def from_receipt_seal(cls, seal: bytes, mode: ProofMode) -> Seal:
        """From RISC Zero's on-chain seal: selector + Groth16 proof (256 bytes), or selector + claim digest (fake)."""
        body_length = 32 if mode is ProofMode.FAKE else SEAL_WORDS * 32
        if len(seal) != 4 + body_length:
            raise ProofEncodingError(f"a {mode.name} seal is {4 + body_length} bytes, got {len(seal)}")
        body = seal[4:].ljust(SEAL_WORDS * 32, b"\x00")
        return cls(seal[:4], tuple(body[i : i + 32] for i in range(0, len(body), 32)), mode)

    def receipt_seal(self) -> bytes:
        """Back to RISC Zero's seal bytes, as `SealLib.toReceiptSeal` does on-chain."""
        if self.mode is ProofMode.FAKE:
            return self.verifier_selector + self.words[0]
        return self.verifier_selector + b"".join(self.words)

    def abi_value(self) -> tuple[bytes, list[bytes], int]:
        return (self.verifier_selector, list(self.words), int(self.mode))


@dataclass(frozen=True)
class Proof:
    seal: Seal
    call_guest_id: bytes
    #: Byte length of the journal.
    length: int
    call_assumptions: CallAssumptions

    def encode(self) -> bytes:
        value = (self.seal.abi_value(), self.call_guest_id, self.length, self.call_assumptions.abi_value())
        return bytes(abi_encode([PROOF_TYPE], [value]))


def fake_seal(image_id: bytes, journal: bytes) -> bytes:
    """The dev-mode seal: the fake verifier's selector, then the digest of the claim it stands for."""
    return FAKE_VERIFIER_SELECTOR + ok_claim_digest(image_id, journal)


def journal_outputs(journal: bytes) -> bytes:
    """The prover's outputs after its placeholder: what follows the proof in the verifier's calldata."""
    if len(journal) < MIN_JOURNAL_LENGTH:
        raise ProofEncodingError(
            f"journal of {len(journal)} bytes cannot hold call assumptions and a Proof placeholder "
            f"({MIN_JOURNAL_LENGTH} bytes): is the prover function's first output `proof()`?"
        )
    if any(journal[CALL_ASSUMPTIONS_LENGTH:MIN_JOURNAL_LENGTH]):
        raise ProofEncodingError("the prover function's first output is not the empty Proof placeholder")
    return journal[MIN_JOURNAL_LENGTH:]


def proof_from_receipt(receipt_seal: bytes, mode: ProofMode, image_id: bytes, journal: bytes) -> Proof:
    """The `Proof` for a receipt of `image_id` that committed `journal` (a Groth16 or a fake seal)."""
    if len(image_id) != 32:
        raise ProofEncodingError(f"image id must be 32 bytes, got {len(image_id)}")
    journal_outputs(journal)
    seal = Seal.from_receipt_seal(receipt_seal, mode)
    return Proof(seal, image_id, len(journal), CallAssumptions.decode(journal))


def fake_proof(image_id: bytes, journal: bytes) -> Proof:
    """A dev-mode proof of `journal`, exactly what the prover's fake mode returns."""
    return proof_from_receipt(fake_seal(image_id, journal), ProofMode.FAKE, image_id, journal)


def verifier_calldata(function_selector: bytes, proof: Proof, journal: bytes) -> bytes:
    """Calldata of a verified function `f(Proof, outputs...)` for this proof of `journal`."""
    if len(function_selector) != 4:
        raise ProofEncodingError("function selector must be 4 bytes")
    if proof.length != len(journal) or proof.call_assumptions.encode() != journal[:CALL_ASSUMPTIONS_LENGTH]:
        raise ProofEncodingError("the proof is not a proof of this journal")
    return function_selector + proof.encode() + journal_outputs(journal)


def journal_of(proof: Proof, return_data: bytes) -> bytes:
    """The journal a proof stands for: its call assumptions, then the prover's raw return data."""
    journal = proof.call_assumptions.encode() + return_data
    if len(journal) != proof.length:
        raise ProofEncodingError(f"the proof is over a {proof.length}-byte journal, this one has {len(journal)}")
    return journal


def proof_to_json(proof: Proof) -> dict[str, object]:
    """vlayer v1's JSON form of a `Proof` (what `v_getProofReceipt` returns), field names as in Solidity, values
    as v1 writes them so that viem encodes the object unchanged: `mode` is the enum's number (0 Groth16, 1 fake),
    the two uint256 fields of the call assumptions are minimal 0x-hex strings, `length` a number."""
    ca = proof.call_assumptions
    return {
        "seal": {
            "verifierSelector": "0x" + proof.seal.verifier_selector.hex(),
            "seal": ["0x" + w.hex() for w in proof.seal.words],
            "mode": int(proof.seal.mode),
        },
        "callGuestId": "0x" + proof.call_guest_id.hex(),
        "length": proof.length,
        "callAssumptions": {
            "proverContractAddress": "0x" + ca.prover.hex(),
            "functionSelector": "0x" + ca.selector.hex(),
            "settleChainId": hex(ca.chain_id),
            "settleBlockNumber": hex(ca.block_number),
            "settleBlockHash": "0x" + ca.block_hash.hex(),
        },
    }


def _hex(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ProofEncodingError(f"{what} must be 0x-hex")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise ProofEncodingError(f"{what} is not valid hex") from None
    if length is not None and len(raw) != length:
        raise ProofEncodingError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def _mode(value: object) -> ProofMode:
    """The enum's number, as v1 writes it; the name (our earlier form) is read too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return ProofMode(value)
    return ProofMode[str(value)]


def _uint(value: object, what: str) -> int:
    """A number, or a 0x-hex or decimal string: the forms v1 and viem use for uint256."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        number = int(value, 16) if value.startswith(("0x", "0X")) else int(value)
    else:
        raise ProofEncodingError(f"{what} must be a number or a 0x-hex string")
    if not 0 <= number < 2**256:
        raise ProofEncodingError(f"{what} is outside uint256")
    return number


def proof_from_json(doc: object) -> Proof:
    """Inverse of `proof_to_json`; every field is checked."""
    if not isinstance(doc, dict):
        raise ProofEncodingError("a vlayer proof must be a JSON object")
    try:
        seal, ca = doc["seal"], doc["callAssumptions"]
        words = seal["seal"]
        if not isinstance(words, list):
            raise ProofEncodingError("seal.seal must be a list of 8 words")
        mode = _mode(seal["mode"])
        return Proof(
            Seal(
                _hex(seal["verifierSelector"], "seal.verifierSelector", 4),
                tuple(_hex(w, "seal word", 32) for w in words),
                mode,
            ),
            _hex(doc["callGuestId"], "callGuestId", 32),
            _uint(doc["length"], "length"),
            CallAssumptions(
                _hex(ca["proverContractAddress"], "proverContractAddress", 20),
                _hex(ca["functionSelector"], "functionSelector", 4),
                _uint(ca["settleChainId"], "settleChainId"),
                _uint(ca["settleBlockNumber"], "settleBlockNumber"),
                _hex(ca["settleBlockHash"], "settleBlockHash", 32),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofEncodingError(f"not a vlayer proof object: {exc!r}") from None
