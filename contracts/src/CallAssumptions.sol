// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The environment a proven call ran in. The guest commits `abi.encode(CallAssumptions)` as the first 160
///         bytes of its journal (vlayer v1 layout), so a verifier can check each field against its own chain.
struct CallAssumptions {
    address proverContractAddress;
    bytes4 functionSelector;
    uint256 settleChainId;
    uint256 settleBlockNumber;
    bytes32 settleBlockHash;
}

library CallAssumptionsLib {
    /// @dev Five static fields, one ABI word each.
    uint256 internal constant ENCODED_LENGTH = 5 * 32;
}
