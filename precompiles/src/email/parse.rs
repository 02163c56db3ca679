//! What a verified email tells a prover: the sender's bare address, the To header, the subject, the plain-text body.
//!
//! The last instance of each header is used: DKIM signs header instances from the bottom up, so the last one is
//! the one the signature covers (an attacker can only add instances above it).

use mailparse::{
    addrparse_header, DispositionType, MailAddr, MailHeader, MailHeaderMap, ParsedMail,
};

use super::{abi::VerifiedEmail, error::EmailError};

const MAX_LOCAL_LENGTH: usize = 64;
const MAX_DOMAIN_LENGTH: usize = 255;

fn parse_error(msg: &str) -> EmailError {
    EmailError::EmailParse(msg.to_string())
}

fn last<'a>(mail: &'a ParsedMail<'a>, name: &str) -> Option<&'a MailHeader<'a>> {
    mail.headers.get_all_headers(name).pop()
}

/// The bare address of the last From header, checked to be one plain `local@domain` (RFC 5322 dot-atom local
/// part, RFC 5321 domain): its domain is the one whose DKIM signature is required.
pub fn from_address(mail: &ParsedMail<'_>) -> Result<String, EmailError> {
    let header = last(mail, "From").ok_or(EmailError::NoFromHeader)?;
    let addresses =
        addrparse_header(header).map_err(|err| EmailError::EmailParse(err.to_string()))?;
    let [address] = addresses.as_slice() else {
        return Err(parse_error(
            "Expected exactly one address in the \"From\" header",
        ));
    };
    let MailAddr::Single(info) = address else {
        return Err(parse_error(
            "Group addresses are not supported in the \"From\" header",
        ));
    };
    let address = info.addr.trim();
    let (local, domain) = match address.split('@').collect::<Vec<_>>().as_slice() {
        [local, domain] => (*local, *domain),
        _ => return Err(parse_error("Email address must contain exactly one ‘@’")),
    };
    validate_local_part(local)?;
    validate_domain(domain)?;
    Ok(address.to_string())
}

/// The domain part of an address [`from_address`] accepted.
pub fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, domain)| domain)
}

fn validate_local_part(local: &str) -> Result<(), EmailError> {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    if local.is_empty() {
        return Err(parse_error("Local-part is empty"));
    }
    if local.len() > MAX_LOCAL_LENGTH {
        return Err(parse_error(
            "Local-part too long. Maximal length is 64 characters",
        ));
    }
    for segment in local.split('.') {
        if segment.is_empty() {
            return Err(parse_error("Empty segment in local-part"));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        {
            return Err(parse_error("Invalid character in local-part"));
        }
    }
    Ok(())
}

fn validate_domain(domain: &str) -> Result<(), EmailError> {
    if domain.is_empty() {
        return Err(parse_error("Domain is empty"));
    }
    if domain.len() > MAX_DOMAIN_LENGTH {
        return Err(parse_error(
            "Domain too long. Maximal length is 255 characters",
        ));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(parse_error("Empty label in domain"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(parse_error(
                "Domain label must not start or end with a hyphen",
            ));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(parse_error("Invalid character in domain"));
        }
    }
    Ok(())
}

/// The precompile's output for a verified `mail` whose sender is `from`.
pub fn verified_email(mail: &ParsedMail<'_>, from: String) -> Result<VerifiedEmail, EmailError> {
    // The decoded value as written, display name included (vlayer v1's `to`, whatever its book says).
    let to = last(mail, "To")
        .ok_or_else(|| parse_error("\"To\" header is missing"))?
        .get_value();
    let subject = last(mail, "Subject")
        .map(MailHeader::get_value)
        .unwrap_or_default();
    Ok(VerifiedEmail {
        from,
        to,
        subject,
        body: plain_text_body(mail)?,
    })
}

/// Every inline text/plain part, transfer- and charset-decoded, joined.
fn plain_text_body(mail: &ParsedMail<'_>) -> Result<String, EmailError> {
    let mut body = String::new();
    let mut found = false;
    for part in mail.parts() {
        if part.ctype.mimetype == "text/plain"
            && part.get_content_disposition().disposition == DispositionType::Inline
        {
            body.push_str(
                &part
                    .get_body()
                    .map_err(|err| EmailError::EmailParse(err.to_string()))?,
            );
            found = true;
        }
    }
    if !found {
        return Err(parse_error("Plain text body not found in the email"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(raw: &str) -> Result<String, EmailError> {
        from_address(&mailparse::parse_mail(raw.as_bytes()).unwrap())
    }

    #[test]
    fn takes_the_last_from_and_checks_it() {
        assert_eq!(
            from("From: a@x.com\r\nFrom: Bob <b.c@y.org>\r\n\r\n").unwrap(),
            "b.c@y.org"
        );
        let cases = [
            (
                "From: \r\n\r\n",
                "Could not parse email: Expected exactly one address in the \"From\" header",
            ),
            (
                "From: a@x.com, b@y.com\r\n\r\n",
                "Could not parse email: Expected exactly one address in the \"From\" header",
            ),
            (
                "From: g: a@x.com;\r\n\r\n",
                "Could not parse email: Group addresses are not supported in the \"From\" header",
            ),
            (
                "From: a..b@x.com\r\n\r\n",
                "Could not parse email: Empty segment in local-part",
            ),
            (
                "From: a@-x.com\r\n\r\n",
                "Could not parse email: Domain label must not start or end with a hyphen",
            ),
            ("To: a@x.com\r\n\r\n", "No From header found"),
        ];
        for (raw, message) in cases {
            assert_eq!(from(raw).unwrap_err().to_string(), message, "{raw:?}");
        }
    }

    #[test]
    fn needs_a_plain_text_part() {
        let raw = "From: a@x.com\r\nTo: b@y.com\r\nContent-Type: text/html\r\n\r\n<p>hi</p>";
        let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
        assert_eq!(
            verified_email(&mail, "a@x.com".into())
                .unwrap_err()
                .to_string(),
            "Could not parse email: Plain text body not found in the email"
        );
    }
}
