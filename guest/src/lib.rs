//! The vlayer guest library: everything the zkVM guest does, as plain Rust that also runs (and is tested) natively.
//!
//! Pure: no networking, no async, no filesystem. The input is decoded and every piece of it checked
//! ([`state::States`]), the call is re-executed with revm over [`db::WrapStateDb`] (calls made after a `setBlock`
//! run over the travelled block's state, [`travel`]), and the journal is built.

pub mod chain;
pub mod db;
pub mod error;
pub mod exec;
pub mod header;
pub mod input;
pub mod keccak;
pub mod logs;
pub mod mpt;
pub mod op_stack;
pub mod rlp_util;
pub mod state;
pub mod teleport;
pub mod travel;
pub mod vlayer_precompiles;

use error::GuestError;
use input::GuestInput;

/// What one guest run produces: the journal it commits, and (natively) the call's return data and gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOutput {
    pub journal: Vec<u8>,
    pub return_data: Vec<u8>,
    pub gas_used: u64,
}

/// The whole guest: decode, verify, execute, build the journal.
pub fn execute(input_bytes: &[u8]) -> Result<GuestOutput, GuestError> {
    execute_with_secrets(input_bytes, &[])
}

/// [`execute`] with the prover's shielding secret keys, a private input apart from `input_bytes` (which the host
/// may store): `ShieldedOpen` opens shielded arguments with them ([`vlayer_precompiles`]).
pub fn execute_with_secrets(
    input_bytes: &[u8],
    secrets: &[[u8; 32]],
) -> Result<GuestOutput, GuestError> {
    vlayer_precompiles::with_secrets(secrets, || execute_input(input_bytes))
}

fn execute_input(input_bytes: &[u8]) -> Result<GuestOutput, GuestError> {
    let input = GuestInput::decode(input_bytes)?;
    let states = state::States::new(&input)?;
    // Every L2 state is bound to the pinned block through its anchored output root before anything runs on it.
    teleport::anchor_all(&states, input.chain_id, &input.dev_hardfork)?;
    let out = exec::run_call(&states, input.chain_id, &input.dev_hardfork, &input.call)?;
    // The call assumptions name the pinned block even when the call travelled: the travel blocks are its
    // hash-chained ancestors, so the verifier's check of the pinned block's hash covers them.
    let journal = exec::journal(
        input.call.to,
        &input.call.data,
        input.chain_id,
        states.main.header.number,
        states.main.block_hash,
        &out.return_data,
    );
    Ok(GuestOutput {
        journal,
        return_data: out.return_data,
        gas_used: out.gas_used,
    })
}
