//! RFC 9180 appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode (mode 0, kem 0x0020,
//! kdf 0x0001, aead 0x0003), its first encryption (sequence number 0). Typed in from the RFC's text (the CFRG
//! draft's auth48 revision, identical to the published appendix), not from any implementation.

use crate::suite::{keypair_from_seed, open_with_info, public_key, seal_with_info};
use crate::ShieldingError;

const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
const PK_EM: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
const IKM_R: &str = "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df";
const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
const ENC: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
const AAD_0: &str = "436f756e742d30";
const CT_0: &str =
    "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28";

fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap()
}

fn key(hex_text: &str) -> [u8; 32] {
    bytes(hex_text).try_into().unwrap()
}

/// RFC 7748 clamping, which SerializePrivateKey applies (RFC 9180 §7.1.2) but the appendix's skRm, the raw
/// DeriveKeyPair output, does not show.
fn clamped(mut secret: [u8; 32]) -> [u8; 32] {
    secret[0] &= 248;
    secret[31] &= 127;
    secret[31] |= 64;
    secret
}

#[test]
fn derive_key_pair_gives_the_rfc_keys() {
    let (secret, public) = keypair_from_seed(&key(IKM_R));
    assert_eq!(public, key(PK_RM));
    assert_eq!(secret, clamped(key(SK_RM)));
    assert_ne!(secret, key(SK_RM), "the RFC's skRm is unclamped");
    assert_eq!(public_key(&key(SK_RM)), key(PK_RM));
    assert_eq!(keypair_from_seed(&key(IKM_E)).1, key(PK_EM));
}

#[test]
fn seal_with_the_rfc_ikm_e_gives_the_rfc_enc_and_ciphertext() {
    let sealed = seal_with_info(
        &bytes(INFO),
        &key(PK_RM),
        &bytes(AAD_0),
        &bytes(PT),
        &key(IKM_E),
    )
    .unwrap();
    assert_eq!(hex::encode(&sealed[..32]), ENC);
    assert_eq!(hex::encode(&sealed[32..]), CT_0);
}

#[test]
fn open_with_the_rfc_secret_gives_the_rfc_plaintext() {
    let sealed = [bytes(ENC), bytes(CT_0)].concat();
    for secret in [key(SK_RM), keypair_from_seed(&key(IKM_R)).0] {
        let plain = open_with_info(&bytes(INFO), &secret, &bytes(AAD_0), &sealed).unwrap();
        assert_eq!(plain, bytes(PT));
    }
}

#[test]
fn the_rfc_ciphertext_does_not_open_under_our_info() {
    let sealed = [bytes(ENC), bytes(CT_0)].concat();
    assert_eq!(
        crate::open(&key(SK_RM), &bytes(AAD_0), &sealed),
        Err(ShieldingError::DoesNotOpen)
    );
}
