// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";

interface IERC20Balance {
    function balanceOf(address owner) external view returns (uint256);
}

/// @notice An ERC20 holding on some chain at some block: the caller names the first three fields, the prover fills
///         in `balance`.
struct Erc20Token {
    address addr;
    uint256 chainId;
    uint256 blockNumber;
    uint256 balance;
}

/// @notice Proves an owner's balances of ERC20 tokens on several chains, from the chain the proof settles on: it
///         teleports (`setChain`) to each token's chain and block and reads the balance there. An L2 block must be
///         one the settle chain anchors, or at most 8,192 blocks below it.
contract SimpleTeleportProver is Prover {
    /// @dev Each token is one more chain state (and its headers back to the block) in the proof.
    uint256 public constant MAX_TOKENS = 8;

    error TooManyTokens(uint256 count, uint256 max);

    /// @return proof placeholder, then the public outputs the verifier receives: the owner and the tokens with
    ///         their proven balances.
    function crossChainBalanceOf(address owner, Erc20Token[] memory tokens)
        public
        returns (Proof memory, address, Erc20Token[] memory)
    {
        if (tokens.length > MAX_TOKENS) {
            revert TooManyTokens(tokens.length, MAX_TOKENS);
        }
        for (uint256 i = 0; i < tokens.length; i++) {
            setChain(tokens[i].chainId, tokens[i].blockNumber);
            tokens[i].balance = IERC20Balance(tokens[i].addr).balanceOf(owner);
        }
        return (proof(), owner, tokens);
    }
}
