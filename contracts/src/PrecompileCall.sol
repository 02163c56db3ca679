// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice How vlayer's libraries call a precompile (`Precompiles` addresses).
/// @dev A precompile that fails on its input does not return at all: it aborts the whole execution with its message
///      (vlayer v1's semantics), so nothing here can see it. What does come back as a failed call is running out of
///      gas (no return data) or, in a test that etches code at a precompile address, a revert; both are surfaced as
///      vlayer v1 surfaced them through OpenZeppelin's `Address.verifyCallResult`: the callee's revert data as is,
///      or `FailedInnerCall()` when there is none.
library PrecompileCall {
    /// @notice The precompile call failed without revert data (out of gas). OpenZeppelin 5.0's name and selector
    ///         (0x1425ea42), which vlayer v1 reverted with.
    error FailedInnerCall();
    /// @notice Nothing answered at `precompile`: the call ran on a plain node (an `eth_call`, a forge test) rather
    ///         than in vlayer's preflight or guest, where the address is empty and a call to it returns no data.
    error PrecompileNotAvailable(address precompile);

    function call(address precompile, bytes memory input) internal view returns (bytes memory output) {
        bool ok;
        (ok, output) = precompile.staticcall(input);
        if (!ok) {
            if (output.length == 0) {
                revert FailedInnerCall();
            }
            assembly ("memory-safe") {
                revert(add(output, 0x20), mload(output))
            }
        }
        // Every vlayer precompile answers with ABI-encoded data, never nothing.
        if (output.length == 0) {
            revert PrecompileNotAvailable(precompile);
        }
    }
}
