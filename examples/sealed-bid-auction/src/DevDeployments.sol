// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The vlayer contracts this example deploys next to its own on a dev chain; importing them here makes forge
// build their artifacts in out/.
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {RequestBook} from "vlayer/requests/RequestBook.sol";
import {VersionedStore} from "vlayer/requests/VersionedStore.sol";
import {ShieldingKeys} from "vlayer/shielding/ShieldingKeys.sol";

/// @dev Empty: this file exists for its imports.
library DevDeployments {}
