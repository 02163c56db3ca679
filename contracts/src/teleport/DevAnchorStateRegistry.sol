// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../access/Owned.sol";

/// @notice The one call vlayer makes to an L1 to learn which L2 state it may teleport to: the output root of the
///         latest L2 block the L1 accepts, as OP's AnchorStateRegistry (op-contracts v3 and later) answers it.
interface IAnchorStateRegistry {
    function getAnchorRoot() external view returns (bytes32 root, uint256 l2BlockNumber);
}

/// @notice A dev chain's stand-in for OP's AnchorStateRegistry: on a real L1 the anchor moves when a dispute game
///         over an output root resolves; here the owner (playing the proposer, and trusted as one) sets it.
/// @dev `vlayer.teleport.dev_registry` installs the runtime code at a fixed address with anvil_setCode and writes the
///      owner's slot itself, since no constructor runs: so no immutables, and the storage layout below (owner 0,
///      pendingOwner 1, then the anchor in 2 and 3) is part of the interface, pinned by DevAnchorStateRegistry.t.sol.
contract DevAnchorStateRegistry is IAnchorStateRegistry, Owned {
    bytes32 private anchoredRoot;
    uint256 private anchoredL2BlockNumber;

    event AnchorUpdated(bytes32 indexed root, uint256 indexed l2BlockNumber);

    error NothingAnchored();
    error ZeroRoot();
    /// @dev The anchor only moves forward, as OP's does: it is the newest L2 state the L1 accepts, and provers
    ///      teleport to it or below it, so moving it back would hand later proofs an L2 state already superseded.
    error AnchorNotNewer(uint256 l2BlockNumber, uint256 anchoredL2BlockNumber);

    constructor(address initialOwner) Owned(initialOwner) {}

    function getAnchorRoot() external view returns (bytes32 root, uint256 l2BlockNumber) {
        // A zero root is what an uninstalled or fresh registry holds; answering it would let the host and guest
        // compare an output root against nothing.
        if (anchoredRoot == bytes32(0)) {
            revert NothingAnchored();
        }
        return (anchoredRoot, anchoredL2BlockNumber);
    }

    function anchor(bytes32 root, uint256 l2BlockNumber) external onlyOwner {
        if (root == bytes32(0)) {
            revert ZeroRoot();
        }
        if (anchoredRoot != bytes32(0) && l2BlockNumber <= anchoredL2BlockNumber) {
            revert AnchorNotNewer(l2BlockNumber, anchoredL2BlockNumber);
        }
        anchoredRoot = root;
        anchoredL2BlockNumber = l2BlockNumber;
        emit AnchorUpdated(root, l2BlockNumber);
    }
}
