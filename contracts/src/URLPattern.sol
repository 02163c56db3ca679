// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PrecompileCall} from "./PrecompileCall.sol";
import {Precompiles} from "./PrecompilesAddresses.sol";

/// @notice WHATWG URL Pattern matching (the `urlpattern` crate) by vlayer's precompile (vlayer v1 API).
library URLPatternLib {
    /// @notice Whether the absolute URL `url` matches the constructor-string `pattern` (for example
    ///         `https://api.example.com/v1/*`). A URL or pattern that does not parse aborts the execution.
    function test(string memory url, string memory pattern) internal view returns (bool) {
        bytes memory output = PrecompileCall.call(Precompiles.URL_PATTERN_TEST, abi.encode([url, pattern]));
        return abi.decode(output, (bool));
    }
}
