// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {Erc20Token, SimpleTeleportProver} from "./SimpleTeleportProver.v.sol";

/// @notice Mints one "whale" badge (a minimal non-transferable NFT) to each owner whose proven balances of the
///         accepted tokens, on whichever chains they live, add up to `THRESHOLD`. The balances come from a verified
///         `SimpleTeleportProver.crossChainBalanceOf` call, never from this chain's state.
/// @dev A balance is proven at the block the prover chose (an L2's one at most 8,192 blocks below the anchored
///      block): the badge records a holding at those blocks, not a current one.
contract SimpleTeleportVerifier is Verifier {
    address public immutable PROVER;
    uint256 public immutable THRESHOLD;

    /// @notice The tokens whose balances count, by chain: the prover reads whatever contract it is given, so a
    ///         token the verifier does not know could report any balance.
    mapping(uint256 chainId => mapping(address token => bool)) public accepted;
    mapping(address holder => bool) public claimed;
    mapping(uint256 tokenId => address) public ownerOf;
    mapping(address holder => uint256) public balanceOf;
    uint256 public totalSupply;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    error AlreadyClaimed(address holder);
    error BalanceBelowThreshold(uint256 balance, uint256 threshold);
    error UnknownToken(uint256 chainId, address token);
    error DuplicateToken(uint256 chainId, address token);
    error LengthMismatch(uint256 chainIds, uint256 tokens);

    constructor(
        IProofVerifier proofVerifier,
        address prover,
        uint256 threshold,
        uint256[] memory chainIds,
        address[] memory tokens
    ) Verifier(proofVerifier) {
        if (chainIds.length != tokens.length) {
            revert LengthMismatch(chainIds.length, tokens.length);
        }
        PROVER = prover;
        THRESHOLD = threshold;
        for (uint256 i = 0; i < tokens.length; i++) {
            accepted[chainIds[i]][tokens[i]] = true;
        }
    }

    function claimWhale(Proof calldata, address holder, Erc20Token[] calldata tokens)
        external
        onlyVerified(PROVER, SimpleTeleportProver.crossChainBalanceOf.selector)
    {
        if (claimed[holder]) {
            revert AlreadyClaimed(holder);
        }
        uint256 total;
        for (uint256 i = 0; i < tokens.length; i++) {
            Erc20Token calldata token = tokens[i];
            if (!accepted[token.chainId][token.addr]) {
                revert UnknownToken(token.chainId, token.addr);
            }
            // The same token at two blocks would count one holding twice.
            for (uint256 j = 0; j < i; j++) {
                if (tokens[j].chainId == token.chainId && tokens[j].addr == token.addr) {
                    revert DuplicateToken(token.chainId, token.addr);
                }
            }
            total += token.balance;
        }
        if (total < THRESHOLD) {
            revert BalanceBelowThreshold(total, THRESHOLD);
        }
        claimed[holder] = true;
        uint256 tokenId = ++totalSupply;
        ownerOf[tokenId] = holder;
        balanceOf[holder] += 1;
        emit Transfer(address(0), holder, tokenId);
    }
}
