// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {AverageBalanceProver} from "./AverageBalanceProver.v.sol";

/// @notice Marks an owner as a loyal holder once a verified `AverageBalanceProver.averageBalanceOf` proof shows an
///         average balance of at least `THRESHOLD` over a window of at least `MIN_SPAN` blocks.
contract AverageBalanceVerifier is Verifier {
    address public immutable PROVER;
    uint256 public immutable THRESHOLD;
    uint256 public immutable MIN_SPAN;

    /// @notice The proven average of each loyal holder (zero: not loyal).
    mapping(address holder => uint256) public loyalAverage;

    event Loyal(address indexed holder, uint256 fromBlock, uint256 toBlock, uint256 averageBalance);

    error AlreadyLoyal(address holder);
    error WindowTooShort(uint256 span, uint256 minSpan);
    error AverageBelowThreshold(uint256 averageBalance, uint256 threshold);

    constructor(IProofVerifier proofVerifier, address prover, uint256 threshold, uint256 minSpan)
        Verifier(proofVerifier)
    {
        PROVER = prover;
        THRESHOLD = threshold;
        MIN_SPAN = minSpan;
    }

    function claimLoyalty(Proof calldata, address holder, uint256 fromBlock, uint256 toBlock, uint256 averageBalance)
        external
        onlyVerified(PROVER, AverageBalanceProver.averageBalanceOf.selector)
    {
        if (loyalAverage[holder] != 0) {
            revert AlreadyLoyal(holder);
        }
        if (toBlock - fromBlock < MIN_SPAN) {
            revert WindowTooShort(toBlock - fromBlock, MIN_SPAN);
        }
        if (averageBalance < THRESHOLD) {
            revert AverageBelowThreshold(averageBalance, THRESHOLD);
        }
        loyalAverage[holder] = averageBalance;
        emit Loyal(holder, fromBlock, toBlock, averageBalance);
    }
}
