// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";

interface IBalance {
    function balanceOf(address owner) external view returns (uint256);
}

interface IVault {
    function assetsOf(address owner) external view returns (uint256);
}

/// @notice Proves a holder's whole position in a token: what the wallet holds plus what it holds through a vault.
///         The vault's figure is itself a cross-contract read (vault -> token), so the proof covers a call chain
///         across three contracts.
contract PositionProver is Prover {
    IBalance public immutable TOKEN;
    IVault public immutable VAULT;

    constructor(IBalance token, IVault vault) {
        TOKEN = token;
        VAULT = vault;
    }

    function position(address owner) public view returns (Proof memory, address, uint256, uint256) {
        return (proof(), owner, TOKEN.balanceOf(owner), VAULT.assetsOf(owner));
    }
}
