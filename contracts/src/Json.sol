// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PrecompileCall} from "./PrecompileCall.sol";
import {Precompiles} from "./PrecompilesAddresses.sol";

/// @notice Values read from a JSON document (passed as calldata, read from state, or a web proof's body) at a
///         JMESPath path (`a.b[1]`, or an expression such as an array's length), by vlayer's precompiles. A
///         document that is not strict JSON, or a value of another type at the path (a missing one is `null`),
///         aborts the execution with the engine's message (`Expected type 'String' at a.b, but found Null`, ...).
///         `WebLib` reads a web's body through these.
library JsonLib {
    /// @dev The float-as-int precompile's input, ABI-encoded as this struct (vlayer v1's layout).
    struct FloatInput {
        string json;
        string path;
        uint8 precision;
    }

    function getString(string memory json, string memory path) internal view returns (string memory) {
        return abi.decode(PrecompileCall.call(Precompiles.JSON_GET_STRING, abi.encode([json, path])), (string));
    }

    /// @notice A JSON integer that fits in 64 bits (`12.0` is not one).
    function getInt(string memory json, string memory path) internal view returns (int256) {
        return abi.decode(PrecompileCall.call(Precompiles.JSON_GET_INT, abi.encode([json, path])), (int256));
    }

    function getBool(string memory json, string memory path) internal view returns (bool) {
        return abi.decode(PrecompileCall.call(Precompiles.JSON_GET_BOOL, abi.encode([json, path])), (bool));
    }

    /// @notice A JSON number times `10 ** precision`, truncated toward zero (`3.456` at precision 2 is 345).
    ///         `precision` is at most 18, and the scaled value must fit in 64 bits.
    function getFloatAsInt(string memory json, string memory path, uint8 precision) internal view returns (int256) {
        bytes memory input = abi.encode(FloatInput(json, path, precision));
        return abi.decode(PrecompileCall.call(Precompiles.JSON_GET_FLOAT_AS_INT, input), (int256));
    }
}
