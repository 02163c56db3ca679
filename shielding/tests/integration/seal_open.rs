//! `seal` / `open` and the key functions, through the public API.

use vlayer_shielding::{
    keypair_from_seed, open, public_key, seal, ShieldingError, ENC_LEN, INFO, TAG_LEN,
};

const PROVER_SEED: [u8; 32] = [0x11; 32];
const OTHER_SEED: [u8; 32] = [0x22; 32];
const EPHEMERAL_SEED: [u8; 32] = [0x33; 32];
const AAD: &[u8] = b"chain 31337, keys 0x5FbDB2315678afecb367f032d93F642f64180aa3, version 1";
const PLAINTEXT: &[u8] = b"the clear arguments of a shielded request";

fn sealed_to_prover() -> Vec<u8> {
    let (_, public) = keypair_from_seed(&PROVER_SEED);
    seal(&public, AAD, PLAINTEXT, &EPHEMERAL_SEED).unwrap()
}

#[test]
fn info_is_the_protocol_string() {
    assert_eq!(INFO, b"vlayer shielded request v1");
}

#[test]
fn keypair_is_deterministic_and_public_key_matches() {
    let (secret, public) = keypair_from_seed(&PROVER_SEED);
    assert_eq!(keypair_from_seed(&PROVER_SEED), (secret, public));
    assert_eq!(public_key(&secret), public);
    assert_ne!(keypair_from_seed(&OTHER_SEED).1, public);
    assert_ne!(secret, public);
}

#[test]
fn round_trip() {
    let (secret, _) = keypair_from_seed(&PROVER_SEED);
    let sealed = sealed_to_prover();
    assert_eq!(sealed.len(), ENC_LEN + PLAINTEXT.len() + TAG_LEN);
    assert_eq!(open(&secret, AAD, &sealed).unwrap(), PLAINTEXT);
}

#[test]
fn round_trip_of_empty_plaintext_and_aad() {
    let (secret, public) = keypair_from_seed(&PROVER_SEED);
    let sealed = seal(&public, b"", b"", &EPHEMERAL_SEED).unwrap();
    assert_eq!(sealed.len(), ENC_LEN + TAG_LEN);
    assert_eq!(open(&secret, b"", &sealed).unwrap(), b"");
}

#[test]
fn enc_is_the_public_key_derived_from_the_seed() {
    let sealed = sealed_to_prover();
    assert_eq!(sealed[..ENC_LEN], keypair_from_seed(&EPHEMERAL_SEED).1);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (_, public) = keypair_from_seed(&PROVER_SEED);
    assert_eq!(sealed_to_prover(), sealed_to_prover());
    let other = seal(&public, AAD, PLAINTEXT, &[0x34; 32]).unwrap();
    assert_ne!(other[..ENC_LEN], sealed_to_prover()[..ENC_LEN]);
}

#[test]
fn another_key_does_not_open() {
    let (other_secret, _) = keypair_from_seed(&OTHER_SEED);
    assert_eq!(
        open(&other_secret, AAD, &sealed_to_prover()),
        Err(ShieldingError::DoesNotOpen)
    );
}

#[test]
fn any_flipped_bit_does_not_open() {
    let (secret, _) = keypair_from_seed(&PROVER_SEED);
    let sealed = sealed_to_prover();
    // Every byte: enc, ciphertext body and tag.
    for at in 0..sealed.len() {
        let mut changed = sealed.clone();
        changed[at] ^= 0x01;
        assert_eq!(
            open(&secret, AAD, &changed),
            Err(ShieldingError::DoesNotOpen),
            "byte {at} flipped"
        );
    }
    let mut aad = AAD.to_vec();
    aad[0] ^= 0x80;
    assert_eq!(
        open(&secret, &aad, &sealed),
        Err(ShieldingError::DoesNotOpen)
    );
}

#[test]
fn appended_bytes_do_not_open() {
    let (secret, _) = keypair_from_seed(&PROVER_SEED);
    let mut sealed = sealed_to_prover();
    sealed.push(0);
    assert_eq!(
        open(&secret, AAD, &sealed),
        Err(ShieldingError::DoesNotOpen)
    );
}

#[test]
fn truncated_is_refused_with_its_length() {
    let (secret, _) = keypair_from_seed(&PROVER_SEED);
    let sealed = sealed_to_prover();
    for len in [0, 1, ENC_LEN, ENC_LEN + TAG_LEN - 1] {
        let err = open(&secret, AAD, &sealed[..len]).unwrap_err();
        assert_eq!(err, ShieldingError::Truncated { len });
        assert_eq!(
            err.to_string(),
            format!("sealed message is {len} bytes, shorter than the 48 bytes of the encapsulated key and the tag")
        );
    }
    // Exactly enc and tag is long enough to try: it is the sealing of an empty plaintext, here with the tag cut.
    assert_eq!(
        open(&secret, AAD, &sealed[..ENC_LEN + TAG_LEN]),
        Err(ShieldingError::DoesNotOpen)
    );
}

#[test]
fn low_order_public_key_is_refused() {
    // 0 and 1 are points of small order on Curve25519: every shared secret with them is all-zero.
    let mut one = [0u8; 32];
    one[0] = 1;
    for public in [[0u8; 32], one] {
        let err = seal(&public, AAD, PLAINTEXT, &EPHEMERAL_SEED).unwrap_err();
        assert_eq!(err, ShieldingError::UnusablePublicKey);
        assert_eq!(
            err.to_string(),
            "cannot seal to this public key: it is a low-order X25519 point"
        );
    }
}

#[test]
fn low_order_enc_does_not_open() {
    let (secret, _) = keypair_from_seed(&PROVER_SEED);
    let mut sealed = sealed_to_prover();
    sealed[..ENC_LEN].fill(0);
    assert_eq!(
        open(&secret, AAD, &sealed),
        Err(ShieldingError::DoesNotOpen)
    );
}

#[test]
fn does_not_open_message() {
    assert_eq!(
        ShieldingError::DoesNotOpen.to_string(),
        "the ciphertext does not open under this key (sealed to another key, or changed)"
    );
}
