// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {ReceivedProver} from "./ReceivedProver.v.sol";

/// @notice Records a supporter: a holder proven to have received at least `THRESHOLD` of the token over a window of
///         at least `MIN_SPAN` blocks. The amount comes from a verified `ReceivedProver.received` call.
contract ReceivedVerifier is Verifier {
    address public immutable PROVER;
    uint256 public immutable THRESHOLD;
    uint256 public immutable MIN_SPAN;

    mapping(address holder => uint256) public supported;

    event Supporter(address indexed holder, uint256 total, uint256 transfers);

    error AlreadySupporter(address holder);
    error WindowTooShort(uint256 span, uint256 minSpan);
    error ReceivedBelowThreshold(uint256 total, uint256 threshold);

    constructor(IProofVerifier proofVerifier, address prover, uint256 threshold, uint256 minSpan)
        Verifier(proofVerifier)
    {
        PROVER = prover;
        THRESHOLD = threshold;
        MIN_SPAN = minSpan;
    }

    function claimSupporter(
        Proof calldata,
        address holder,
        uint256 fromBlock,
        uint256 toBlock,
        uint256 total,
        uint256 transfers
    ) external onlyVerified(PROVER, ReceivedProver.received.selector) {
        if (supported[holder] != 0) revert AlreadySupporter(holder);
        if (toBlock - fromBlock < MIN_SPAN) revert WindowTooShort(toBlock - fromBlock, MIN_SPAN);
        if (total < THRESHOLD) revert ReceivedBelowThreshold(total, THRESHOLD);
        supported[holder] = total;
        emit Supporter(holder, total, transfers);
    }
}
