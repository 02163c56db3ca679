//! The DKIM public key in a TXT record (`v=DKIM1; k=rsa; p=...`, RFC 6376 §3.6.1).

use base64::{engine::general_purpose::STANDARD, Engine};
use rsa::{
    pkcs1::DecodeRsaPublicKey, pkcs8::DecodePublicKey, traits::PublicKeyParts, RsaPublicKey,
};

use super::error::EmailError;

/// RFC 8301 §3.2: verifiers must not accept signatures from shorter RSA keys (512-bit keys can be factored).
pub const MIN_KEY_BITS: usize = 1024;

/// The RSA key in the record's `p=` tag: SPKI DER (what RFC 6376 specifies), or bare PKCS#1 DER as some
/// publishers write it. `k=` must be absent or `rsa`: vlayer's proofs are RSA-only, ed25519 keys are refused.
pub fn dkim_key(record: &str) -> Result<RsaPublicKey, EmailError> {
    let invalid = |msg: String| EmailError::InvalidDkimRecord(msg);
    // Later tags win over earlier ones of the same name, as in vlayer v1.
    let mut key_type = None;
    let mut public_key = None;
    for part in record.split(';') {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        match name.trim() {
            "k" => key_type = Some(value.trim()),
            "p" => public_key = Some(value),
            _ => {}
        }
    }
    if let Some(k) = key_type {
        if k != "rsa" {
            return Err(invalid(format!("Invalid k tag value: {k}")));
        }
    }
    let public_key = public_key.ok_or_else(|| invalid("p tag missing".into()))?;
    // The base64 in `p=` may be broken by folding whitespace (RFC 6376 §3.6.1: `p= base64string` allows FWS).
    let public_key: String = public_key
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if public_key.is_empty() {
        return Err(invalid("p tag is empty: the key has been revoked".into()));
    }
    let der = STANDARD
        .decode(public_key.as_bytes())
        .map_err(|err| invalid(format!("Public key decoding error: {err}")))?;
    let key = RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
        .map_err(|_| invalid("Failed to parse public key".into()))?;
    let bits = key.size() * 8;
    if bits < MIN_KEY_BITS {
        return Err(invalid(format!(
            "RSA key of {bits} bits is too short (at least {MIN_KEY_BITS})"
        )));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_rsa_key_types() {
        let err = dkim_key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid DKIM public key record: Invalid k tag value: ed25519"
        );
    }

    #[test]
    fn refuses_missing_or_empty_p() {
        assert_eq!(
            dkim_key("v=DKIM1; k=rsa").unwrap_err().to_string(),
            "Invalid DKIM public key record: p tag missing"
        );
        assert_eq!(
            dkim_key("v=DKIM1; p=").unwrap_err().to_string(),
            "Invalid DKIM public key record: p tag is empty: the key has been revoked"
        );
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        assert_eq!(
            dkim_key("p=AAAA").unwrap_err().to_string(),
            "Invalid DKIM public key record: Failed to parse public key"
        );
        assert!(dkim_key("p=!!")
            .unwrap_err()
            .to_string()
            .starts_with("Invalid DKIM public key record: Public key decoding error: "));
    }
}
