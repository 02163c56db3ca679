// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../src/Proof.sol";
import {Prover} from "../../src/Prover.sol";

interface IBalanceOf {
    function balanceOf(address owner) external view returns (uint256);
}

/// @notice Example prover: token balances at the block the call is proven on. The forge tests and the Python
///         tests on anvil (preflight, native guest, dev-mode proof) both use it.
contract TokenBalanceProver is Prover {
    IBalanceOf public immutable TOKEN;

    constructor(IBalanceOf token) {
        TOKEN = token;
    }

    function balance(address owner) public view returns (Proof memory, address, uint256) {
        return (proof(), owner, TOKEN.balanceOf(owner));
    }

    /// @notice Same outputs as `balance`, another selector: a proof of one must not pass for the other.
    function richer(address a, address b) public view returns (Proof memory, address, uint256) {
        (uint256 balanceA, uint256 balanceB) = (TOKEN.balanceOf(a), TOKEN.balanceOf(b));
        return balanceA >= balanceB ? (proof(), a, balanceA) : (proof(), b, balanceB);
    }

    /// @notice Dynamic outputs: their offsets in the journal must line up with the verifier's calldata.
    function balances(address[] calldata owners) public view returns (Proof memory, address[] memory, uint256[] memory) {
        uint256[] memory amounts = new uint256[](owners.length);
        for (uint256 i = 0; i < owners.length; i++) {
            amounts[i] = TOKEN.balanceOf(owners[i]);
        }
        return (proof(), owners, amounts);
    }

    /// @notice A balance at an earlier block: needs the host's time travel.
    function balanceAt(address owner, uint256 blockNumber) public returns (Proof memory, address, uint256) {
        setBlock(blockNumber);
        return (proof(), owner, TOKEN.balanceOf(owner));
    }
}
