// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Prover} from "../../contracts/src/Prover.sol";
import {Ledger} from "./TravelProbe.sol";

/// @notice A prover that teleports (setChain) from the dev L1 to the dev L2 and back (host preflight vs guest).
contract TeleportProbe is Prover {
    function balanceOn(uint256 chainId, uint256 blockNumber, Ledger ledger, address owner) public returns (uint256) {
        setChain(chainId, blockNumber);
        return ledger.balanceOf(owner);
    }

    /// @dev An L2 balance at two blocks (setBlock moves along the chain the call is on), the L2 block's environment,
    ///      then the L1's own ledger back at the pinned block.
    function tour(uint256 l2, uint256 anchored, uint256 earlier, Ledger l2Ledger, Ledger l1Ledger, address owner)
        public
        returns (uint256 atAnchored, uint256 atEarlier, uint256 l2Number, uint256 onL1)
    {
        setChain(l2, anchored);
        atAnchored = l2Ledger.balanceOf(owner);
        setBlock(earlier);
        atEarlier = l2Ledger.balanceOf(owner);
        (l2Number,,,) = l2Ledger.env();
        setChain(block.chainid, block.number);
        onL1 = l1Ledger.balanceOf(owner);
    }
}
