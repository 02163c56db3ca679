// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The OP-stack output root of an L2 block (version 0), the commitment an L1 anchors for its L2. vlayer's
///         host (`vlayer.teleport.output_root`) and guest compute the same; a test vector pins the three together.
library OutputRoot {
    bytes32 internal constant VERSION_0 = bytes32(0);

    /// @dev The L2ToL1MessagePasser predeploy: its storage root commits to every withdrawal the L2 has initiated,
    ///      which is why OP puts it in the output root next to the state root that already covers it.
    address internal constant MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    /// @dev The root of an empty trie: the message passer's storage root on an L2 where it holds nothing (a plain
    ///      anvil standing in for an L2 has no predeploys at all).
    bytes32 internal constant EMPTY_STORAGE_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;

    function hash(bytes32 stateRoot, bytes32 messagePasserStorageRoot, bytes32 blockHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(VERSION_0, stateRoot, messagePasserStorageRoot, blockHash));
    }
}
