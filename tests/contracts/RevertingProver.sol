// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../contracts/src/Proof.sol";
import {Prover} from "../../contracts/src/Prover.sol";
import {SelectorMismatch} from "../../contracts/src/risc0/IRiscZeroVerifier.sol";

/// @notice A prover that reverts in each of the ways revert data can read: its own custom error with arguments, one
///         of vlayer's errors, Error(string) and Panic(uint256).
contract RevertingProver is Prover {
    error BalanceTooLow(address owner, uint256 balance, uint256 needed);

    function balanceAtLeast(address owner, uint256 needed) public view returns (Proof memory, address, uint256) {
        require(owner != address(0), "owner is the zero address");
        if (needed == 1) {
            revert SelectorMismatch(bytes4(0x12345678), bytes4(0x9abcdef0));
        }
        if (needed == 2) {
            uint256 none = needed - 2;
            return (proof(), owner, owner.balance / none); // Panic(0x12)
        }
        if (owner.balance < needed) {
            revert BalanceTooLow(owner, owner.balance, needed);
        }
        return (proof(), owner, owner.balance);
    }
}
