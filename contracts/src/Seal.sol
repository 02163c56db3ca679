// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev Order matters: it is the ABI value (GROTH16 = 0, FAKE = 1) vlayer v1 clients send.
enum ProofMode {
    GROTH16,
    FAKE
}

/// @notice A RISC Zero seal in a fixed-size form, so a `Proof` has one ABI layout whatever the mode.
/// @dev GROTH16: the eight words are the Groth16 proof (a, b, c) exactly as RISC Zero's seal carries it after its
///      4-byte selector. FAKE: word 0 is the receipt claim digest, the other words are unused.
struct Seal {
    bytes4 verifierSelector;
    bytes32[8] seal;
    ProofMode mode;
}

library SealLib {
    /// @dev selector word + 8 seal words + mode word.
    uint256 internal constant ENCODED_LENGTH = 32 + 8 * 32 + 32;

    /// @notice The seal bytes a RISC Zero verifier takes: selector followed by the proof (Groth16) or the claim
    ///         digest (fake).
    function toReceiptSeal(Seal calldata seal) internal pure returns (bytes memory) {
        if (seal.mode == ProofMode.FAKE) {
            return abi.encodePacked(seal.verifierSelector, seal.seal[0]);
        }
        return abi.encodePacked(seal.verifierSelector, seal.seal);
    }
}
