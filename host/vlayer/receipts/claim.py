"""RISC Zero receipt claims: the digest a zkVM receipt's seal attests to, computed as RISC Zero computes it.

A seal never signs the journal directly: it signs the digest of a `ReceiptClaim` (image id, exit state, output),
hashed with RISC Zero's tagged structural hash. The Solidity side (`contracts/src/risc0/ReceiptClaim.sol`) does the
same; a mismatch in any byte order makes every real receipt fail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

ZERO_DIGEST = b"\x00" * 32


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged_struct(tag: str, down: Sequence[bytes], data: bytes = b"") -> bytes:
    """sha256(sha256(tag) || down digests || data || len(down) as u16 little-endian)."""
    if any(len(d) != 32 for d in down):
        raise ValueError("tagged struct fields must be 32-byte digests")
    return sha256(sha256(tag.encode()) + b"".join(down) + data + len(down).to_bytes(2, "little"))


def tagged_list(tag: str, items: Sequence[bytes]) -> bytes:
    """A list as a cons chain built from its last element, each cell tagged_struct(tag, [item, rest])."""
    rest = ZERO_DIGEST
    for item in reversed(items):
        rest = tagged_struct(tag, [item, rest])
    return rest


def system_state_digest(pc: int, merkle_root: bytes) -> bytes:
    return tagged_struct("risc0.SystemState", [merkle_root], pc.to_bytes(4, "little"))


#: The post state of a run that halted: RISC Zero commits to the zero state rather than the final memory.
SYSTEM_STATE_ZERO_DIGEST = system_state_digest(0, ZERO_DIGEST)


def output_digest(journal_digest: bytes, assumptions_digest: bytes = ZERO_DIGEST) -> bytes:
    return tagged_struct("risc0.Output", [journal_digest, assumptions_digest])


def ok_claim_digest(image_id: bytes, journal: bytes) -> bytes:
    """Digest of the claim of a successful, unconditional run of `image_id` that committed `journal`.

    Fields (as `ReceiptClaimLib.ok`): input zero, pre state = image id, post state = zero state, output = journal
    digest with no assumptions, exit code (Halted, 0) as two u32 little-endian words.
    """
    if len(image_id) != 32:
        raise ValueError(f"image id must be 32 bytes, got {len(image_id)}")
    down = [ZERO_DIGEST, image_id, SYSTEM_STATE_ZERO_DIGEST, output_digest(sha256(journal))]
    return tagged_struct("risc0.ReceiptClaim", down, (0).to_bytes(4, "little") + (0).to_bytes(4, "little"))
