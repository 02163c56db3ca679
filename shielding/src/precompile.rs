//! `ShieldedOpen` and `ShieldedTryOpen`: the precompiles that open a shielded request inside the guest with the
//! prover's secret keys. They share everything but what they do with a ciphertext that does not open.

use std::fmt::Write;

use alloy_sol_types::{abi::AbiDecoderConfig, sol_data, SolType};

use crate::suite::{open, public_key};

/// `abi.encode(bytes32 publicKey, bytes aad, bytes sealed)`.
type Input = (sol_data::FixedBytes<32>, sol_data::Bytes, sol_data::Bytes);

/// `abi.encode(bool opened, bytes plaintext)`, `ShieldedTryOpen`'s answer.
type TryOutput = (sol_data::Bool, sol_data::Bytes);

const EXPECTED: &str = "expected abi.encode(bytes32 publicKey, bytes aad, bytes sealed)";

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        // Safe: writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The public key the input names and, when the ciphertext opens under the matching secret, its plaintext.
///
/// The `Err` is an abort message, for both precompiles alike: bytes no Solidity caller produces, and a prover that
/// holds no secret for the key. The latter must abort even for `ShieldedTryOpen`: a prover without the key could
/// otherwise prove that a perfectly good ciphertext "does not open".
///
/// Decoding is strict, like the other precompiles': Solidity's `abi.encode` is canonical, so this refuses only
/// bytes no Solidity caller produces (dirty padding, overlapping or trailing data) instead of guessing.
fn open_with_held_key(
    input: &[u8],
    secrets: &[[u8; 32]],
) -> Result<([u8; 32], Option<Vec<u8>>), String> {
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
    // Too short, sealed to another key, or changed: HPKE cannot tell these apart, and neither caller needs to.
    Ok((public, open(secret, &aad, &sealed).ok()))
}

/// `ShieldedOpen`: opens `abi.encode(bytes32 publicKey, bytes aad, bytes sealed)` with whichever of `secrets`
/// belongs to `publicKey`; returns `abi.encode(bytes plaintext)`. The `Err` is the abort message, also for a
/// ciphertext that does not open.
pub fn open_precompile(input: &[u8], secrets: &[[u8; 32]]) -> Result<Vec<u8>, String> {
    match open_with_held_key(input, secrets)? {
        (_, Some(plaintext)) => Ok(sol_data::Bytes::abi_encode(&plaintext)),
        (public, None) => Err(format!(
            "Shielded: the ciphertext does not open under public key 0x{} (sealed to another key, or changed)",
            hex(&public)
        )),
    }
}

/// `ShieldedTryOpen`: [`open_precompile`] that answers `abi.encode(bool opened, bytes plaintext)` instead of
/// aborting when the ciphertext does not open (`(false, "")`), so that a prover opening many ciphertexts posted by
/// different people is not stopped by one of them. Malformed input and a key the prover does not hold still abort
/// with [`open_precompile`]'s messages.
pub fn try_open_precompile(input: &[u8], secrets: &[[u8; 32]]) -> Result<Vec<u8>, String> {
    let (_, plaintext) = open_with_held_key(input, secrets)?;
    let opened = plaintext.is_some();
    Ok(TryOutput::abi_encode_params(&(
        opened,
        plaintext.unwrap_or_default(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{keypair_from_seed, seal};

    const AAD: &[u8] = b"aad";

    fn input(public: &[u8; 32], sealed: &[u8]) -> Vec<u8> {
        Input::abi_encode_params(&(public, AAD, sealed))
    }

    fn try_output(opened: bool, plaintext: &[u8]) -> Vec<u8> {
        TryOutput::abi_encode_params(&(opened, plaintext))
    }

    #[test]
    fn try_open_answers_where_open_aborts_on_the_ciphertext_only() {
        let (secret, public) = keypair_from_seed(&[1; 32]);
        let (other_secret, other) = keypair_from_seed(&[2; 32]);
        let sealed = seal(&public, AAD, b"bid", &[3; 32]).unwrap();
        let good = input(&public, &sealed);
        assert_eq!(
            try_open_precompile(&good, &[secret]),
            Ok(try_output(true, b"bid"))
        );
        assert_eq!(
            open_precompile(&good, &[secret]),
            Ok(sol_data::Bytes::abi_encode(b"bid"))
        );

        let mut changed = sealed.clone();
        changed[40] ^= 1;
        let to_other = seal(&other, AAD, b"bid", &[3; 32]).unwrap();
        for sealed in [changed.as_slice(), &to_other, &sealed[..47], b""] {
            let input = input(&public, sealed);
            assert_eq!(
                try_open_precompile(&input, &[other_secret, secret]),
                Ok(try_output(false, b"")),
                "{sealed:02x?}"
            );
            assert!(open_precompile(&input, &[secret])
                .unwrap_err()
                .starts_with("Shielded: the ciphertext does not open under public key 0x"));
        }

        // No key held: both abort alike, so a prover without the key cannot claim "does not open".
        for secrets in [&[][..], &[other_secret]] {
            let message = format!(
                "Shielded: this prover holds no secret key for public key 0x{}",
                hex(&public)
            );
            assert_eq!(try_open_precompile(&good, secrets), Err(message.clone()));
            assert_eq!(open_precompile(&good, secrets), Err(message));
        }
        let malformed = [good.as_slice(), &[0]].concat();
        let refused = try_open_precompile(&malformed, &[secret]).unwrap_err();
        assert!(
            refused.starts_with(&format!("Shielded: malformed input: {EXPECTED}: ")),
            "{refused}"
        );
        assert_eq!(open_precompile(&malformed, &[secret]), Err(refused));
    }

    #[test]
    fn try_output_is_solidity_abi_encode_of_bool_and_bytes() {
        // abi.encode(true, hex"ab"): the bool word, the offset 0x40, the length 1, the byte left-aligned.
        let mut expected = vec![0u8; 128];
        expected[31] = 1;
        expected[63] = 0x40;
        expected[95] = 1;
        expected[96] = 0xab;
        assert_eq!(try_output(true, &[0xab]), expected);
        // abi.encode(false, ""): three words, the length 0.
        let mut empty = vec![0u8; 96];
        empty[63] = 0x40;
        assert_eq!(try_output(false, b""), empty);
    }
}
