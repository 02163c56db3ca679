// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof, ProofLib} from "./Proof.sol";

/// @notice Calls a prover makes to move its execution to another block or chain. The vlayer host answers them while
///         it executes the prover; they return a value only so that Solidity emits a real CALL for them.
interface ITraveler {
    function setBlock(uint256 blockNumber) external returns (bool);
    function setChain(uint256 chainId, uint256 blockNumber) external returns (bool);
}

/// @notice Base for `*.v.sol` prover contracts. A proving function returns `proof()` as its first output, followed
///         by its public outputs; the guest's journal then holds that return data after the call assumptions, and
///         the matching verifier function takes `(Proof, outputs...)` with the same layout.
contract Prover {
    /// @dev vlayer v1's traveler address: the low 20 bytes of keccak256("vlayer.traveler"). Nothing is deployed
    ///      there on any chain, so on a plain node a call to it returns successfully with no data.
    address internal constant TRAVELER = address(uint160(uint256(keccak256("vlayer.traveler"))));

    /// @notice Placeholder for the first output of a proving function; the real proof is only known after proving.
    function proof() public pure returns (Proof memory) {
        return ProofLib.emptyProof();
    }

    /// @notice Time travel: run the rest of the call against block `blockNumber` of the current chain.
    function setBlock(uint256 blockNumber) public {
        _travel(abi.encodeCall(ITraveler.setBlock, (blockNumber)), "setBlock (time travel)");
    }

    /// @notice Teleport: run the rest of the call against block `blockNumber` of chain `chainId`.
    function setChain(uint256 chainId, uint256 blockNumber) public {
        _travel(abi.encodeCall(ITraveler.setChain, (chainId, blockNumber)), "setChain (teleport)");
    }

    /// @dev Anything but an explicit `true` from the traveler means nobody implements the hook here (a node's own
    ///      eth_call, or a host without it); continuing would silently prove the call on the wrong block.
    function _travel(bytes memory request, string memory hook) private {
        (bool ok, bytes memory answer) = TRAVELER.call(request);
        if (!ok || answer.length != 32 || abi.decode(answer, (uint256)) != 1) {
            revert(string.concat("vlayer: ", hook, " is not supported by this executor"));
        }
    }
}
