//! Shielded requests: a request's arguments sealed with HPKE (RFC 9180) to a prover's X25519 key, so that only the
//! prover's guest (through the `ShieldedOpen` and `ShieldedTryOpen` precompiles) reads them.
//!
//! The suite is fixed: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, with [`INFO`] as HPKE's
//! `info`. A sealed message is `enc (32 bytes) || ciphertext (plaintext + 16-byte tag)`.
//!
//! The crate draws no randomness: [`seal`] takes the caller's 32-byte seed (drawn from the OS by the host; the guest
//! never seals), so the same crate builds for the zkVM guest, which has no entropy source.

mod error;
mod precompile;
mod seed_ikm;
mod suite;

pub use error::ShieldingError;
pub use precompile::{open_precompile, try_open_precompile};
pub use suite::{keypair_from_seed, open, public_key, seal, ENC_LEN, INFO, TAG_LEN};

#[cfg(test)]
mod rfc9180_tests;
