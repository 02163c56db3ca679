// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JsonLib} from "vlayer/Json.sol";
import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";
import {RegexLib} from "vlayer/Regex.sol";
import {URLPatternLib} from "vlayer/URLPattern.sol";

/// @notice Reads a price quote out of a JSON document passed as calldata, with vlayer's JSON, regex and URL-pattern
///         precompiles, and proves what it read together with the document's hash.
/// @dev The proof shows what the document says, not where it came from: anyone can pass any document. (vlayer v1
///      proved a document's origin with web proofs, which are not built here; docs/precompiles.md.)
contract QuoteProver is Prover {
    using RegexLib for string;
    using URLPatternLib for string;

    string public constant SOURCE_PATTERN = "https://api.example.com/v1/ticker/*";
    string public constant PAIR_PATTERN = "^[A-Z]{2,6}/[A-Z]{3,4}$";
    /// @notice Prices are proven in hundredths (cents for a USD pair), truncated.
    uint8 public constant PRICE_DECIMALS = 2;

    error FeedNotOk();
    error UnknownSource(string source);
    error NotAPair(string pair);
    error NotAPrice(int256 price);

    /// @return The document's keccak256, the pair, its price in hundredths, the quote's timestamp and how many trades
    ///         the document lists.
    function main(string calldata document)
        public
        view
        returns (Proof memory, bytes32, string memory, int256, int256, int256)
    {
        if (!JsonLib.getBool(document, "ok")) {
            revert FeedNotOk();
        }
        string memory source = JsonLib.getString(document, "source");
        if (!source.test(SOURCE_PATTERN)) {
            revert UnknownSource(source);
        }
        string memory pair = JsonLib.getString(document, "data.pair");
        if (!pair.matches(PAIR_PATTERN)) {
            revert NotAPair(pair);
        }
        int256 price = JsonLib.getFloatAsInt(document, "data.price", PRICE_DECIMALS);
        if (price <= 0) {
            revert NotAPrice(price);
        }
        int256 timestamp = JsonLib.getInt(document, "data.timestamp");
        int256 trades = JsonLib.getInt(document, "data.trades | length(@)");
        return (proof(), keccak256(bytes(document)), pair, price, timestamp, trades);
    }
}
