// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PrecompileCall} from "./PrecompileCall.sol";
import {Precompiles} from "./PrecompilesAddresses.sol";

/// @notice Regular expressions with Rust `regex` semantics, run by vlayer's precompiles (vlayer v1 API). A pattern
///         must start with `^` and end with `$` (the whole string is matched); a bad pattern, or `capture` finding
///         no match, aborts the execution with the engine's message (`No match found`, ...).
library RegexLib {
    /// @notice Whether `source` matches `pattern`.
    function matches(string memory source, string memory pattern) internal view returns (bool) {
        bytes memory output = PrecompileCall.call(Precompiles.REGEX_MATCH, abi.encode([source, pattern]));
        return abi.decode(output, (bool));
    }

    /// @notice The first match of `pattern` in `source`: the whole match, then each group in order ("" for a group
    ///         that took no part in the match).
    function capture(string memory source, string memory pattern) internal view returns (string[] memory) {
        bytes memory output = PrecompileCall.call(Precompiles.REGEX_CAPTURE, abi.encode([source, pattern]));
        return abi.decode(output, (string[]));
    }
}
