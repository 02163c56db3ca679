//! The precompile's ABI: vlayer v1's `EmailProof.sol` structs.

use alloy_sol_types::{abi::AbiDecoderConfig, sol, SolValue};

use super::error::EmailError;

sol! {
    #[derive(Debug, PartialEq, Eq)]
    struct DnsRecord { string name; uint8 recordType; string data; uint64 ttl; }
    #[derive(Debug, PartialEq, Eq)]
    struct VerificationData { uint64 validUntil; bytes signature; bytes pubKey; }
    #[derive(Debug, PartialEq, Eq)]
    struct UnverifiedEmail { string email; DnsRecord dnsRecord; VerificationData verificationData; }
    #[derive(Debug, PartialEq, Eq)]
    struct VerifiedEmail { string from; string to; string subject; string body; }
}

/// DNS TXT, the only record type a DKIM key comes in.
pub const TXT: u8 = 16;

/// Decodes `abi.encode(UnverifiedEmail)` and refuses a record that is not TXT.
///
/// Strict decoding: Solidity's `abi.encode` is canonical, so this refuses only bytes no Solidity caller produces
/// (dirty padding, trailing or overlapping data) rather than guessing what they meant.
pub fn decode(input: &[u8]) -> Result<UnverifiedEmail, EmailError> {
    let unverified =
        UnverifiedEmail::abi_decode_with_config(input, AbiDecoderConfig::new().strict(true))
            .map_err(|err| EmailError::Calldata(err.to_string()))?;
    let record_type = unverified.dnsRecord.recordType;
    if record_type != TXT {
        return Err(EmailError::Calldata(format!(
            "Unexpected DNS record type: {record_type}. Supported types: TXT(16)"
        )));
    }
    Ok(unverified)
}

/// `abi.encode(VerifiedEmail)`, what `EmailProofLib.verify` decodes.
pub fn encode(email: &VerifiedEmail) -> Vec<u8> {
    email.abi_encode()
}
