// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";

interface IERC20Balance {
    function balanceOf(address owner) external view returns (uint256);
}

/// @notice Proves an owner's average ERC20 balance over a range of past blocks, sampled every `step` blocks, by
///         time travelling (`setBlock`) to each sample and reading the balance there.
contract AverageBalanceProver is Prover {
    /// @dev Each sample makes the proof carry one more block's state, and every header back to the oldest sample.
    uint256 public constant MAX_SAMPLES = 32;

    IERC20Balance public immutable TOKEN;

    error BadRange(uint256 fromBlock, uint256 toBlock, uint256 step);

    constructor(IERC20Balance token) {
        TOKEN = token;
    }

    /// @return proof placeholder, then the public outputs the verifier receives: the owner, the sampled range and
    ///         the average balance over the `(toBlock - fromBlock) / step + 1` samples.
    function averageBalanceOf(address owner, uint256 fromBlock, uint256 toBlock, uint256 step)
        public
        returns (Proof memory, address, uint256, uint256, uint256)
    {
        if (step == 0 || fromBlock > toBlock || (toBlock - fromBlock) / step >= MAX_SAMPLES) {
            revert BadRange(fromBlock, toBlock, step);
        }
        uint256 total;
        uint256 samples;
        for (uint256 blockNumber = fromBlock; blockNumber <= toBlock; blockNumber += step) {
            setBlock(blockNumber);
            total += TOKEN.balanceOf(owner);
            samples++;
        }
        return (proof(), owner, fromBlock, toBlock, total / samples);
    }
}
