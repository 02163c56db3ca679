"""The segments-test guest (guest/zkvm/src/bin/vlayer-segments-test.rs): its input and the journal it commits,
recomputed here so tests and benches check a proved journal against an independent value."""

from __future__ import annotations

import struct

from eth_hash.auto import keccak

_MASK = (1 << 64) - 1
#: At 2^14 cycles a segment holds about 8,400 user cycles of this loop (about 16 cycles a round); at 2^15 RISC Zero
#: reserves room for its largest instructions and a segment holds far fewer, so tests use 14.
SEGMENT_PO2 = 14


#: Bytes the guest hashes per keccak block (the keccak-256 rate).
KECCAK_BLOCK = 136


def guest_input(rounds: int, keccak_blocks: int = 0) -> bytes:
    """`keccak_blocks` > 0: the guest also hashes that many blocks through RISC Zero's keccak accelerator (one
    permutation each, plus one for the padding), so its proof has a keccak batch."""
    if keccak_blocks:
        return struct.pack("<II", rounds, keccak_blocks)
    return struct.pack("<I", rounds)


def journal(rounds: int, keccak_blocks: int = 0) -> bytes:
    x = 0x9E3779B97F4A7C15
    for i in range(rounds):
        x = ((x ^ i) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x << 17) | (x >> 47)) & _MASK
    out = struct.pack("<IQ", rounds, x)
    if keccak_blocks:
        out += keccak(bytes(i % 251 for i in range(keccak_blocks * KECCAK_BLOCK)))
    return out
