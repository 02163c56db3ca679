// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {SimpleProver} from "./SimpleProver.v.sol";

/// @notice Mints one reward badge (a minimal non-transferable NFT) to each holder whose proven balance reached
///         `THRESHOLD`; the balance comes from a verified `SimpleProver.balance` call, never from this chain's state.
contract SimpleVerifier is Verifier {
    address public immutable PROVER;
    uint256 public immutable THRESHOLD;

    mapping(address holder => bool) public claimed;
    mapping(uint256 tokenId => address) public ownerOf;
    mapping(address holder => uint256) public balanceOf;
    uint256 public totalSupply;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    error AlreadyClaimed(address holder);
    error BalanceBelowThreshold(uint256 balance, uint256 threshold);

    constructor(IProofVerifier proofVerifier, address prover, uint256 threshold) Verifier(proofVerifier) {
        PROVER = prover;
        THRESHOLD = threshold;
    }

    function claimWhale(Proof calldata, address holder, uint256 balance)
        external
        onlyVerified(PROVER, SimpleProver.balance.selector)
    {
        if (claimed[holder]) {
            revert AlreadyClaimed(holder);
        }
        if (balance < THRESHOLD) {
            revert BalanceBelowThreshold(balance, THRESHOLD);
        }
        claimed[holder] = true;
        uint256 tokenId = ++totalSupply;
        ownerOf[tokenId] = holder;
        balanceOf[holder] += 1;
        emit Transfer(address(0), holder, tokenId);
    }
}
