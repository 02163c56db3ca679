//! Email proofs (address suffix `0x01`): an email's DKIM signature checked against a DKIM key in a DNS TXT record
//! that a DNS notary signed, with vlayer v1's rules and messages.
//!
//! Input `abi.encode(UnverifiedEmail)`, output `abi.encode(VerifiedEmail)`. The steps, in the order their refusals
//! are reported: the ABI and record type; mailparse; the DKIM key in the record; the header block (a CRLF CRLF
//! separator, no lone `\n`); the DKIM-Signatures (every one well-formed, exactly one whose `d=` is the last From's
//! domain, its `selector._domainkey.domain` the record's name, `h=` covering from, to and subject, no `l=`); the
//! notary's signature over the record; the DKIM signature itself; then From, To, Subject and the plain-text body.
//!
//! `validUntil` and whether the notary key is trusted are checked in Solidity (`EmailProofLib.verify`).

mod abi;
mod canonical;
mod dkim;
mod dns;
mod error;
mod headers;
mod parse;
mod vdns;

pub use abi::{DnsRecord, UnverifiedEmail, VerificationData, VerifiedEmail};
pub use error::{DkimError, EmailError, VdnsError};
pub use vdns::signed_message as notary_signed_message;

/// Header fields the DKIM signature must cover: what the proof reports (the body is always covered).
const REQUIRED_SIGNED_HEADERS: [&str; 3] = ["from", "to", "subject"];

/// The precompile: `abi.encode(VerifiedEmail)`, or the message that aborts the execution.
pub fn verify(input: &[u8]) -> Result<Vec<u8>, String> {
    verify_email(input)
        .map(|email| abi::encode(&email))
        .map_err(|err| err.to_string())
}

/// [`verify`] with a typed refusal.
pub fn verify_email(input: &[u8]) -> Result<VerifiedEmail, EmailError> {
    let unverified = abi::decode(input)?;
    let record = &unverified.dnsRecord;
    let raw = unverified.email.as_bytes();
    let mail = mailparse::parse_mail(raw).map_err(|err| EmailError::EmailParse(err.to_string()))?;
    let key = dns::dkim_key(&record.data)?;

    let block = headers::header_block(raw)?;
    headers::check_no_lone_newline(block)?;
    let fields = headers::fields(block);
    let signatures = fields
        .iter()
        .filter(|field| field.is_named("DKIM-Signature"))
        .map(|field| dkim::Signature::parse(*field))
        .collect::<Result<Vec<_>, _>>()?;
    let from = parse::from_address(&mail)?;
    let from_domain = parse::domain_of(&from);
    // Several signatures by the From domain are legal DKIM, but which one the proof rests on would then be a choice;
    // vlayer v1 refused them, and so do we. Signatures by other domains (mailing lists, ESPs) are ignored.
    let mut matching = signatures
        .into_iter()
        .filter(|sig| sig.domain().eq_ignore_ascii_case(from_domain));
    let signature = match (matching.next(), matching.next()) {
        (Some(signature), None) => signature,
        (None, _) => return Err(EmailError::InvalidDkimHeaderCount(0)),
        (Some(_), Some(_)) => return Err(EmailError::InvalidDkimHeaderCount(2 + matching.count())),
    };
    let expected = signature.key_name();
    let actual = dkim::normalize_dns_name(&record.name);
    if expected != actual {
        return Err(EmailError::DomainMismatch(expected, actual));
    }
    let signed = signature.signed_headers();
    if let Some(missing) = REQUIRED_SIGNED_HEADERS
        .into_iter()
        .find(|name| !signed.iter().any(|s| s == name))
    {
        return Err(EmailError::MissingRequiredHeaderTag(missing));
    }
    if signature.has_length_tag() {
        return Err(DkimError::SignatureSyntax(
            "DKIM-Signature header contains body length tag (l=)".into(),
        )
        .into());
    }

    let verification = &unverified.verificationData;
    vdns::verify(
        &record.name,
        &record.data,
        verification.validUntil,
        &verification.signature,
        &verification.pubKey,
    )?;

    signature.verify(&fields, headers::body(raw), &key)?;

    parse::verified_email(&mail, from)
}
