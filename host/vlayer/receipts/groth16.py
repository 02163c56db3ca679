"""Groth16 receipts in three steps (guest_wrapper/src/receipts.rs, `vlayer.receipts.shrink_wrap`):

1. `export`: a verified succinct (or composite) receipt of the guest becomes the shrink-wrap's `input.json`, with a
   `claim.json` beside it naming what it proves (image ID, journal);
2. a backend writes `proof.json`;
3. `import_dir`: `proof.json` and `claim.json` become a `Groth16Receipt` that must verify twice, by RISC Zero's
   verifier and by vlayer's own pairing check of the on-chain seal (`vlayer.receipts.pairing`), and then the
   on-chain seal (`selector || a, b, c`) a `RiscZeroGroth16Verifier` takes.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlayer import jsonsafe
from vlayer.hexutil import hex_bytes, parse_hex_bytes
from vlayer.receipts.pairing import risc0_3_0_verifier
from vlayer.receipts.shrink_wrap import Backend, ShrinkWrapError
from vlayer.receipts.zkvm import ZkvmReceiptError, call_native, verify

INPUT_JSON = "input.json"
PROOF_JSON = "proof.json"
CLAIM_JSON = "claim.json"
#: The largest proof.json read: a Groth16 proof is 8 numbers.
MAX_PROOF_JSON = 64 * 1024


@dataclass(frozen=True)
class Groth16Result:
    receipt: bytes
    #: What RISC Zero's on-chain verifiers take: the 4-byte selector, then abi.encode(a, b, c).
    onchain_seal: bytes
    shrink_wrap_seconds: float


def compress(receipt: bytes, image_id: bytes) -> bytes:
    """The succinct form (lift and join) of a receipt that verifies against `image_id`; verified again."""
    return bytes(call_native("receipt_compress", receipt, image_id))


def export(receipt: bytes, image_id: bytes, workdir: Path) -> Path:
    """Step 1: write `input.json` and `claim.json` for a receipt that verifies against `image_id`."""
    journal = verify(receipt, image_id).journal
    workdir.mkdir(parents=True, exist_ok=True)
    text = str(call_native("groth16_input", receipt, image_id))
    (workdir / INPUT_JSON).write_text(text)
    claim = {"image_id": hex_bytes(image_id), "journal": hex_bytes(journal)}
    (workdir / CLAIM_JSON).write_text(json.dumps(claim, indent=1) + "\n")
    return workdir / INPUT_JSON


def read_claim(workdir: Path) -> tuple[bytes, bytes]:
    path = workdir / CLAIM_JSON
    try:
        doc: Any = jsonsafe.loads(path.read_bytes(), max_bytes=16 * 1024 * 1024)
        image_id = parse_hex_bytes(doc["image_id"], "image_id")
        journal = parse_hex_bytes(doc["journal"], "journal")
    except OSError as exc:
        raise ZkvmReceiptError(f"{path}: {exc.strerror or exc}") from None
    except (jsonsafe.UntrustedJsonError, KeyError, TypeError, ValueError) as exc:
        raise ZkvmReceiptError(f"{path}: not a claim (image_id, journal): {exc}") from None
    if len(image_id) != 32:
        raise ZkvmReceiptError(f"{path}: image_id is {len(image_id)} bytes, not 32")
    return image_id, journal


def import_proof(proof_json: bytes, image_id: bytes, journal: bytes) -> Groth16Result:
    """Step 3: `proof.json` as a Groth16 receipt of (image_id, journal), checked by RISC Zero's verifier and by
    vlayer's pairing check; refused with the reason otherwise."""
    if len(proof_json) > MAX_PROOF_JSON:
        raise ZkvmReceiptError(f"proof.json is {len(proof_json)} bytes, far more than a Groth16 proof")
    try:
        text = proof_json.decode()
    except UnicodeDecodeError:
        raise ZkvmReceiptError("proof.json is not text") from None
    receipt = bytes(call_native("groth16_receipt", text, image_id, journal))
    verified = verify(receipt, image_id)  # RISC Zero's verifier, again through the receipt's own bytes
    if verified.kind != "groth16" or verified.journal != journal:
        raise ZkvmReceiptError("the imported receipt is not a Groth16 receipt of this journal")
    seal = verified.onchain_seal
    if seal is None:
        raise ZkvmReceiptError("the imported receipt has no on-chain seal")
    risc0_3_0_verifier().verify(seal, image_id, journal)  # and ours: the pairing check chains run
    return Groth16Result(receipt, seal, 0.0)


def import_dir(workdir: Path) -> Groth16Result:
    image_id, journal = read_claim(workdir)
    path = workdir / PROOF_JSON
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ShrinkWrapError(f"no {PROOF_JSON} in {workdir}: {exc.strerror or exc}") from None
    return import_proof(raw, image_id, journal)


def shrink_wrap(receipt: bytes, image_id: bytes, backend: Backend, workdir: Path | None = None) -> Groth16Result:
    """All three steps on this machine, the middle one through `backend`."""
    with tempfile.TemporaryDirectory(prefix="vlayer-groth16-") as tmp:
        folder = workdir or Path(tmp)
        export(receipt, image_id, folder)
        (folder / PROOF_JSON).unlink(missing_ok=True)
        t0 = time.perf_counter()
        backend.run(folder)
        seconds = time.perf_counter() - t0
        if not (folder / PROOF_JSON).is_file():
            raise ShrinkWrapError(f"the {backend.name} backend exited without writing {PROOF_JSON}")
        try:
            result = import_dir(folder)
        except ZkvmReceiptError as exc:
            raise ShrinkWrapError(f"the {backend.name} backend's {PROOF_JSON} is refused: {exc}") from None
        return Groth16Result(result.receipt, result.onchain_seal, seconds)
