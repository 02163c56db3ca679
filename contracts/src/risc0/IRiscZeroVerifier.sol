// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A seal with the digest of the claim it attests to (RISC Zero's `Receipt`, same ABI).
struct Receipt {
    bytes seal;
    bytes32 claimDigest;
}

/// @dev Same signatures as RISC Zero's errors, so tools that decode their reverts decode ours.
error VerificationFailed();
error SelectorMismatch(bytes4 received, bytes4 expected);

/// @notice RISC Zero's verifier interface (same ABI): our verifiers, router and RISC Zero's deployed contracts are
///         interchangeable behind it.
interface IRiscZeroVerifier {
    /// @notice Reverts unless `seal` proves a successful run of `imageId` that committed a journal with this digest.
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view;

    /// @notice Reverts unless `receipt.seal` proves the claim whose digest is `receipt.claimDigest`.
    function verifyIntegrity(Receipt calldata receipt) external view;
}

/// @notice Verifiers that tag their seals with a 4-byte selector (for routing and version checks).
interface IRiscZeroSelectable {
    function SELECTOR() external view returns (bytes4);
}
