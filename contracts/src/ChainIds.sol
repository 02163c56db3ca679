// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Chains where fake (dev mode) proofs must never be accepted.
/// @dev A deny list of well-known mainnets: Ethereum 1, OP 10, BNB 56, Gnosis 100, Polygon 137, zkSync Era 324,
///      World Chain 480, Flow EVM 747, Polygon zkEVM 1101, Mantle 5000, Base 8453, Mode 34443, Arbitrum One 42161,
///      Arbitrum Nova 42170, Avalanche C 43114, Linea 59144, Blast 81457, Scroll 534352. A mainnet missing here is
///      not protected: deploy mock verifiers only on dev and test chains.
library ChainIds {
    function isMainnet(uint256 chainId) internal pure returns (bool) {
        return chainId == 1 || chainId == 10 || chainId == 56 || chainId == 100 || chainId == 137 || chainId == 324
            || chainId == 480 || chainId == 747 || chainId == 1101 || chainId == 5000 || chainId == 8453
            || chainId == 34443 || chainId == 42161 || chainId == 42170 || chainId == 43114 || chainId == 59144
            || chainId == 81457 || chainId == 534352;
    }

    /// @notice The local dev chains (chains/chains.json `dev_chains`: anvil's 31337 and the dev L2 31338), where
    ///         dev-only keys, such as the dev DNS notary's, are trusted.
    function isDevChain(uint256 chainId) internal pure returns (bool) {
        return chainId == 31337 || chainId == 31338;
    }
}
