//! Regex match and capture (vlayer v1's `RegexLib.matches` and `RegexLib.capture`).
//!
//! Input: `abi.encode(string[2])` = `[source, pattern]`. Output: `abi.encode(bool)` for match; for capture
//! `abi.encode(string[])` = `[whole match, group 1, ..., group n]` of the leftmost-first match, `""` for a group that
//! did not take part; no match aborts with `No match found`.
//!
//! Semantics are the Rust `regex` crate's (no look-around, no back-references; Unicode classes by default; `$`
//! matches only at the very end, not before a final `\n`). The pattern's *text* must start with `^` and end with
//! `$`, vlayer's check that a pattern is meant to match the whole string; it is a text check only, so `^a|b$`
//! passes although it matches `a...` or `...b`.
//!
//! Work bound: compilation is capped at 1,000,000 bytes for the compiled program (`size_limit`) and for the lazy
//! DFA's cache (`dfa_size_limit`), vlayer's limits; a larger pattern aborts with `Compiled regex exceeds size limit
//! of 1000000 bytes.` Matching runs in time linear in the source for a compiled pattern, and the source is bounded
//! by the gas its bytes cost. Specific classes (`[a-zA-Z0-9]`) compile far smaller than Unicode ones (`\w`).

use alloy_sol_types::SolValue;
use regex::{Regex, RegexBuilder};

/// vlayer v1's cap on the compiled program and on the lazy DFA's cache, in bytes.
pub const SIZE_LIMIT: usize = 1_000_000;

const PAIR: &str = "string[2] [source, pattern]";

/// `RegexLib.matches`: whether `pattern` matches `source`.
pub fn is_match(input: &[u8]) -> Result<Vec<u8>, String> {
    let (source, regex) = decode(input, "RegexMatch")?;
    Ok(regex.is_match(&source).abi_encode())
}

/// `RegexLib.capture`: the whole match and every group of `pattern`'s first match in `source`.
pub fn capture(input: &[u8]) -> Result<Vec<u8>, String> {
    let (source, regex) = decode(input, "RegexCapture")?;
    let captures = regex.captures(&source).ok_or("No match found")?;
    let groups: Vec<String> = captures
        .iter()
        .map(|group| group.map_or_else(String::new, |m| m.as_str().to_owned()))
        .collect();
    Ok(groups.abi_encode())
}

fn decode(input: &[u8], precompile: &str) -> Result<(String, Regex), String> {
    let [source, pattern] = crate::args::string_pair(input, precompile, PAIR)?;
    Ok((source, compile(&pattern)?))
}

/// Checks the `^`...`$` text rule, then compiles within the size limits; errors are the user's abort message.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    if !(pattern.starts_with('^') && pattern.ends_with('$')) {
        return Err(
            r#"Regex must be surrounded by "^" and "$" pair to match the whole string"#.to_owned(),
        );
    }
    RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|err| err.to_string())
}
