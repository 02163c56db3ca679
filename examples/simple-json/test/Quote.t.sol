// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {JsonLib} from "vlayer/Json.sol";
import {Precompiles} from "vlayer/PrecompilesAddresses.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {PrecompileStubs} from "vlayer-test/PrecompileStub.sol";
import {Test} from "vlayer-test/Test.sol";
import {QuoteProver} from "../src/QuoteProver.v.sol";
import {QuoteVerifier} from "../src/QuoteVerifier.sol";

/// @notice The prover's checks and the verifier, with hand-made dev proofs of the prover's real return data. forge
///         runs no vlayer engine, so the JSON, regex and URL-pattern precompiles are stubs answering what the engine
///         would for the document (the engine's own tests check JMESPath and the patterns; vlayer/app.py runs the
///         real thing).
contract QuoteTest is Test {
    string internal constant DOCUMENT = '{"ok":true,"source":"https://api.example.com/v1/ticker/ETH-USD","data":{}}';
    string internal constant SOURCE = "https://api.example.com/v1/ticker/ETH-USD";
    uint256 internal constant SETTLE = 500;

    QuoteProver internal prover;
    QuoteVerifier internal verifier;

    function setUp() public {
        prover = new QuoteProver();
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new QuoteVerifier(new FakeProofVerifier(repository), address(prover));
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    function _pair(string memory a, string memory b) internal pure returns (bytes memory) {
        string[2] memory pair = [a, b];
        return abi.encode(pair);
    }

    /// @dev The engine's answers for `document`: it is `ok`, from `source` (matching the pattern or not), for
    ///      `pair` (a pair or not), at price 3021.25, timestamp 1767348000, with three trades.
    function _stubEngine(string memory document, bool ok, bool sourceMatches, string memory pair, bool pairMatches)
        internal
    {
        PrecompileStubs.install(vm, Precompiles.JSON_GET_BOOL).answer(_pair(document, "ok"), abi.encode(ok));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_STRING).answer(_pair(document, "source"), abi.encode(SOURCE));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_STRING).answer(_pair(document, "data.pair"), abi.encode(pair));
        PrecompileStubs.install(vm, Precompiles.URL_PATTERN_TEST)
            .answer(_pair(SOURCE, prover.SOURCE_PATTERN()), abi.encode(sourceMatches));
        PrecompileStubs.install(vm, Precompiles.REGEX_MATCH)
            .answer(_pair(pair, prover.PAIR_PATTERN()), abi.encode(pairMatches));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_FLOAT_AS_INT)
            .answer(abi.encode(JsonLib.FloatInput(document, "data.price", 2)), abi.encode(int64(302125)));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_INT)
            .answer(_pair(document, "data.timestamp"), abi.encode(int64(1767348000)));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_INT)
            .answer(_pair(document, "data.trades | length(@)"), abi.encode(int64(3)));
    }

    function _record(string memory document) internal view returns (bytes memory) {
        (Proof memory placeholder, bytes32 hash, string memory pair, int256 price, int256 timestamp, int256 trades) =
            prover.main(document);
        bytes memory returnData = abi.encode(placeholder, hash, pair, price, timestamp, trades);
        CallAssumptions memory ca =
            CallAssumptions(address(prover), QuoteProver.main.selector, block.chainid, SETTLE, keccak256("settle"));
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(QuoteVerifier.record.selector, proof, returnData);
    }

    function test_theProverReadsTheQuote() public {
        _stubEngine(DOCUMENT, true, true, "ETH/USD", true);
        (, bytes32 hash, string memory pair, int256 price, int256 timestamp, int256 trades) = prover.main(DOCUMENT);
        assertEq(hash, keccak256(bytes(DOCUMENT)), "document hash");
        assertEq(bytes(pair), "ETH/USD", "pair");
        assertTrue(price == 302125 && timestamp == 1767348000 && trades == 3, "price, timestamp, trades");
    }

    function test_theProverRefusesWhatItShouldNotProve() public {
        _stubEngine(DOCUMENT, false, true, "ETH/USD", true);
        bytes memory call = abi.encodeCall(QuoteProver.main, (DOCUMENT));
        assertRevertsWith(address(prover), call, abi.encodeWithSelector(QuoteProver.FeedNotOk.selector), "not ok");
        _stubEngine(DOCUMENT, true, false, "ETH/USD", true);
        assertRevertsWith(
            address(prover), call, abi.encodeWithSelector(QuoteProver.UnknownSource.selector, SOURCE), "source"
        );
        _stubEngine(DOCUMENT, true, true, "eth-usd", false);
        assertRevertsWith(
            address(prover), call, abi.encodeWithSelector(QuoteProver.NotAPair.selector, "eth-usd"), "pair"
        );
    }

    function test_aVerifiedQuoteIsRecordedOnce() public {
        _stubEngine(DOCUMENT, true, true, "ETH/USD", true);
        bytes memory claim = _record(DOCUMENT);
        (bool ok,) = address(verifier).call(claim);
        assertTrue(ok, "record accepted");
        QuoteVerifier.Quote memory quote = verifier.quoteOf(keccak256(bytes(DOCUMENT)));
        assertEq(bytes(quote.pair), "ETH/USD", "pair");
        assertTrue(quote.price == 302125 && quote.timestamp == 1767348000 && quote.trades == 3, "values");
        assertEq(quote.recordedBy, address(this), "recorded by");
        assertRevertsWith(
            address(verifier),
            claim,
            abi.encodeWithSelector(QuoteVerifier.AlreadyRecorded.selector, keccak256(bytes(DOCUMENT))),
            "second record"
        );
    }

    function test_aTamperedQuoteIsRejected() public {
        _stubEngine(DOCUMENT, true, true, "ETH/USD", true);
        bytes memory claim = _record(DOCUMENT);
        // The price word: after the selector, the proof, the document hash and the pair's offset.
        claim[4 + 544 + 64 + 31] ^= 0x01;
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "price");
        claim = _record(DOCUMENT);
        claim[claim.length - 1] ^= 0x01; // as vlayer/app.py does: the pair's padding
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "padding");
        assertRevertsWith(
            address(verifier),
            abi.encodeCall(QuoteVerifier.quoteOf, (keccak256(bytes(DOCUMENT)))),
            abi.encodeWithSelector(QuoteVerifier.UnknownDocument.selector, keccak256(bytes(DOCUMENT))),
            "nothing recorded"
        );
    }
}
