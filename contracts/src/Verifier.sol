// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptionsLib} from "./CallAssumptions.sol";
import {Proof, ProofLib} from "./Proof.sol";
import {IProofVerifier} from "./proof_verifier/IProofVerifier.sol";

/// @notice Base for contracts that act on proven calls. A verified function takes `(Proof calldata proof,
///         outputs...)` where the outputs are exactly the prover function's outputs after its `Proof` placeholder,
///         and is guarded by `onlyVerified(prover, selector)`.
/// @dev The prover's return data is `abi.encode(emptyProof, outputs...)` and this function's calldata after its
///      selector is `abi.encode(proof, outputs...)`: the proof is static (544 bytes), so everything after it,
///      dynamic offsets included, is byte for byte the prover's return data after the placeholder. The journal is
///      rebuilt from calldata as `abi.encode(callAssumptions) || abi.encode(emptyProof) || outputs` and hashed.
abstract contract Verifier {
    uint256 private constant PROOF_BEGIN = 4;
    uint256 private constant PROOF_END = PROOF_BEGIN + ProofLib.ENCODED_LENGTH;
    uint256 private constant CALL_ASSUMPTIONS_BEGIN = PROOF_BEGIN + ProofLib.CALL_ASSUMPTIONS_OFFSET;
    /// @dev Shortest journal: call assumptions and the placeholder, no outputs.
    uint256 private constant MIN_JOURNAL_LENGTH = CallAssumptionsLib.ENCODED_LENGTH + ProofLib.ENCODED_LENGTH;

    IProofVerifier public immutable PROOF_VERIFIER;

    error CalldataTooShort(uint256 length);
    error JournalLengthOutOfRange(uint256 journalLength, uint256 calldataLength);

    constructor(IProofVerifier proofVerifier) {
        PROOF_VERIFIER = proofVerifier;
    }

    modifier onlyVerified(address prover, bytes4 selector) {
        _verify(prover, selector);
        _;
    }

    function _verify(address prover, bytes4 selector) internal view {
        if (msg.data.length < PROOF_END) {
            revert CalldataTooShort(msg.data.length);
        }
        Proof memory proof = abi.decode(msg.data[PROOF_BEGIN:PROOF_END], (Proof));
        PROOF_VERIFIER.verify(proof, _journalDigest(proof.length), prover, selector);
    }

    function _journalDigest(uint256 journalLength) private pure returns (bytes32) {
        if (journalLength < MIN_JOURNAL_LENGTH || journalLength - MIN_JOURNAL_LENGTH > msg.data.length - PROOF_END) {
            revert JournalLengthOutOfRange(journalLength, msg.data.length);
        }
        uint256 outputsEnd = PROOF_END + (journalLength - MIN_JOURNAL_LENGTH);
        return sha256(
            bytes.concat(
                msg.data[CALL_ASSUMPTIONS_BEGIN:PROOF_END],
                abi.encode(ProofLib.emptyProof()),
                msg.data[PROOF_END:outputsEnd]
            )
        );
    }
}
