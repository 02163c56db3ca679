"""Off-chain verification of a stored receipt file, without a chain: what `vlayer verify` runs.

A proof file from `vlayer prove` in a real mode carries `zkvm_receipt` (base64 of RISC Zero's receipt) with
`journal` and `image_id`; the zkVM verifies it. Otherwise a receipt file is JSON with `seal`, `journal` and
`image_id` as 0x-hex (RISC Zero's on-chain seal form: a 4-byte verifier selector, then the Groth16 proof or, in
dev mode, the claim digest). `control_root` and `bn254_control_id` may name another zkVM release's verifier; by
default the RISC Zero 3.0 parameters are used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlayer.errors import InputError
from vlayer.hexutil import parse_hex_bytes
from vlayer.receipts.claim import ok_claim_digest
from vlayer.receipts.pairing import (
    RISC0_3_0_BN254_CONTROL_ID,
    RISC0_3_0_CONTROL_ROOT,
    Groth16Verifier,
    ProofRejectedError,
    ReceiptVerificationError,
)
from vlayer.receipts.proof_encoding import FAKE_VERIFIER_SELECTOR
from vlayer.receipts.zkvm import receipt_from_text, verify


class DevProofRefusedError(ReceiptVerificationError):
    """A dev-mode (fake) seal was given without explicitly allowing dev mode."""


@dataclass(frozen=True)
class ReceiptFile:
    seal: bytes
    journal: bytes
    image_id: bytes
    control_root: bytes
    bn254_control_id: bytes

    @property
    def is_fake(self) -> bool:
        return self.seal[:4] == FAKE_VERIFIER_SELECTOR


@dataclass(frozen=True)
class CheckResult:
    mode: str
    selector: bytes
    claim_digest: bytes


def _field(raw: dict[str, Any], key: str, length: int | None, default: bytes | None = None) -> bytes:
    if key not in raw:
        if default is not None:
            return default
        raise InputError(f"receipt file has no {key!r}")
    value = parse_hex_bytes(raw[key], key)
    if length is not None and len(value) != length:
        raise InputError(f"{key} must be {length} bytes, got {len(value)}")
    return value


def load_receipt(path: Path) -> ReceiptFile:
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"cannot read receipt file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"receipt file {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(raw, dict):
        raise InputError(f"receipt file {path} must hold a JSON object")
    return ReceiptFile(
        seal=_field(raw, "seal", None),
        journal=_field(raw, "journal", None),
        image_id=_field(raw, "image_id", 32),
        control_root=_field(raw, "control_root", 32, RISC0_3_0_CONTROL_ROOT),
        bn254_control_id=_field(raw, "bn254_control_id", 32, RISC0_3_0_BN254_CONTROL_ID),
    )


def check_receipt(receipt: ReceiptFile, allow_dev: bool = False) -> CheckResult:
    """Raise a `ReceiptVerificationError` unless the seal proves `image_id` committed exactly `journal`."""
    claim = ok_claim_digest(receipt.image_id, receipt.journal)
    if receipt.is_fake:
        if not allow_dev:
            raise DevProofRefusedError(
                "the seal is a dev-mode (fake) seal, which proves nothing; pass --dev to check it"
            )
        if receipt.seal[4:] != claim:
            raise ProofRejectedError("the fake seal is not over this image id and journal")
        return CheckResult("fake", FAKE_VERIFIER_SELECTOR, claim)
    try:
        verifier = Groth16Verifier(receipt.control_root, receipt.bn254_control_id)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    verifier.verify_integrity(receipt.seal, claim)
    return CheckResult("groth16", verifier.selector, claim)


@dataclass(frozen=True)
class ZkvmReceiptFile:
    receipt: bytes
    journal: bytes
    image_id: bytes


def load_zkvm_receipt(path: Path) -> ZkvmReceiptFile | None:
    """A proof file that carries a zkVM receipt (`zkvm_receipt`, base64), or None when it has only a seal."""
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"cannot read receipt file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"receipt file {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(raw, dict) or raw.get("zkvm_receipt") is None:
        return None
    return ZkvmReceiptFile(
        receipt=receipt_from_text(raw["zkvm_receipt"]),
        journal=_field(raw, "journal", None),
        image_id=_field(raw, "image_id", 32),
    )


def check_zkvm_receipt(receipt: ZkvmReceiptFile) -> str:
    """Verify the zkVM receipt against the file's image id and check it committed the file's journal; returns the
    receipt kind (composite, succinct, groth16)."""
    verified = verify(receipt.receipt, receipt.image_id)
    if verified.journal != receipt.journal:
        raise ProofRejectedError(
            f"the receipt committed a different journal ({len(verified.journal)} bytes, sha256 "
            f"0x{hashlib.sha256(verified.journal).hexdigest()}) than the file's"
        )
    return verified.kind
