//! DKIM canonicalisation (RFC 6376 §3.4): `simple` and `relaxed`, for header fields and for the body.

use super::{error::DkimError, headers::Field};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonicalization {
    Simple,
    Relaxed,
}

/// The `c=` tag: `header/body`, one word meaning `word/simple`, absent meaning `simple/simple`.
pub fn parse(tag: Option<&str>) -> Result<(Canonicalization, Canonicalization), DkimError> {
    use Canonicalization::{Relaxed, Simple};
    match tag {
        None | Some("simple") | Some("simple/simple") => Ok((Simple, Simple)),
        Some("relaxed") | Some("relaxed/simple") => Ok((Relaxed, Simple)),
        Some("simple/relaxed") => Ok((Simple, Relaxed)),
        Some("relaxed/relaxed") => Ok((Relaxed, Relaxed)),
        Some(other) => Err(DkimError::UnsupportedCanonicalization(other.to_string())),
    }
}

const fn is_wsp(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// The canonical form of `field` whose raw bytes are `raw` (the field's own, or with the `b=` value cut out of a
/// DKIM-Signature), with its CRLF.
pub fn header(kind: Canonicalization, field: &Field<'_>, raw: &[u8]) -> Vec<u8> {
    match kind {
        Canonicalization::Simple => {
            let mut out = raw.to_vec();
            out.extend_from_slice(b"\r\n");
            out
        }
        Canonicalization::Relaxed => {
            let name_end = field
                .name
                .iter()
                .rposition(|&b| !is_wsp(b))
                .map_or(0, |i| i + 1);
            let mut out = field.name[..name_end].to_ascii_lowercase();
            out.push(b':');
            let value = &raw[field.value_start.min(raw.len())..];
            let mut pending_space = false;
            let mut i = 0;
            let value_start = out.len();
            while i < value.len() {
                let byte = value[i];
                if byte == b'\r' && value.get(i + 1) == Some(&b'\n') {
                    // Unfolding: a CRLF inside a field is always followed by whitespace, which stays.
                    i += 2;
                    continue;
                }
                if is_wsp(byte) {
                    pending_space = true;
                } else {
                    // Whitespace after the colon and at the end of the value goes; inner runs become one space.
                    if pending_space && out.len() > value_start {
                        out.push(b' ');
                    }
                    pending_space = false;
                    out.push(byte);
                }
                i += 1;
            }
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

/// The canonical form of a body (the bytes after the header block's CRLF CRLF).
pub fn body(kind: Canonicalization, body: &[u8]) -> Vec<u8> {
    match kind {
        Canonicalization::Simple => {
            let mut end = body.len();
            while end >= 2 && &body[end - 2..end] == b"\r\n" {
                end -= 2;
            }
            // Keep one CRLF of the trailing run (or add it where the body has none, empty bodies included).
            let mut out = body[..end].to_vec();
            out.extend_from_slice(b"\r\n");
            out
        }
        Canonicalization::Relaxed => {
            let mut lines: Vec<Vec<u8>> = Vec::new();
            let mut rest = body;
            loop {
                let (line, next) = match rest.windows(2).position(|w| w == b"\r\n") {
                    Some(at) => (&rest[..at], Some(&rest[at + 2..])),
                    None => (rest, None),
                };
                lines.push(relaxed_line(line));
                match next {
                    Some(next) => rest = next,
                    None => break,
                }
            }
            // The last "line" is what follows the final CRLF: empty for a body that ends in CRLF.
            while lines.last().is_some_and(|line| line.is_empty()) {
                lines.pop();
            }
            let mut out = Vec::with_capacity(body.len());
            for line in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(b"\r\n");
            }
            out
        }
    }
}

/// A body line with its whitespace runs made one space and its trailing whitespace removed.
fn relaxed_line(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut pending_space = false;
    for &byte in line {
        if is_wsp(byte) {
            pending_space = true;
        } else {
            if pending_space {
                out.push(b' ');
            }
            pending_space = false;
            out.push(byte);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Canonicalization::*, *};
    use crate::email::headers::fields;

    fn canon_header(kind: Canonicalization, raw: &[u8]) -> Vec<u8> {
        let field = fields(raw)[0];
        header(kind, &field, field.raw)
    }

    #[test]
    fn relaxed_header() {
        assert_eq!(
            canon_header(Relaxed, b"SubJect :  A  b\r\n\t c \t"),
            b"subject:A b c\r\n"
        );
        assert_eq!(canon_header(Relaxed, b"To:x"), b"to:x\r\n");
        assert_eq!(canon_header(Relaxed, b"X-Empty:   "), b"x-empty:\r\n");
    }

    #[test]
    fn simple_header_is_raw() {
        assert_eq!(
            canon_header(Simple, b"SubJect :  A  b\r\n\t c"),
            b"SubJect :  A  b\r\n\t c\r\n"
        );
    }

    #[test]
    fn simple_body() {
        assert_eq!(body(Simple, b""), b"\r\n");
        assert_eq!(body(Simple, b"a\r\n\r\n\r\n"), b"a\r\n");
        assert_eq!(body(Simple, b"a  b"), b"a  b\r\n");
    }

    #[test]
    fn relaxed_body() {
        assert_eq!(body(Relaxed, b""), b"");
        assert_eq!(body(Relaxed, b"\r\n \r\n"), b"");
        assert_eq!(
            body(Relaxed, b" a \t b \r\n\r\nc\t\r\n\r\n"),
            b" a b\r\n\r\nc\r\n"
        );
        assert_eq!(body(Relaxed, b"x"), b"x\r\n");
    }

    #[test]
    fn rfc6376_example() {
        // RFC 6376 §3.4.5.
        let raw = b"A: X\r\nB : Y\t\r\n\tZ  ";
        let all = fields(raw);
        let relaxed: Vec<u8> = all.iter().flat_map(|f| header(Relaxed, f, f.raw)).collect();
        assert_eq!(relaxed, b"a:X\r\nb:Y Z\r\n");
        assert_eq!(
            body(Relaxed, b" C \r\nD \t E\r\n\r\n\r\n"),
            b" C\r\nD E\r\n"
        );
        assert_eq!(
            body(Simple, b" C \r\nD \t E\r\n\r\n\r\n"),
            b" C \r\nD \t E\r\n"
        );
    }
}
