// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";

interface IERC20Balance {
    function balanceOf(address owner) external view returns (uint256);
}

/// @notice Proves an ERC20 balance at the block the call runs on.
contract SimpleProver is Prover {
    IERC20Balance public immutable TOKEN;

    constructor(IERC20Balance token) {
        TOKEN = token;
    }

    function balance(address owner) public view returns (Proof memory, address, uint256) {
        return (proof(), owner, TOKEN.balanceOf(owner));
    }
}
