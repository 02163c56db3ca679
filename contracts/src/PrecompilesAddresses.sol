// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The addresses where the vlayer host (preflight) and the zkVM guest answer vlayer's precompiles, as in
///         vlayer v1. Nothing is deployed there on a real chain: a prover that uses them can only be executed by
///         vlayer. docs/precompiles.md has each one's input and output.
/// @dev BASE is the first 19 bytes of `keccak256(uint256(keccak256("vlayer.precompiles")) - 1)` followed by a zero
///      byte (an EIP-7201-style slot, so it collides with nothing deployed); each precompile adds its own last byte.
///      The Rust crate `precompiles/` holds the same table (`Precompile::suffix`).
library Precompiles {
    address internal constant BASE = 0xF4E4FdcA9d5D55e64525e314391996a15f7EC600;

    /// @dev 0x00 is vlayer v1's web proof (TLSNotary) verifier, which is not built here: docs/precompiles.md says why.
    address internal constant VERIFY_EMAIL = address(uint160(BASE) + 0x01);
    address internal constant JSON_GET_STRING = address(uint160(BASE) + 0x02);
    address internal constant JSON_GET_INT = address(uint160(BASE) + 0x03);
    address internal constant JSON_GET_BOOL = address(uint160(BASE) + 0x04);
    address internal constant JSON_GET_FLOAT_AS_INT = address(uint160(BASE) + 0x05);
    address internal constant REGEX_MATCH = address(uint160(BASE) + 0x10);
    address internal constant REGEX_CAPTURE = address(uint160(BASE) + 0x11);
    address internal constant URL_PATTERN_TEST = address(uint160(BASE) + 0x20);
    /// @dev Opens a shielded request's sealed args with the prover's secret key (`Shielded.open`).
    address internal constant SHIELDED_OPEN = address(uint160(BASE) + 0x40);
    /// @dev `SHIELDED_OPEN` that answers `(false, "")` instead of aborting on a ciphertext that does not open
    ///      (`Shielded.tryOpen`).
    address internal constant SHIELDED_TRY_OPEN = address(uint160(BASE) + 0x41);
}
