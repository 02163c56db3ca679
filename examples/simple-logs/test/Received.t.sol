// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Logs} from "vlayer/Logs.sol";
import {Proof, ProofLib} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {Test} from "vlayer-test/Test.sol";
import {ReceivedProver} from "../src/ReceivedProver.v.sol";
import {ReceivedVerifier} from "../src/ReceivedVerifier.sol";

contract ReceivedTest is Test {
    address internal constant HOLDER = address(0x5afe);
    address internal constant TOKEN = address(0x70c3);
    uint256 internal constant SETTLE = 500;

    ReceivedProver internal prover;
    ReceivedVerifier internal verifier;

    function setUp() public {
        prover = new ReceivedProver(TOKEN);
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new ReceivedVerifier(new FakeProofVerifier(repository), address(prover), 50 ether, 4);
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    /// @dev What the guest would commit for `received(HOLDER, fromBlock, toBlock)`: the logs are the guest's to
    ///      read, so the test states the outputs the way a proof would carry them.
    function _claim(uint256 fromBlock, uint256 toBlock, uint256 total) internal view returns (bytes memory) {
        bytes memory returnData = abi.encode(ProofLib.emptyProof(), HOLDER, fromBlock, toBlock, total, uint256(3));
        CallAssumptions memory ca = CallAssumptions(
            address(prover), ReceivedProver.received.selector, block.chainid, SETTLE, keccak256("settle")
        );
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(ReceivedVerifier.claimSupporter.selector, proof, returnData);
    }

    function test_aSupporterIsRecordedOnce() public {
        (bool ok,) = address(verifier).call(_claim(400, 480, 60 ether));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.supported(HOLDER), 60 ether, "recorded total");
        assertRevertsWith(
            address(verifier),
            _claim(400, 480, 60 ether),
            abi.encodeWithSelector(ReceivedVerifier.AlreadySupporter.selector, HOLDER),
            "second claim"
        );
    }

    function test_tooLittleOrTooShortIsRefused() public {
        assertRevertsWith(
            address(verifier),
            _claim(400, 480, 10 ether),
            abi.encodeWithSelector(ReceivedVerifier.ReceivedBelowThreshold.selector, 10 ether, 50 ether),
            "too little"
        );
        assertRevertsWith(
            address(verifier),
            _claim(478, 480, 60 ether),
            abi.encodeWithSelector(ReceivedVerifier.WindowTooShort.selector, 2, 4),
            "too short"
        );
    }

    function test_anInflatedTotalIsRejected() public {
        bytes memory data = _claim(400, 480, 10 ether);
        data[data.length - 40] = 0xff; // the proven total, now far above the threshold
        assertRevertsWith(address(verifier), data, abi.encodeWithSelector(VerificationFailed.selector), "inflated");
    }

    /// @dev Outside vlayer nothing answers the logs address: the prover refuses to run on an empty answer.
    function test_thePlainEvmCannotRunTheProver() public {
        assertRevertsWith(
            address(prover),
            abi.encodeCall(ReceivedProver.received, (HOLDER, 1, 2)),
            abi.encodeWithSelector(Logs.LogsNotSupported.selector),
            "no oracle"
        );
    }
}
