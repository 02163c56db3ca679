// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../src/Proof.sol";
import {Verifier} from "../../src/Verifier.sol";
import {IProofVerifier} from "../../src/proof_verifier/IProofVerifier.sol";
import {TokenBalanceProver} from "./TokenBalance.v.sol";

/// @notice Example verifier: records balances proven by one `TokenBalanceProver`.
contract TokenBalanceVerifier is Verifier {
    address public immutable PROVER;
    mapping(address owner => uint256) public provenBalance;

    event BalanceProven(address indexed owner, uint256 balance, uint256 settleBlockNumber);

    constructor(IProofVerifier proofVerifier, address prover) Verifier(proofVerifier) {
        PROVER = prover;
    }

    function claim(Proof calldata proof, address owner, uint256 amount)
        external
        onlyVerified(PROVER, TokenBalanceProver.balance.selector)
    {
        provenBalance[owner] = amount;
        emit BalanceProven(owner, amount, proof.callAssumptions.settleBlockNumber);
    }

    function claimAll(Proof calldata proof, address[] calldata owners, uint256[] calldata amounts)
        external
        onlyVerified(PROVER, TokenBalanceProver.balances.selector)
    {
        for (uint256 i = 0; i < owners.length; i++) {
            provenBalance[owners[i]] = amounts[i];
            emit BalanceProven(owners[i], amounts[i], proof.callAssumptions.settleBlockNumber);
        }
    }
}
