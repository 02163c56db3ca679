//! What sealing and opening can refuse.

use crate::suite::{ENC_LEN, TAG_LEN};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShieldingError {
    /// Too short to hold even the encapsulated key and the AEAD tag, so it cannot be a sealed message.
    #[error(
        "sealed message is {len} bytes, shorter than the {} bytes of the encapsulated key and the tag",
        ENC_LEN + TAG_LEN
    )]
    Truncated { len: usize },
    /// Decapsulation or the AEAD refused: sealed to another key, or the encapsulated key, the ciphertext or the aad
    /// changed. HPKE cannot tell these apart, and saying which would help no one but a forger.
    #[error("the ciphertext does not open under this key (sealed to another key, or changed)")]
    DoesNotOpen,
    /// The public key is a low-order point: every shared secret with it is zero, which RFC 9180 §7.1.4 requires
    /// refusing (such a "key" is no one's key, and sealing to it would hide nothing).
    #[error("cannot seal to this public key: it is a low-order X25519 point")]
    UnusablePublicKey,
    /// HPKE refused to encrypt (the AEAD's message limits).
    #[error("sealing failed: {0}")]
    Seal(hpke::HpkeError),
    /// hpke drew other than exactly the 32 bytes of the seed for the ephemeral key. Cannot happen with the pinned
    /// hpke 0.15.1 (it draws Nsk = 32 bytes once); checked so that a future hpke cannot silently seal with an
    /// ephemeral key that is not the caller's seed.
    #[error("hpke asked for {requested} bytes of randomness where the 32-byte seed was expected")]
    Randomness { requested: usize },
}
