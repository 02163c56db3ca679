// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The canonical hash of a recent block, for checking a proof's settle block: BLOCKHASH for the last 256
///         blocks, then the EIP-2935 history contract (Prague and later) up to 8,191 blocks, as RISC Zero Steel does.
///         A block outside the window, a chain without the contract (before Prague) or a failed lookup gives zero,
///         so callers fail closed.
library SettleBlock {
    /// @dev EIP-2935's history contract; its `get` takes a block number (32 bytes) and reverts outside its window.
    address internal constant HISTORY_CONTRACT = 0x0000F90827F1C53a10cb7A02335B175320002935;
    /// @dev BLOCKHASH answers for this many blocks.
    uint256 internal constant BLOCKHASH_WINDOW = 256;
    /// @dev EIP-2935's HISTORY_SERVE_WINDOW.
    uint256 internal constant HISTORY_WINDOW = 8191;

    /// @notice How many blocks back a settle block can be checked on this chain now.
    function window() internal view returns (uint256) {
        return HISTORY_CONTRACT.code.length == 0 ? BLOCKHASH_WINDOW : HISTORY_WINDOW;
    }

    /// @notice The hash of block `number`, or zero when it cannot be had (future, current, or out of the window).
    function hashOf(uint256 number) internal view returns (bytes32) {
        if (number >= block.number) {
            return bytes32(0);
        }
        uint256 age = block.number - number;
        if (age <= BLOCKHASH_WINDOW) {
            return blockhash(number);
        }
        if (age > HISTORY_WINDOW || HISTORY_CONTRACT.code.length == 0) {
            return bytes32(0);
        }
        (bool ok, bytes memory out) = HISTORY_CONTRACT.staticcall(abi.encode(number));
        if (!ok || out.length != 32) {
            return bytes32(0);
        }
        return abi.decode(out, (bytes32));
    }
}
