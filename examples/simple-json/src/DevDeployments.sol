// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The vlayer contracts this example deploys next to its own on a dev chain; importing them here makes forge
// build their artifacts in out/.
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";

/// @dev Empty: this file exists for its imports.
library DevDeployments {}
