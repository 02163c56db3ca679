//! Every refusal of the email precompile, in one place. The Display of each is the exact abort message users see
//! (vlayer v1's wording where v1 had one; the vectors in `vectors/email.json` pin every one of them).

/// Why an email is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// The input is not `abi.encode(UnverifiedEmail)`, or its DNS record is not a TXT record.
    #[error("Invalid UnverifiedEmail calldata: {0}")]
    Calldata(String),
    /// The email could not be parsed, or a header we report (From, To) or the plain-text body is missing or bad.
    #[error("Could not parse email: {0}")]
    EmailParse(String),
    #[error("Invalid DKIM public key record: {0}")]
    InvalidDkimRecord(String),
    #[error("Missing CRLF-CRLF separator between email headers and body")]
    MissingBodySeparator,
    /// A `\n` in the header block without a `\r` before it; the byte is the one before it (vlayer's message).
    #[error("Invalid newline separator: lone '\\n' found not preceded by '\\r'. Found byte {0}")]
    LoneNewLine(u8),
    /// The email starts with a `\n`: there is no byte before it to name.
    #[error("Invalid newline separator: lone '\\n' found not preceded by '\\r' at the start of the email")]
    LoneNewLineAtStart,
    #[error("No From header found")]
    NoFromHeader,
    #[error("Expected exactly one DKIM-Signature header, found {0}")]
    InvalidDkimHeaderCount(usize),
    /// `selector._domainkey.domain` of the signature (expected) against the DNS record's name (actual), normalised.
    #[error("Domain mismatch: expected {0}, actual {1}")]
    DomainMismatch(String, String),
    #[error("Missing required header `{0}` in DKIM h= tag")]
    MissingRequiredHeaderTag(&'static str),
    #[error("VDNS signature verification failed: {0}")]
    Vdns(VdnsError),
    #[error("Error verifying DKIM: {0}")]
    Dkim(DkimError),
}

/// Why the DNS notary's signature over the record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VdnsError {
    #[error("Public key decoding error: {0}")]
    PublicKeyDecoding(String),
    #[error("Signature verification error")]
    SignatureVerification,
}

/// Why a DKIM-Signature is refused (cfdkim's wording, which vlayer v1 passed through).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DkimError {
    #[error("signature syntax error: {0}")]
    SignatureSyntax(String),
    #[error("signature missing required tag ({0})")]
    MissingRequiredTag(&'static str),
    #[error("incompatible version")]
    IncompatibleVersion,
    /// The `i=` identity is not in the `d=` domain.
    #[error("domain mismatch")]
    DomainMismatch,
    #[error("From field not signed")]
    FromFieldNotSigned,
    #[error("unsupported query method")]
    UnsupportedQueryMethod,
    #[error("unsupported canonicalization: {0}")]
    UnsupportedCanonicalization(String),
    #[error("unsupported hash algorithm: {0} (only rsa-sha256 is accepted)")]
    UnsupportedHashAlgorithm(String),
    #[error("body hash did not verify")]
    BodyHashDidNotVerify,
    #[error("signature did not verify")]
    SignatureDidNotVerify,
}

impl From<DkimError> for EmailError {
    fn from(err: DkimError) -> Self {
        EmailError::Dkim(err)
    }
}

impl From<VdnsError> for EmailError {
    fn from(err: VdnsError) -> Self {
        EmailError::Vdns(err)
    }
}
