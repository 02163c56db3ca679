//! The DNS notary ("verifiable DNS") signature over a TXT record: RSA PKCS#1 v1.5 with SHA-256 by the key in
//! `pubKey` (SPKI DER) over the record's canonical JSON. Whether that key is one the chain trusts, and whether
//! `validUntil` is still ahead, is checked in Solidity (`EmailProofLib.verify`), not here.

use rsa::{
    pkcs1v15::{Signature, VerifyingKey},
    pkcs8::DecodePublicKey,
    signature::Verifier,
    RsaPublicKey,
};
use sha2::Sha256;

use super::{abi::TXT, error::VdnsError};

/// The bytes the notary signs: OLPC canonical JSON of `{"data","name","type","valid_until"}` (keys sorted, no
/// whitespace, in strings only `"` and `\` escaped, every other character raw). The TTL is not signed.
///
/// Unlike the `olpc-cjson` crate vlayer's notary used, strings are not NFC-normalised: DKIM records are ASCII, and
/// our Python signer (`vlayer.email.canonical_json`) writes the same bytes.
pub fn signed_message(name: &str, data: &str, valid_until: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + data.len() + 64);
    out.extend_from_slice(b"{\"data\":");
    push_string(&mut out, data);
    out.extend_from_slice(b",\"name\":");
    push_string(&mut out, name);
    out.extend_from_slice(format!(",\"type\":{TXT},\"valid_until\":{valid_until}}}").as_bytes());
    out
}

fn push_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for &byte in text.as_bytes() {
        if byte == b'"' || byte == b'\\' {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out.push(b'"');
}

/// Checks `signature` by `pub_key` over the record.
pub fn verify(
    name: &str,
    data: &str,
    valid_until: u64,
    signature: &[u8],
    pub_key: &[u8],
) -> Result<(), VdnsError> {
    let key = RsaPublicKey::from_public_key_der(pub_key)
        .map_err(|err| VdnsError::PublicKeyDecoding(err.to_string()))?;
    let signature = Signature::try_from(signature).map_err(|_| VdnsError::SignatureVerification)?;
    VerifyingKey::<Sha256>::new(key)
        .verify(&signed_message(name, data, valid_until), &signature)
        .map_err(|_| VdnsError::SignatureVerification)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_matches_vlayers_vector() {
        // verifiable_dns/src/common/record.rs's vector (vlayer v1).
        assert_eq!(
            signed_message("selector._domainkey.vlayer.xyz", "somedata", 64),
            br#"{"data":"somedata","name":"selector._domainkey.vlayer.xyz","type":16,"valid_until":64}"#
        );
    }

    #[test]
    fn canonical_json_escapes_only_quote_and_backslash() {
        assert_eq!(
            signed_message("a\"b\\c", "x\ny\u{7}é", 0),
            "{\"data\":\"x\ny\u{7}é\",\"name\":\"a\\\"b\\\\c\",\"type\":16,\"valid_until\":0}"
                .as_bytes()
        );
    }

    #[test]
    fn empty_key_reports_der_error() {
        assert_eq!(
            verify("n", "d", 0, &[], &[]).unwrap_err().to_string(),
            "Public key decoding error: ASN.1 error: ASN.1 DER message is incomplete: expected 1, actual 0 at DER byte 0"
        );
    }
}
