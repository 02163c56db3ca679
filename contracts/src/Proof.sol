// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions, CallAssumptionsLib} from "./CallAssumptions.sol";
import {Seal, SealLib} from "./Seal.sol";

/// @notice A vlayer v1 proof: the first argument of every verified function. All fields are static, so its ABI
///         encoding is always 544 bytes and the outputs that follow it sit at fixed offsets in calldata.
/// @dev `length` is the byte length of the guest's journal; `callGuestId` is the zkVM image ID that produced it.
struct Proof {
    Seal seal;
    bytes32 callGuestId;
    uint256 length;
    CallAssumptions callAssumptions;
}

library ProofLib {
    /// @dev Where `callAssumptions` starts inside the encoded proof: after the seal, call guest id and length.
    uint256 internal constant CALL_ASSUMPTIONS_OFFSET = SealLib.ENCODED_LENGTH + 32 + 32;
    uint256 internal constant ENCODED_LENGTH = CALL_ASSUMPTIONS_OFFSET + CallAssumptionsLib.ENCODED_LENGTH;

    /// @notice The all-zero proof a prover function returns in place of the proof it cannot know yet.
    function emptyProof() internal pure returns (Proof memory empty) {}
}
