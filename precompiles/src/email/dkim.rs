//! DKIM-Signature parsing and verification (RFC 6376) with the rules of vlayer v1's proofs.
//!
//! What is checked: the tag list's syntax, the required tags `v a b bh d h s`, `v=1`, `i=` within `d=`,
//! `h=` covering `from`, `q=dns/txt`; then the body hash against `bh=` and the RSA PKCS#1 v1.5 SHA-256 signature
//! over the selected header fields. What is not: `t=` and `x=` (the zkVM has no clock; vlayer v1 skipped them too).

use base64::{engine::general_purpose::STANDARD, Engine};
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::{
    canonical::{self, Canonicalization},
    error::{DkimError, EmailError},
    headers::Field,
};

const REQUIRED_TAGS: [&str; 7] = ["v", "a", "b", "bh", "d", "h", "s"];

/// One `name=value` of a DKIM-Signature.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tag {
    name: String,
    /// The value with its surrounding whitespace removed.
    value: String,
    /// Where the raw value (surrounding whitespace included) lies in the field's raw bytes.
    span: (usize, usize),
}

/// A parsed DKIM-Signature header field.
#[derive(Debug, Clone)]
pub struct Signature<'a> {
    field: Field<'a>,
    tags: Vec<Tag>,
}

impl<'a> Signature<'a> {
    /// Parses and validates the field's tag list (RFC 6376 §3.2, §3.5, §6.1.1).
    pub fn parse(field: Field<'a>) -> Result<Self, DkimError> {
        let tags = tag_list(field.raw, field.value_start)?;
        let signature = Signature { field, tags };
        for required in REQUIRED_TAGS {
            if signature.tag(required).is_none() {
                return Err(DkimError::MissingRequiredTag(required));
            }
        }
        if signature.required("v") != "1" {
            return Err(DkimError::IncompatibleVersion);
        }
        if let Some(identity) = signature.tag("i") {
            let domain = signature.domain().to_ascii_lowercase();
            let identity_domain = identity
                .rsplit_once('@')
                .map_or(identity, |(_, d)| d)
                .to_ascii_lowercase();
            if identity_domain != domain && !identity_domain.ends_with(&format!(".{domain}")) {
                return Err(DkimError::DomainMismatch);
            }
        }
        if !signature.signed_headers().iter().any(|h| h == "from") {
            return Err(DkimError::FromFieldNotSigned);
        }
        if signature.tag("q").is_some_and(|q| q != "dns/txt") {
            return Err(DkimError::UnsupportedQueryMethod);
        }
        Ok(signature)
    }

    fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|tag| tag.name == name)
            .map(|tag| tag.value.as_str())
    }

    /// A tag [`Signature::parse`] made sure is there.
    fn required(&self, name: &str) -> &str {
        debug_assert!(REQUIRED_TAGS.contains(&name));
        self.tag(name).unwrap_or_default()
    }

    /// The signing domain, `d=`.
    pub fn domain(&self) -> &str {
        self.required("d")
    }

    /// The lowercased names in `h=`, in order.
    pub fn signed_headers(&self) -> Vec<String> {
        self.required("h")
            .split(':')
            .map(|name| name.trim().to_ascii_lowercase())
            .collect()
    }

    /// The DNS name of the key: `selector._domainkey.domain`, normalised.
    pub fn key_name(&self) -> String {
        normalize_dns_name(&format!(
            "{}._domainkey.{}",
            self.required("s"),
            self.domain()
        ))
    }

    /// `l=` lets anything be appended to a signed body: refused.
    pub fn has_length_tag(&self) -> bool {
        self.tag("l").is_some()
    }

    /// Verifies the signature over `fields` (the email's header fields, top to bottom) and `body` with `key`.
    pub fn verify(
        &self,
        fields: &[Field<'_>],
        body: &[u8],
        key: &RsaPublicKey,
    ) -> Result<(), EmailError> {
        let (header_canon, body_canon) = canonical::parse(self.tag("c"))?;
        let algorithm = self.required("a");
        if algorithm != "rsa-sha256" {
            return Err(DkimError::UnsupportedHashAlgorithm(algorithm.to_string()).into());
        }
        let body_hash = STANDARD.encode(Sha256::digest(canonical::body(body_canon, body)));
        let headers_hash = self.headers_hash(header_canon, fields);
        if strip_whitespace(self.required("bh")) != body_hash {
            return Err(DkimError::BodyHashDidNotVerify.into());
        }
        let signature = STANDARD
            .decode(strip_whitespace(self.required("b")))
            .map_err(|err| {
                DkimError::SignatureSyntax(format!("failed to decode signature: {err}"))
            })?;
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &headers_hash, &signature)
            .map_err(|_| DkimError::SignatureDidNotVerify.into())
    }

    /// SHA-256 of the signed header fields and of this DKIM-Signature with its `b=` value emptied (RFC 6376 §3.7).
    fn headers_hash(&self, canon: Canonicalization, fields: &[Field<'_>]) -> Vec<u8> {
        let mut hasher = Sha256::new();
        // Each name in h= takes the bottom-most instance not taken yet; a name with none left adds nothing,
        // which is how over-signing (naming a field more times than it occurs) forbids adding one.
        let mut taken = vec![false; fields.len()];
        for name in self.signed_headers() {
            let found = (0..fields.len())
                .rev()
                .find(|&i| !taken[i] && fields[i].is_named(&name));
            if let Some(i) = found {
                taken[i] = true;
                hasher.update(canonical::header(canon, &fields[i], fields[i].raw));
            }
        }
        let mut own = self.field.raw.to_vec();
        if let Some(tag) = self.tags.iter().find(|tag| tag.name == "b") {
            own.drain(tag.span.0..tag.span.1);
        }
        let mut canonical_own = canonical::header(canon, &self.field, &own);
        canonical_own.truncate(canonical_own.len().saturating_sub(2));
        hasher.update(canonical_own);
        hasher.finalize().to_vec()
    }
}

/// `trim`, no trailing dot, lowercase: how DNS names compare.
pub fn normalize_dns_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

fn strip_whitespace(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

const fn is_fws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// The tags of `raw[start..]` (RFC 6376 §3.2): `name = value` separated by `;`, whitespace allowed around names
/// and values and inside values, names `ALPHA *(ALPHA / DIGIT / "_")`, values of printable ASCII but `;`.
fn tag_list(raw: &[u8], start: usize) -> Result<Vec<Tag>, DkimError> {
    let syntax = |msg: String| DkimError::SignatureSyntax(msg);
    let mut tags: Vec<Tag> = Vec::new();
    let mut at = start;
    while at <= raw.len() {
        let end = raw[at..]
            .iter()
            .position(|&b| b == b';')
            .map_or(raw.len(), |i| at + i);
        let spec = &raw[at..end];
        if spec.iter().all(|&b| is_fws(b)) {
            // An empty tag-spec: allowed after the last `;` (RFC 6376), tolerated elsewhere.
            at = end + 1;
            continue;
        }
        let equals = spec.iter().position(|&b| b == b'=').ok_or_else(|| {
            syntax(format!(
                "tag without `=`: {}",
                String::from_utf8_lossy(spec).trim()
            ))
        })?;
        let name = String::from_utf8_lossy(&spec[..equals])
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .to_string();
        let valid_name = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_name {
            return Err(syntax(format!("invalid tag name: `{name}`")));
        }
        let value_start = at + equals + 1;
        let raw_value = &raw[value_start..end];
        if let Some(&bad) = raw_value
            .iter()
            .find(|&&b| !is_fws(b) && !(0x21..=0x7e).contains(&b))
        {
            return Err(syntax(format!(
                "invalid byte 0x{bad:02x} in the value of tag `{name}`"
            )));
        }
        if tags.iter().any(|tag| tag.name == name) {
            return Err(syntax(format!("duplicate tag `{name}`")));
        }
        // Only ASCII is left in the value, so this is lossless.
        let value = String::from_utf8_lossy(raw_value)
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .to_string();
        tags.push(Tag {
            name,
            value,
            span: (value_start, end),
        });
        at = end + 1;
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::headers::fields;

    fn parse(raw: &[u8]) -> Result<Signature<'_>, DkimError> {
        Signature::parse(fields(raw)[0])
    }

    const GOOD: &[u8] = b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=Example.com;\r\n s=sel; h=From : To:subject; bh=YWJj; b=ab\r\n cd";

    #[test]
    fn parses_tags() {
        let sig = parse(GOOD).unwrap();
        assert_eq!(sig.domain(), "Example.com");
        assert_eq!(sig.signed_headers(), ["from", "to", "subject"]);
        assert_eq!(sig.key_name(), "sel._domainkey.example.com");
        assert_eq!(sig.tag("b"), Some("ab\r\n cd"));
        assert!(!sig.has_length_tag());
    }

    #[test]
    fn refuses_bad_signatures() {
        let cases: [(&[u8], &str); 7] = [
            (
                b"DKIM-Signature: v=1; a=x; b=; bh=; d=e.com; h=from",
                "signature missing required tag (s)",
            ),
            (
                b"DKIM-Signature: v=2; a=x; b=; bh=; d=e.com; h=from; s=s",
                "incompatible version",
            ),
            (
                b"DKIM-Signature: v=1; a=x; b=; bh=; d=e.com; h=to; s=s",
                "From field not signed",
            ),
            (
                b"DKIM-Signature: v=1; a=x; b=; bh=; d=e.com; h=from; s=s; i=@evil.com",
                "domain mismatch",
            ),
            (
                b"DKIM-Signature: v=1; a=x; b=; bh=; d=e.com; h=from; s=s; q=http",
                "unsupported query method",
            ),
            (
                b"DKIM-Signature: v=1; v=1; a=x; b=; bh=; d=e.com; h=from; s=s",
                "signature syntax error: duplicate tag `v`",
            ),
            (
                b"DKIM-Signature: v=1; a; b=",
                "signature syntax error: tag without `=`: a",
            ),
        ];
        for (raw, message) in cases {
            assert_eq!(parse(raw).unwrap_err().to_string(), message);
        }
        assert!(
            parse(b"DKIM-Signature: v=1; a=x; b=; bh=; d=e.com; h=from; s=s; i=x@sub.e.com")
                .is_ok()
        );
    }

    #[test]
    fn normalizes_dns_names() {
        assert_eq!(
            normalize_dns_name(" Sel._DomainKey.Example.com. "),
            "sel._domainkey.example.com"
        );
    }
}
