// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IImageIdRepository} from "../ImageIdRepository.sol";
import {IRiscZeroVerifier} from "../risc0/IRiscZeroVerifier.sol";
import {ProofMode} from "../Seal.sol";
import {ProofVerifierBase} from "./ProofVerifierBase.sol";

/// @notice Accepts Groth16 proofs. `verifier` is a `RiscZeroGroth16Verifier` for one zkVM release, or a
///         `RiscZeroVerifierRouter` (ours or RISC Zero's deployment) to follow several releases by seal selector.
contract Groth16ProofVerifier is ProofVerifierBase {
    constructor(IImageIdRepository repository, IRiscZeroVerifier verifier)
        ProofVerifierBase(ProofMode.GROTH16, verifier, repository)
    {}
}
