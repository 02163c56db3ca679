//! Decoding of the ABI inputs the JSON, regex and URL-pattern precompiles share.

use alloy_sol_types::{abi::AbiDecoderConfig, sol_data, SolType};

/// `abi.encode(string[2])`, the input of every two-string precompile.
type StringPair = sol_data::FixedArray<sol_data::String, 2>;

/// Solidity's `abi.encode` is canonical, so strict decoding refuses only what no Solidity caller produces (dirty
/// padding, overlapping or trailing data, invalid UTF-8), instead of guessing what such bytes meant.
pub(crate) const fn config() -> AbiDecoderConfig {
    AbiDecoderConfig::new().strict(true)
}

/// The message of a malformed input: which precompile, what it takes, and alloy's reason.
pub(crate) fn invalid(precompile: &str, expected: &str, err: alloy_sol_types::Error) -> String {
    format!("Invalid input to {precompile}: expected abi.encode({expected}): {err}")
}

/// Decodes `abi.encode(string[2])`; `expected` names the two strings for the error message.
pub(crate) fn string_pair(
    input: &[u8],
    precompile: &str,
    expected: &str,
) -> Result<[String; 2], String> {
    StringPair::abi_decode_with_config(input, config())
        .map_err(|err| invalid(precompile, expected, err))
}
