// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IImageIdRepository} from "../ImageIdRepository.sol";
import {RiscZeroMockVerifier} from "../risc0/RiscZeroMockVerifier.sol";
import {ProofMode} from "../Seal.sol";
import {ProofVerifierBase} from "./ProofVerifierBase.sol";

/// @dev vlayer v1's selector for fake seals; provers in dev mode tag their seals with it.
bytes4 constant FAKE_VERIFIER_SELECTOR = bytes4(0xdeafbeef);

/// @notice Accepts dev-mode (FAKE) proofs: every check but the seal's cryptography. Its mock verifier refuses to
///         deploy on mainnets, and so does this contract.
contract FakeProofVerifier is ProofVerifierBase {
    constructor(IImageIdRepository repository)
        ProofVerifierBase(ProofMode.FAKE, new RiscZeroMockVerifier(FAKE_VERIFIER_SELECTOR), repository)
    {}
}
