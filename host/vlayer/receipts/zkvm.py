"""The embedded RISC Zero zkVM guest: execute it, prove it, verify receipts (all in `vlayer._native`).

Which proof modes run here, and why, is in docs/proof-modes.md: `composite` (segment STARKs) and `succinct` (lifted
and joined into one STARK, RISC Zero 3.1's recursion programs) prove on this CPU; `groth16` is a succinct receipt
shrink-wrapped by a backend (`vlayer.receipts.groth16`), and a mode the build cannot run is refused with
`ProofModeUnavailableError` instead of pretending. The CUDA build (`bash/setup.sh --cuda`) proves
on the GPU with the same API; where it cannot, proving raises `GpuUnavailableError` rather than use the CPU.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from vlayer.errors import GpuUnavailableError, GuestError, ProvingError, VlayerError
from vlayer.guest import build_info, native_module

#: Segment size (log2 cycles) when none is given; RISC Zero's default, proved in about 9 GiB on the CPU prover.
DEFAULT_SEGMENT_PO2 = 20


class ZkvmExecutionError(GuestError):
    """The zkVM could not run the guest (bad ELF, executor fault, abnormal exit)."""


class ProofModeUnavailableError(ProvingError):
    """The requested proof mode cannot run on this build (see docs/proof-modes.md)."""


class ZkvmProvingError(ProvingError):
    """The prover failed, or its fresh receipt did not verify."""


class ZkvmReceiptError(VlayerError):
    """A receipt does not decode, or does not verify against the image id."""

    exit_code = 9


@dataclass(frozen=True)
class ZkvmRun:
    journal: bytes
    total_cycles: int
    user_cycles: int
    paging_cycles: int
    reserved_cycles: int
    segments: int
    segment_po2: int
    execute_seconds: float


@dataclass(frozen=True)
class ZkvmProof:
    run: ZkvmRun
    #: RISC Zero's own receipt serialisation (bincode of `risc0_zkvm::Receipt`).
    receipt: bytes
    mode: str
    prove_seconds: float
    #: RISC Zero's on-chain seal (verifier selector + Groth16 proof) for groth16 receipts, else None.
    onchain_seal: bytes | None


@dataclass(frozen=True)
class VerifiedReceipt:
    journal: bytes
    kind: str
    #: RISC Zero's on-chain seal (selector + Groth16 proof) of a groth16 receipt, else None.
    onchain_seal: bytes | None = None


def _native() -> ModuleType:
    return native_module()


def call_native(fn_name: str, *args: Any) -> Any:
    """Calls a function of the native module, its exceptions mapped to vlayer's typed errors."""
    native = _native()
    try:
        return getattr(native, fn_name)(*args)
    except native.GuestFailure as exc:
        raise GuestError(str(exc)) from None
    except native.ModeUnavailable as exc:
        raise ProofModeUnavailableError(str(exc)) from None
    except native.ProvingFailed as exc:
        raise ZkvmProvingError(str(exc)) from None
    except native.GpuUnavailable as exc:
        raise GpuUnavailableError(str(exc)) from None
    except native.ReceiptInvalid as exc:
        raise ZkvmReceiptError(str(exc)) from None
    except native.ZkvmFailure as exc:
        raise ZkvmExecutionError(str(exc)) from None


def _run(out: dict[str, Any]) -> ZkvmRun:
    return ZkvmRun(
        journal=bytes(out["journal"]),
        total_cycles=int(out["total_cycles"]),
        user_cycles=int(out["user_cycles"]),
        paging_cycles=int(out["paging_cycles"]),
        reserved_cycles=int(out["reserved_cycles"]),
        segments=int(out["segments"]),
        segment_po2=int(out["segment_po2"]),
        execute_seconds=float(out["execute_seconds"]),
    )


def execute(guest_input: bytes, segment_po2: int = DEFAULT_SEGMENT_PO2, secrets: Sequence[bytes] = ()) -> ZkvmRun:
    """Run the guest ELF in the zkVM executor: journal, cycles, segments. A guest refusal is a `GuestError`.
    `secrets`: the prover's shielding secret keys, a private input apart from the guest input."""
    return _run(call_native("zkvm_execute", guest_input, segment_po2, list(secrets)))


def execute_elf(
    elf: bytes, guest_input: bytes, segment_po2: int = DEFAULT_SEGMENT_PO2, secrets: Sequence[bytes] = ()
) -> ZkvmRun:
    """`execute` with another build of the guest (`elf`, a user ELF): the cycle figures of guest variants that no
    build embeds (benches/zkvm_profile.py). Nothing proves or trusts what it returns."""
    return _run(call_native("zkvm_execute_elf", elf, guest_input, segment_po2, list(secrets)))


def prove(
    guest_input: bytes, mode: str, segment_po2: int = DEFAULT_SEGMENT_PO2, secrets: Sequence[bytes] = ()
) -> ZkvmProof:
    """Prove on this machine: its CPU, or its GPU on the CUDA build (`prover()`). The receipt is verified against
    the image id before it is returned. `secrets` as in `execute`: they stay in this process."""
    return _proof(call_native("zkvm_prove", guest_input, mode, segment_po2, list(secrets)))


def prove_elf(
    elf: bytes, guest_input: bytes, mode: str, segment_po2: int = DEFAULT_SEGMENT_PO2, secrets: Sequence[bytes] = ()
) -> ZkvmProof:
    """`prove` with another build of the guest (`elf`, as in `execute_elf`): its receipt is verified against that
    build's own image id (`image_id_of(elf)`), which no contract registers (benches/zkvm_profile.py --prove)."""
    return _proof(call_native("zkvm_prove", guest_input, mode, segment_po2, list(secrets), elf))


def _proof(out: dict[str, Any]) -> ZkvmProof:
    seal = out.get("onchain_seal")
    return ZkvmProof(
        _run(out),
        bytes(out["receipt"]),
        str(out["mode"]),
        float(out["prove_seconds"]),
        None if seal is None else bytes(seal),
    )


def verify(receipt: bytes, image_id: bytes) -> VerifiedReceipt:
    """Verify a receipt against an image id; fake (dev-mode) receipts never verify here."""
    if len(image_id) != 32:
        raise ZkvmReceiptError(f"an image id is 32 bytes, got {len(image_id)}")
    out = call_native("zkvm_verify", receipt, image_id)
    seal = out.get("onchain_seal")
    return VerifiedReceipt(bytes(out["journal"]), str(out["kind"]), None if seal is None else bytes(seal))


def receipt_to_json(receipt: bytes) -> dict[str, Any]:
    """The receipt in RISC Zero's JSON layout."""
    doc: dict[str, Any] = json.loads(call_native("receipt_to_json", receipt))
    return doc


def receipt_from_json(doc: object) -> bytes:
    return bytes(call_native("receipt_from_json", json.dumps(doc)))


def receipt_to_text(receipt: bytes) -> str:
    """Compact text form for JSON documents and the job store: base64 of the receipt bytes."""
    return base64.b64encode(receipt).decode()


def receipt_from_text(text: object) -> bytes:
    if not isinstance(text, str):
        raise ZkvmReceiptError("a zkVM receipt must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ZkvmReceiptError(f"the zkVM receipt is not valid base64: {exc}") from None


def image_id() -> bytes:
    return bytes.fromhex(str(build_info()["image_id"]))


def image_id_of(elf: bytes) -> bytes:
    """The image id of another build of the guest (a user ELF, on this build's kernel), as `prove_elf` uses it."""
    return bytes.fromhex(str(call_native("image_id_of", elf)).removeprefix("0x"))


def available_modes() -> list[str]:
    return [str(m) for m in build_info()["proof_modes"]]  # type: ignore[attr-defined]


def prover() -> str:
    """Which prover this build carries: "cpu" or "cuda"."""
    return str(build_info()["prover"])


def gpu_info() -> dict[str, Any] | None:
    """The GPU the CUDA build proves on (name, arch, memory_bytes, driver_cuda, devices), None on the CPU build;
    `GpuUnavailableError` naming the cause where the CUDA build cannot prove."""
    info: dict[str, Any] | None = call_native("gpu_info")
    return None if info is None else dict(info)
