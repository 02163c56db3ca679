//! `ShieldedOpen`: the precompile that opens a shielded request inside the guest with the prover's secret keys.

use std::fmt::Write;

use alloy_sol_types::{abi::AbiDecoderConfig, sol_data, SolType};

use crate::suite::{open, public_key};

/// `abi.encode(bytes32 publicKey, bytes aad, bytes sealed)`.
type Input = (sol_data::FixedBytes<32>, sol_data::Bytes, sol_data::Bytes);

const EXPECTED: &str = "expected abi.encode(bytes32 publicKey, bytes aad, bytes sealed)";

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        // Safe: writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Opens `abi.encode(bytes32 publicKey, bytes aad, bytes sealed)` with whichever of `secrets` belongs to
/// `publicKey`; returns `abi.encode(bytes plaintext)`. The `Err` is the abort message.
///
/// Decoding is strict, like the other precompiles': Solidity's `abi.encode` is canonical, so this refuses only
/// bytes no Solidity caller produces (dirty padding, overlapping or trailing data) instead of guessing.
pub fn open_precompile(input: &[u8], secrets: &[[u8; 32]]) -> Result<Vec<u8>, String> {
    let (public, aad, sealed) =
        Input::abi_decode_params_with_config(input, AbiDecoderConfig::new().strict(true))
            .map_err(|err| format!("Shielded: malformed input: {EXPECTED}: {err}"))?;
    let public = public.0;
    // One X25519 base-point multiplication per key held: a prover holds a handful (the current key and the ones
    // still accepted), and deriving beats trusting a caller-supplied (secret, public) pairing.
    let secret = secrets
        .iter()
        .find(|secret| public_key(secret) == public)
        .ok_or_else(|| {
            format!(
                "Shielded: this prover holds no secret key for public key 0x{}",
                hex(&public)
            )
        })?;
    let plaintext = open(secret, &aad, &sealed).map_err(|_| {
        format!(
            "Shielded: the ciphertext does not open under public key 0x{} (sealed to another key, or changed)",
            hex(&public)
        )
    })?;
    Ok(sol_data::Bytes::abi_encode(&plaintext))
}
