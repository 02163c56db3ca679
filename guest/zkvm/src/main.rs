//! The zkVM guest: a thin shell over the guest library. All logic (and all of its tests) live in `vlayer-guest`,
//! which runs natively too; here only input and journal cross the zkVM boundary.

#![no_main]

use risc0_zkvm::guest::env;

risc0_zkvm::guest::entry!(main);

/// The host writes the input as a little-endian u32 length and the bytes (guest_wrapper's `executor_env`).
fn read_input() -> Vec<u8> {
    let mut len: u32 = 0;
    env::read_slice(core::slice::from_mut(&mut len));
    let mut bytes = vec![0u8; len as usize];
    env::read_slice(&mut bytes);
    bytes
}

/// The prover's shielding secret keys, written after the input: a little-endian u32 count, then 32 bytes each.
/// Private: only the journal leaves the zkVM.
fn read_secrets() -> Vec<[u8; 32]> {
    let mut count: u32 = 0;
    env::read_slice(core::slice::from_mut(&mut count));
    let mut secrets = vec![[0u8; 32]; count as usize];
    for secret in secrets.iter_mut() {
        env::read_slice(secret);
    }
    secrets
}

/// Stop with exactly `msg` as the reason the host sees ("Guest panicked: <msg>"). `panic!` would go through std's
/// hook, which prefixes the source location; the refusal messages are an interface (docs/wire-format.md).
fn refuse(msg: &str) -> ! {
    // SAFETY: the pointer and length come from a live &str, which is aligned and dereferenceable for `len` bytes.
    unsafe { risc0_zkvm_platform::syscall::sys_panic(msg.as_ptr(), msg.len()) }
}

/// alloy-primitives' `native-keccak` hook: every keccak256 of the guest (header, trie nodes, code, keys, the
/// KECCAK256 opcode) lands here, hashed by [`vlayer_guest::keccak`]'s sponge over RISC Zero's keccak accelerator:
/// each permutation runs in the keccak circuit and costs the guest about 1,700 cycles (its syscall and transcript)
/// instead of 17,000 in software. The host proves the guest's keccak batches beside its segments
/// (guest_wrapper/src/keccak.rs). The `software-keccak` variant keeps the unrolled software permutation.
///
/// # Safety
/// alloy passes a live slice's pointer and length, and a 32-byte output buffer.
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    // SAFETY: see the function's contract; the two buffers are distinct (alloy's input and its own output).
    let input = unsafe { core::slice::from_raw_parts(bytes, len) };
    #[cfg(feature = "software-keccak")]
    let hash = vlayer_guest::keccak::keccak256(input);
    #[cfg(not(feature = "software-keccak"))]
    let hash = vlayer_guest::keccak::keccak256_with(input, env::risc0_keccak_update);
    // SAFETY: `output` is valid for 32 bytes (the contract above).
    unsafe { core::ptr::copy_nonoverlapping(hash.as_ptr(), output, 32) };
}

fn main() {
    let input = read_input();
    let secrets = read_secrets();
    match vlayer_guest::execute_with_secrets(&input, &secrets) {
        Ok(output) => env::commit_slice(&output.journal),
        Err(err) => refuse(&err.to_string()),
    }
}
