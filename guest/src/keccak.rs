//! Keccak-256 for the zkVM guest, behind alloy-primitives' `native-keccak` hook (`guest/zkvm/src/main.rs`).
//!
//! Every hash the guest computes goes through `alloy_primitives::keccak256`: the header, each trie node and each
//! code once, account and slot keys, and the KECCAK256 opcode. On mainnet state that is nearly all of the guest's
//! cycles (docs/proof-modes.md, "Where the cycles go"). alloy's default backend, the `keccak` 0.2 crate, permutes
//! with a rolled loop and table-driven 64-bit rotations, which rv32im has to emulate with branches; the `keccak`
//! 0.1 crate's permutation is fully unrolled, so every rotation is by a constant, and costs less than half as many
//! cycles there. This module is the sponge (FIPS 202's pad10*1 with Keccak's 0x01 domain byte, 136-byte rate) over
//! a permutation given by the caller, so the same code serves the software permutation and RISC Zero's keccak
//! accelerator, and is tested natively against alloy's own keccak256.

/// Bytes absorbed per permutation: 1600 bits less twice the 256-bit capacity.
pub const RATE: usize = 136;

/// Keccak-256 of `bytes`, with `permute` as Keccak-f[1600] on 25 little-endian lanes.
pub fn keccak256_with(bytes: &[u8], mut permute: impl FnMut(&mut [u64; 25])) -> [u8; 32] {
    let mut state = [0u64; 25];
    let mut blocks = bytes.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block);
        permute(&mut state);
    }
    // The last, partial block (empty when the input fills whole blocks), padded to the rate.
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    permute(&mut state);
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// Keccak-256 of `bytes` with the `keccak` 0.1 crate's unrolled software permutation.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    keccak256_with(bytes, keccak::f1600)
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, word) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        *lane ^= u64::from_le_bytes(le);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes (xorshift), so a failure names a reproducible input.
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn equals_alloys_keccak256_at_every_length_around_the_rate() {
        // Lengths 0..=700 cover empty input, one byte short of a block, exact multiples of the rate (the padding
        // then takes a block of its own) and several blocks.
        for len in 0..=700 {
            let input = bytes(len, len as u64 + 7);
            assert_eq!(
                keccak256(&input),
                alloy_primitives::keccak256(&input).0,
                "length {len}"
            );
        }
    }

    #[test]
    fn known_answers() {
        assert_eq!(
            hex::encode(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex::encode(keccak256(b"abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
        );
    }

    #[test]
    fn a_long_input_such_as_a_contracts_code() {
        let code = bytes(24_576, 3); // EIP-170's largest contract
        assert_eq!(keccak256(&code), alloy_primitives::keccak256(&code).0);
    }

    #[test]
    fn the_permutation_is_the_callers() {
        let mut calls = 0;
        let _ = keccak256_with(&[0u8; 2 * RATE], |state| {
            calls += 1;
            keccak::f1600(state)
        });
        // Two whole blocks, then the padding's own block.
        assert_eq!(calls, 3);
    }
}
