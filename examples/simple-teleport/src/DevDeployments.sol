// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The vlayer contracts this example deploys next to its own on a dev chain; importing them here makes forge
// build their artifacts in out/.
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
// The dev L1's stand-in for OP's AnchorStateRegistry, which the app installs (vlayer.teleport.dev_registry).
import {DevAnchorStateRegistry} from "vlayer/teleport/DevAnchorStateRegistry.sol";

/// @dev Empty: this file exists for its imports.
library DevDeployments {}
