// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "../../src/CallAssumptions.sol";
import {Proof} from "../../src/Proof.sol";
import {ProofMode, Seal} from "../../src/Seal.sol";
import {FAKE_VERIFIER_SELECTOR} from "../../src/proof_verifier/FakeProofVerifier.sol";
import {ReceiptClaimLib} from "../../src/risc0/ReceiptClaim.sol";

/// @notice Dev-mode proofs built the way the prover's fake mode builds them: the journal is the call assumptions
///         followed by the prover's raw return data, and the seal carries the receipt claim digest.
library DevProofs {
    /// @dev A test-only image id (no zkVM guest is involved in dev mode); tests register it in their repository.
    bytes32 internal constant TEST_IMAGE_ID = keccak256("vlayer test call guest");

    function journal(CallAssumptions memory assumptions, bytes memory returnData) internal pure returns (bytes memory) {
        return bytes.concat(abi.encode(assumptions), returnData);
    }

    function fakeProof(CallAssumptions memory assumptions, bytes memory returnData, bytes32 imageId)
        internal
        pure
        returns (Proof memory proof)
    {
        bytes memory j = journal(assumptions, returnData);
        bytes32[8] memory words;
        words[0] = ReceiptClaimLib.ok(imageId, sha256(j));
        proof = Proof(Seal(FAKE_VERIFIER_SELECTOR, words, ProofMode.FAKE), imageId, j.length, assumptions);
    }

    /// @notice The calldata of a verified function: its selector, the proof, then the prover's outputs exactly as
    ///         they follow the placeholder in the prover's return data.
    function verifierCall(bytes4 selector, Proof memory proof, bytes memory returnData)
        internal
        pure
        returns (bytes memory)
    {
        bytes memory outputs = new bytes(returnData.length - 544);
        for (uint256 i = 0; i < outputs.length; i++) {
            outputs[i] = returnData[544 + i];
        }
        return bytes.concat(selector, abi.encode(proof), outputs);
    }
}
