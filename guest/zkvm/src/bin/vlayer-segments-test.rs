//! A small guest for tests of segment proving (host/vlayer/cluster, tests/test_cluster.py): a few segments of
//! 2^14–2^15 cycles prove in seconds where the vlayer guest's take many minutes on a CPU. Built with the vlayer guest
//! by bash/build-guest.sh (same toolchain and flags, so its image ID is as reproducible) and embedded in
//! guest_wrapper beside it; never used to prove anything but tests and benches.
//!
//! Input (framed like the vlayer guest's): a little-endian u32 length, then a little-endian u32 `rounds`, and
//! optionally a little-endian u32 `blocks`: that many 136-byte blocks hashed through RISC Zero's keccak
//! accelerator, so that the tests prove keccak batches beside segments.
//! Journal: `rounds` (u32 LE) and the mix below (u64 LE), then, with `blocks`, the keccak-256 of the message below;
//! host/vlayer/cluster/testguest.py recomputes both.

#![no_main]

use risc0_zkvm::guest::env;

risc0_zkvm::guest::entry!(main);

fn refuse(msg: &str) -> ! {
    // SAFETY: the pointer and length come from a live &str, which is aligned and dereferenceable for `len` bytes.
    unsafe { risc0_zkvm_platform::syscall::sys_panic(msg.as_ptr(), msg.len()) }
}

fn main() {
    let mut len: u32 = 0;
    env::read_slice(core::slice::from_mut(&mut len));
    let mut bytes = vec![0u8; len as usize];
    env::read_slice(&mut bytes);
    let (rounds, blocks) = match bytes.len() {
        4 => (u32_at(&bytes, 0), 0),
        8 => (u32_at(&bytes, 0), u32_at(&bytes, 4)),
        _ => refuse("segments-test input is a 4-byte round count and an optional 4-byte block count"),
    };
    if rounds == 0 {
        refuse("segments-test needs at least one round");
    }
    // A chain no compiler can fold into a closed form, so the cycle count grows with `rounds`.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rounds {
        x = (x ^ u64::from(i)).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(17);
    }
    let mut journal = rounds.to_le_bytes().to_vec();
    journal.extend_from_slice(&x.to_le_bytes());
    if blocks > 0 {
        let message: Vec<u8> = (0..blocks as usize * vlayer_guest::keccak::RATE)
            .map(|i| (i % 251) as u8)
            .collect();
        journal.extend_from_slice(&vlayer_guest::keccak::keccak256_with(
            &message,
            env::risc0_keccak_update,
        ));
    }
    env::commit_slice(&journal);
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}
