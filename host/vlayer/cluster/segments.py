"""The native segment API (guest_wrapper/src/segments.rs) with typed errors: execute a guest into segments, prove
one segment, check a segment receipt against its segment, assemble the composite receipt.

A guest that hashes through RISC Zero's keccak accelerator also needs its keccak batches proved
(guest_wrapper/src/keccak.rs). They come after its segments, as pieces of the run like the segments: proved by the
same `prove`, checked by the same `check`, saved and retried alike, and joined by `assemble`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vlayer.guest import native_module
from vlayer.receipts.zkvm import call_native

#: The embedded guests: vlayer's, and the small one of the segment-proving tests (a few segments, seconds each).
GUESTS = ("vlayer", "segments-test")


@dataclass(frozen=True)
class Segment:
    """One piece of a run: an rv32im segment, or (after the segments) a keccak batch."""

    index: int
    #: log2 of the rows of its proof.
    po2: int
    #: Cycles the guest ran in this segment (the rest of its 2^po2 rows are paging and padding); for a keccak
    #: batch, its permutations.
    user_cycles: int
    #: RISC Zero's `Segment` (bincode), or a keccak batch (tagged bincode): what a prover needs.
    data: bytes

    @property
    def kind(self) -> str:
        """The kind of proof it needs: `rv32im` or `keccak`."""
        return "keccak" if self.data.startswith(native_module().KECCAK_BATCH_TAG) else "rv32im"

    @property
    def cycles(self) -> int:
        """zkVM cycles, as RISC Zero counts a run's total: the rows of an rv32im segment; none for a keccak batch,
        which the keccak circuit proves apart."""
        return 1 << self.po2 if self.kind == "rv32im" else 0


@dataclass(frozen=True)
class SegmentedRun:
    guest: str
    journal: bytes
    image_id: bytes
    #: Digest of the whole run's claim: saved segment receipts are reused only for the same claim.
    claim_digest: bytes
    total_cycles: int
    user_cycles: int
    paging_cycles: int
    reserved_cycles: int
    execute_seconds: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ProvedSegment:
    index: int
    po2: int
    #: RISC Zero's `SegmentReceipt` (bincode).
    receipt: bytes
    prove_seconds: float


def execute(guest_input: bytes, segment_po2: int, guest: str = "vlayer") -> SegmentedRun:
    out: dict[str, Any] = call_native("segments_execute", guest_input, segment_po2, guest)
    return SegmentedRun(
        guest=guest,
        journal=bytes(out["journal"]),
        image_id=bytes.fromhex(out["image_id"]),
        claim_digest=bytes.fromhex(out["claim_digest"]),
        total_cycles=int(out["total_cycles"]),
        user_cycles=int(out["user_cycles"]),
        paging_cycles=int(out["paging_cycles"]),
        reserved_cycles=int(out["reserved_cycles"]),
        execute_seconds=float(out["execute_seconds"]),
        segments=tuple(
            Segment(int(s["index"]), int(s["po2"]), int(s["user_cycles"]), bytes(s["data"])) for s in out["segments"]
        ),
    )


def prove(segment: bytes) -> ProvedSegment:
    """Proves one segment on this machine (CPU, or GPU on the CUDA build); the receipt is checked before return."""
    out: dict[str, Any] = call_native("segments_prove", segment)
    return ProvedSegment(int(out["index"]), int(out["po2"]), bytes(out["receipt"]), float(out["prove_seconds"]))


def check(segment: bytes, receipt: bytes) -> int:
    """The index of the segment the receipt proves; `ZkvmReceiptError` naming why when it does not prove exactly
    this segment (another index, job or guest; any field changed; a seal that does not verify)."""
    out: dict[str, Any] = call_native("segments_check", segment, receipt)
    return int(out["index"])


def assemble(receipts: list[bytes], journal: bytes, guest: str = "vlayer") -> bytes:
    """The composite receipt (RISC Zero's `Receipt`, bincode) of these segment receipts, verified against the
    guest's image id: the same format `vlayer.receipts.zkvm.prove` returns."""
    return bytes(call_native("segments_assemble", receipts, journal, guest))


def image_id(guest: str) -> bytes:
    return bytes.fromhex(str(native_module().guest_image_id(guest)))
