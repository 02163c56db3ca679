//! The raw header block and its fields, as DKIM sees them (RFC 5322 §2.2, RFC 6376 §3.4).
//!
//! DKIM hashes raw bytes, so fields are cut here from the bytes rather than taken from mailparse's decoded view.
//! Both views agree because the block is refused unless every line ends in CRLF: a field then begins at every line
//! not starting with a space or tab, in both.

use super::error::EmailError;

const CRLF: &[u8] = b"\r\n";

/// One header field: `raw` is the whole field (name, colon, value, inner folding CRLFs, no final CRLF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The bytes before the first colon of the field's first line (the whole first line when it has no colon,
    /// as mailparse takes it).
    pub name: &'a [u8],
    pub raw: &'a [u8],
    /// Where the value starts in `raw`: just after the colon.
    pub value_start: usize,
}

impl<'a> Field<'a> {
    #[cfg(test)]
    pub fn value(&self) -> &'a [u8] {
        &self.raw[self.value_start..]
    }

    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

/// The bytes before the first CRLF CRLF: the header block, whose last field has no final CRLF.
pub fn header_block(raw: &[u8]) -> Result<&[u8], EmailError> {
    find(raw, b"\r\n\r\n")
        .map(|end| &raw[..end])
        .ok_or(EmailError::MissingBodySeparator)
}

/// The body DKIM hashes: everything after the first CRLF CRLF.
pub fn body(raw: &[u8]) -> &[u8] {
    find(raw, b"\r\n\r\n").map_or(&[][..], |end| &raw[end + 4..])
}

/// Refuses a `\n` not preceded by `\r` in the header block: mail software splits lines on a bare `\n` too, so one
/// could make a header the DKIM signature does not cover look like part of another, or end the headers early.
pub fn check_no_lone_newline(block: &[u8]) -> Result<(), EmailError> {
    for (i, &byte) in block.iter().enumerate() {
        if byte == b'\n' {
            match i.checked_sub(1).map(|j| block[j]) {
                Some(b'\r') => {}
                Some(previous) => return Err(EmailError::LoneNewLine(previous)),
                None => return Err(EmailError::LoneNewLineAtStart),
            }
        }
    }
    Ok(())
}

/// The fields of a header block that has only CRLF line ends, top to bottom.
pub fn fields(block: &[u8]) -> Vec<Field<'_>> {
    let mut starts = vec![0];
    let mut at = 0;
    while let Some(offset) = find(&block[at..], CRLF) {
        let next = at + offset + CRLF.len();
        if !matches!(block.get(next), Some(b' ' | b'\t')) {
            starts.push(next);
        }
        at = next;
    }
    let mut ends: Vec<usize> = starts[1..]
        .iter()
        .map(|&start| start - CRLF.len())
        .collect();
    ends.push(block.len());
    starts
        .iter()
        .zip(ends)
        .filter(|&(&start, end)| start < end)
        .map(|(&start, end)| {
            let raw = &block[start..end];
            let first_line = find(raw, CRLF).map_or(raw, |line_end| &raw[..line_end]);
            match first_line.iter().position(|&b| b == b':') {
                Some(colon) => Field {
                    name: &raw[..colon],
                    raw,
                    value_start: colon + 1,
                },
                None => Field {
                    name: first_line,
                    raw,
                    value_start: raw.len(),
                },
            }
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_and_keeps_folding() {
        let block = b"From: a@b.c\r\nSubject: one\r\n\ttwo\r\nX-No-Colon\r\nTo:x";
        let fields = fields(block);
        let names: Vec<&[u8]> = fields.iter().map(|f| f.name).collect();
        assert_eq!(names, [&b"From"[..], b"Subject", b"X-No-Colon", b"To"]);
        assert_eq!(fields[1].raw, b"Subject: one\r\n\ttwo");
        assert_eq!(fields[1].value(), b" one\r\n\ttwo");
        assert_eq!(fields[2].value(), b"");
        assert_eq!(fields[3].value(), b"x");
    }

    #[test]
    fn header_block_and_body() {
        let raw = b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore";
        assert_eq!(header_block(raw).unwrap(), b"A: 1\r\nB: 2");
        assert_eq!(body(raw), b"body\r\n\r\nmore");
        assert_eq!(
            header_block(b"A: 1\nB: 2\n\nbody").unwrap_err(),
            EmailError::MissingBodySeparator
        );
    }

    #[test]
    fn lone_newline_names_the_byte_before_it() {
        assert_eq!(
            check_no_lone_newline(b"From: a@b.com\nX: y"),
            Err(EmailError::LoneNewLine(b'm'))
        );
        assert_eq!(
            check_no_lone_newline(b"\nX: y"),
            Err(EmailError::LoneNewLineAtStart)
        );
        assert_eq!(check_no_lone_newline(b"From: a@b.com\r\nX: y"), Ok(()));
        assert_eq!(
            EmailError::LoneNewLine(b'm').to_string(),
            "Invalid newline separator: lone '\\n' found not preceded by '\\r'. Found byte 109"
        );
    }
}
