// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IImageIdRepository} from "../ImageIdRepository.sol";
import {Proof} from "../Proof.sol";
import {ProofMode} from "../Seal.sol";
import {FakeProofVerifier} from "./FakeProofVerifier.sol";
import {Groth16ProofVerifier} from "./Groth16ProofVerifier.sol";
import {IProofVerifier} from "./IProofVerifier.sol";

/// @notice Sends each proof to the verifier for its mode, so one app contract takes dev-mode proofs and Groth16
///         proofs on a dev chain. Both must consult the same image id repository.
contract ProofVerifierRouter is IProofVerifier {
    FakeProofVerifier public immutable FAKE_PROOF_VERIFIER;
    Groth16ProofVerifier public immutable GROTH16_PROOF_VERIFIER;

    error RepositoryMismatch(IImageIdRepository fake, IImageIdRepository groth16);

    constructor(FakeProofVerifier fakeProofVerifier, Groth16ProofVerifier groth16ProofVerifier) {
        IImageIdRepository fakeRepository = fakeProofVerifier.imageIdRepository();
        IImageIdRepository groth16Repository = groth16ProofVerifier.imageIdRepository();
        if (address(fakeRepository) != address(groth16Repository)) {
            revert RepositoryMismatch(fakeRepository, groth16Repository);
        }
        FAKE_PROOF_VERIFIER = fakeProofVerifier;
        GROTH16_PROOF_VERIFIER = groth16ProofVerifier;
    }

    function imageIdRepository() external view returns (IImageIdRepository) {
        return GROTH16_PROOF_VERIFIER.imageIdRepository();
    }

    function verify(Proof calldata proof, bytes32 journalDigest, address expectedProver, bytes4 expectedSelector)
        external
        view
    {
        IProofVerifier target = proof.seal.mode == ProofMode.FAKE ? IProofVerifier(FAKE_PROOF_VERIFIER)
            : IProofVerifier(GROTH16_PROOF_VERIFIER);
        target.verify(proof, journalDigest, expectedProver, expectedSelector);
    }
}
