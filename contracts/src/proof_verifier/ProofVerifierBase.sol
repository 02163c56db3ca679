// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IImageIdRepository} from "../ImageIdRepository.sol";
import {Proof} from "../Proof.sol";
import {IRiscZeroVerifier} from "../risc0/IRiscZeroVerifier.sol";
import {ProofMode, SealLib} from "../Seal.sol";
import {SettleBlock} from "../SettleBlock.sol";
import {IProofVerifier} from "./IProofVerifier.sol";

/// @notice The checks every vlayer proof passes, in order, each failing with its own error; the seal comes last so
///         that a mismatched environment is reported as such rather than as a failed proof.
abstract contract ProofVerifierBase is IProofVerifier {
    /// @dev BLOCKHASH answers for the 256 most recent blocks (vlayer v1's window); `settlementWindow()` is the one
    ///      this chain offers now, up to 8,191 blocks through EIP-2935's history contract (`SettleBlock`).
    uint256 public constant AVAILABLE_HISTORICAL_BLOCKS = 256;

    ProofMode public immutable PROOF_MODE;
    IRiscZeroVerifier public immutable VERIFIER;
    IImageIdRepository public immutable IMAGE_ID_REPOSITORY;

    error InvalidProofMode(ProofMode expected, ProofMode received);
    error InvalidProver(address expected, address received);
    error InvalidSelector(bytes4 expected, bytes4 received);
    error InvalidChainId(uint256 expected, uint256 received);
    error BlockFromFuture(uint256 settleBlockNumber, uint256 currentBlockNumber);
    error BlockTooOld(uint256 settleBlockNumber, uint256 currentBlockNumber);
    error InvalidBlockHash(uint256 settleBlockNumber, bytes32 expected, bytes32 received);
    error UnsupportedImageId(bytes32 imageId);

    constructor(ProofMode mode, IRiscZeroVerifier verifier, IImageIdRepository repository) {
        PROOF_MODE = mode;
        VERIFIER = verifier;
        IMAGE_ID_REPOSITORY = repository;
    }

    /// @notice How old (in blocks) a proof's settle block may be on this chain now: 256, or 8,191 where the EIP-2935
    ///         history contract is deployed (Prague and later).
    function settlementWindow() external view returns (uint256) {
        return SettleBlock.window();
    }

    function imageIdRepository() external view returns (IImageIdRepository) {
        return IMAGE_ID_REPOSITORY;
    }

    function verify(Proof calldata proof, bytes32 journalDigest, address expectedProver, bytes4 expectedSelector)
        external
        view
    {
        if (proof.seal.mode != PROOF_MODE) {
            revert InvalidProofMode(PROOF_MODE, proof.seal.mode);
        }
        _verifyCallAssumptions(proof, expectedProver, expectedSelector);
        // The image id is bound by the seal anyway; checking it first names the problem (an unknown guest).
        if (!IMAGE_ID_REPOSITORY.isImageSupported(proof.callGuestId)) {
            revert UnsupportedImageId(proof.callGuestId);
        }
        VERIFIER.verify(SealLib.toReceiptSeal(proof.seal), proof.callGuestId, journalDigest);
    }

    function _verifyCallAssumptions(Proof calldata proof, address prover, bytes4 selector) private view {
        address proofProver = proof.callAssumptions.proverContractAddress;
        if (proofProver != prover) {
            revert InvalidProver(prover, proofProver);
        }
        if (proof.callAssumptions.functionSelector != selector) {
            revert InvalidSelector(selector, proof.callAssumptions.functionSelector);
        }
        if (proof.callAssumptions.settleChainId != block.chainid) {
            revert InvalidChainId(block.chainid, proof.callAssumptions.settleChainId);
        }
        uint256 settle = proof.callAssumptions.settleBlockNumber;
        if (settle >= block.number) {
            revert BlockFromFuture(settle, block.number);
        }
        bytes32 canonical = SettleBlock.hashOf(settle);
        if (canonical == bytes32(0)) {
            revert BlockTooOld(settle, block.number);
        }
        if (proof.callAssumptions.settleBlockHash != canonical) {
            revert InvalidBlockHash(settle, canonical, proof.callAssumptions.settleBlockHash);
        }
    }
}
