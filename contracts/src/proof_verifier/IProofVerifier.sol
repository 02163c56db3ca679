// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IImageIdRepository} from "../ImageIdRepository.sol";
import {Proof} from "../Proof.sol";

/// @notice Checks a vlayer proof against the chain it is verified on, then its seal (vlayer v1 interface).
interface IProofVerifier {
    /// @notice Reverts unless `proof` proves a call of `expectedSelector` on `expectedProver`, settled on a recent
    ///         block of this chain, whose journal hashes (sha256) to `journalDigest`.
    function verify(Proof calldata proof, bytes32 journalDigest, address expectedProver, bytes4 expectedSelector)
        external
        view;

    function imageIdRepository() external view returns (IImageIdRepository);
}
