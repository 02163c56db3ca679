// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What the prover reads from an auction, at the settle block: the bids as posted and the auction's rules.
/// @dev An interface apart from `SealedBidAuction` so that the auction (which names the prover's selector) and the
///      prover (which reads the auction) do not import each other.
interface ISealedBids {
    /// @notice The last block in which a bid is taken.
    function END_BLOCK() external view returns (uint64);
    /// @notice The lowest amount a bid may name to be valid.
    function RESERVE() external view returns (uint256);
    function bidCount() external view returns (uint256);
    /// @notice Bid `index` (0-based, in posting order): who posted it, the deposit it came with, and its envelope
    ///         `abi.encode(uint32 keyVersion, bytes sealed)`, whose plaintext is `abi.encode(address bidder, uint256
    ///         amount)`.
    function bidAt(uint256 index) external view returns (address bidder, uint256 deposit, bytes memory envelope);
}

/// @dev Bytes of a bid's plaintext, `abi.encode(address bidder, uint256 amount)`.
uint256 constant BID_PLAINTEXT_SIZE = 64;
/// @dev Bytes of a sealed bid: HPKE's `enc` (32) || the plaintext's ciphertext (64) || its ChaCha20-Poly1305 tag
///      (16). Every bid is this long, so the length of an envelope says nothing about its bid.
uint256 constant SEALED_BID_SIZE = 32 + BID_PLAINTEXT_SIZE + 16;
