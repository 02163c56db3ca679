//! The HPKE suite and the four key/seal/open functions.

use hpke::{
    aead::ChaCha20Poly1305, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, HpkeError,
    Kem as KemTrait, OpModeR, OpModeS, Serializable,
};

use crate::{error::ShieldingError, seed_ikm::SeedIkm};

type Kem = X25519HkdfSha256;
type Kdf = HkdfSha256;
type Aead = ChaCha20Poly1305;
type PrivateKey = <Kem as KemTrait>::PrivateKey;
type PublicKey = <Kem as KemTrait>::PublicKey;
type EncappedKey = <Kem as KemTrait>::EncappedKey;

/// HPKE's `info`: binds every sealed message to this protocol and its version, so a ciphertext made for anything
/// else with the same key does not open here.
pub const INFO: &[u8] = b"vlayer shielded request v1";

/// Bytes of `enc`, the encapsulated (ephemeral X25519 public) key that starts a sealed message.
pub const ENC_LEN: usize = 32;

/// Bytes of ChaCha20-Poly1305's tag, at the end of every ciphertext.
pub const TAG_LEN: usize = 16;

fn to_array(value: &impl Serializable) -> [u8; 32] {
    let mut out = [0u8; 32];
    value.write_exact(&mut out);
    out
}

fn private_key(secret: &[u8; 32]) -> PrivateKey {
    // Safe: X25519 private keys are any 32 bytes (clamped on the way in); the only error is a length other than 32.
    PrivateKey::from_bytes(secret).expect("32 bytes are always an X25519 private key")
}

/// RFC 9180 DeriveKeyPair(seed): the prover's key pair from 32 bytes of secret seed, as `(secret, public)`. The
/// secret is serialized clamped (RFC 9180 §7.1.2).
pub fn keypair_from_seed(seed: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let (secret, public) = Kem::derive_keypair(seed);
    (to_array(&secret), to_array(&public))
}

/// The public key of a secret key.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    to_array(&Kem::sk_to_pk(&private_key(secret)))
}

/// Seals `plaintext` to `public`, authenticating `aad`: `enc || ciphertext`. The ephemeral key is
/// DeriveKeyPair(`seed`) (RFC 9180's ikmE), so `seed` must be 32 fresh bytes from the OS for every call: a seed
/// used twice reuses the ephemeral key, and with it the AEAD key and nonce.
pub fn seal(
    public: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
    seed: &[u8; 32],
) -> Result<Vec<u8>, ShieldingError> {
    seal_with_info(INFO, public, aad, plaintext, seed)
}

/// [`seal`] under another `info`: only RFC 9180's test vectors, which use their own, need it.
pub(crate) fn seal_with_info(
    info: &[u8],
    public: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
    seed: &[u8; 32],
) -> Result<Vec<u8>, ShieldingError> {
    // Safe: X25519 public keys are any 32 bytes; the only error is a length other than 32.
    let recipient =
        PublicKey::from_bytes(public).expect("32 bytes are always an X25519 public key");
    let mut ikm = SeedIkm::new(seed);
    let sender =
        hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(&OpModeS::Base, &recipient, info, &mut ikm);
    ikm.drew_only_the_seed()
        .map_err(|requested| ShieldingError::Randomness { requested })?;
    let (enc, mut context) = sender.map_err(|err| match err {
        HpkeError::EncapError => ShieldingError::UnusablePublicKey,
        other => ShieldingError::Seal(other),
    })?;
    let ciphertext = context.seal(plaintext, aad).map_err(ShieldingError::Seal)?;
    let mut sealed = Vec::with_capacity(ENC_LEN + ciphertext.len());
    sealed.extend_from_slice(&to_array(&enc));
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Opens `sealed` (`enc || ciphertext`, from [`seal`]) with `secret`, checking `aad`.
pub fn open(secret: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, ShieldingError> {
    open_with_info(INFO, secret, aad, sealed)
}

/// [`open`] under another `info`, for RFC 9180's test vectors.
pub(crate) fn open_with_info(
    info: &[u8],
    secret: &[u8; 32],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, ShieldingError> {
    if sealed.len() < ENC_LEN + TAG_LEN {
        return Err(ShieldingError::Truncated { len: sealed.len() });
    }
    let (enc, ciphertext) = sealed.split_at(ENC_LEN);
    let enc = EncappedKey::from_bytes(enc).map_err(|_| ShieldingError::DoesNotOpen)?;
    hpke::single_shot_open::<Aead, Kdf, Kem>(
        &OpModeR::Base,
        &private_key(secret),
        &enc,
        info,
        ciphertext,
        aad,
    )
    .map_err(|_| ShieldingError::DoesNotOpen)
}
