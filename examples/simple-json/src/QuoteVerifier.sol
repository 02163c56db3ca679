// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {QuoteProver} from "./QuoteProver.v.sol";

/// @notice Records, per JSON document (by its keccak256), the quote a verified `QuoteProver.main` call read from
///         it, once: anyone holding the document can check it against its hash, and contracts can use the values
///         without parsing JSON on chain.
contract QuoteVerifier is Verifier {
    struct Quote {
        string pair;
        int256 price;
        int256 timestamp;
        int256 trades;
        address recordedBy;
    }

    address public immutable PROVER;

    mapping(bytes32 documentHash => Quote) private quotes;

    event QuoteRecorded(bytes32 indexed documentHash, string pair, int256 price, int256 timestamp);

    error AlreadyRecorded(bytes32 documentHash);
    error UnknownDocument(bytes32 documentHash);

    constructor(IProofVerifier proofVerifier, address prover) Verifier(proofVerifier) {
        PROVER = prover;
    }

    function record(
        Proof calldata,
        bytes32 documentHash,
        string calldata pair,
        int256 price,
        int256 timestamp,
        int256 trades
    ) external onlyVerified(PROVER, QuoteProver.main.selector) {
        if (quotes[documentHash].recordedBy != address(0)) {
            revert AlreadyRecorded(documentHash);
        }
        quotes[documentHash] = Quote(pair, price, timestamp, trades, msg.sender);
        emit QuoteRecorded(documentHash, pair, price, timestamp);
    }

    function quoteOf(bytes32 documentHash) external view returns (Quote memory) {
        Quote memory quote = quotes[documentHash];
        if (quote.recordedBy == address(0)) {
            revert UnknownDocument(documentHash);
        }
        return quote;
    }
}
