//! URL pattern test (vlayer v1's `URL_PATTERN_TEST` precompile): whether a URL matches a WHATWG URLPattern
//! constructor string such as `https://example.com/*?*` or `(http|https)://example.com/path`.
//!
//! Input: `abi.encode(string[2])` = `[url, pattern]`. Output: `abi.encode(bool)`. The pattern is parsed with no base
//! URL (so it must be absolute), then the URL with the WHATWG URL parser; their error messages are the `urlpattern`
//! and `url` crates', passed through (`a relative input without a base URL is not valid`,
//! `relative URL without a base`, ...).
//!
//! Regular-expression groups in the pattern use Rust `regex` syntax. Unlike the `urlpattern` crate's own
//! `regex::Regex` backend, ours compiles them within the same 1,000,000-byte limits as the regex precompiles
//! (a larger group fails with the crate's `regexp error`), so no pattern can make the guest build an unbounded
//! automaton. Matching is linear in the URL, which is bounded by gas.

use alloy_sol_types::SolValue;
use url::Url;
use urlpattern::{
    regexp::RegExp, RegexSyntax, UrlPattern, UrlPatternInit, UrlPatternMatchInput,
    UrlPatternOptions,
};

use crate::regex::SIZE_LIMIT;

const PAIR: &str = "string[2] [url, pattern]";

/// `URL_PATTERN_TEST`: whether `url` matches `pattern`.
pub fn test(input: &[u8]) -> Result<Vec<u8>, String> {
    let [url, pattern] = crate::args::string_pair(input, "UrlPatternTest", PAIR)?;
    let init = UrlPatternInit::parse_constructor_string::<BoundedRegex>(&pattern, None)
        .map_err(|err| err.to_string())?;
    let pattern = UrlPattern::<BoundedRegex>::parse(init, UrlPatternOptions::default())
        .map_err(|err| err.to_string())?;
    let url = Url::parse(&url).map_err(|err| err.to_string())?;
    pattern
        .test(UrlPatternMatchInput::Url(url))
        .map(|matched| matched.abi_encode())
        .map_err(|err| err.to_string())
}

/// `regex::Regex` with the regex precompiles' size limits, as the URL pattern's regexp engine.
struct BoundedRegex(regex::Regex);

impl RegExp for BoundedRegex {
    fn syntax() -> RegexSyntax {
        RegexSyntax::Rust
    }

    fn parse(pattern: &str, _flags: &str, _force_eval: bool) -> Result<Self, ()> {
        regex::RegexBuilder::new(pattern)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map(BoundedRegex)
            .map_err(|_| ())
    }

    fn matches<'a>(&self, text: &'a str) -> Option<Vec<Option<&'a str>>> {
        let captures = self.0.captures(text)?;
        Some(
            captures
                .iter()
                .skip(1)
                .map(|group| group.map(|m| m.as_str()))
                .collect(),
        )
    }

    fn pattern_string(&self) -> &str {
        self.0.as_str()
    }
}
