// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof, ProofLib} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {Test} from "vlayer-test/Test.sol";
import {ExampleToken} from "../src/ExampleToken.sol";
import {AverageBalanceProver, IERC20Balance} from "../src/AverageBalanceProver.v.sol";
import {AverageBalanceVerifier} from "../src/AverageBalanceVerifier.sol";

contract AverageBalanceTest is Test {
    address internal constant HOLDER = address(0xa11ce);
    uint256 internal constant SETTLE = 500;

    AverageBalanceProver internal prover;
    AverageBalanceVerifier internal verifier;

    function setUp() public {
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        (holders[0], amounts[0]) = (HOLDER, 100 ether);
        prover = new AverageBalanceProver(IERC20Balance(address(new ExampleToken(holders, amounts))));
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new AverageBalanceVerifier(new FakeProofVerifier(repository), address(prover), 50 ether, 10);
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    /// @dev What a proving run of averageBalanceOf would hand the verifier (the prover itself needs a host that
    ///      answers setBlock, which forge's EVM does not).
    function _claim(address holder, uint256 fromBlock, uint256 toBlock, uint256 average)
        internal
        view
        returns (bytes memory)
    {
        bytes memory returnData = abi.encode(ProofLib.emptyProof(), holder, fromBlock, toBlock, average);
        CallAssumptions memory ca = CallAssumptions(
            address(prover), AverageBalanceProver.averageBalanceOf.selector, block.chainid, SETTLE, keccak256("settle")
        );
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(AverageBalanceVerifier.claimLoyalty.selector, proof, returnData);
    }

    function test_aLoyalHolderIsRecordedOnce() public {
        (bool ok,) = address(verifier).call(_claim(HOLDER, 100, 200, 60 ether));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.loyalAverage(HOLDER), 60 ether, "recorded average");
        assertRevertsWith(
            address(verifier),
            _claim(HOLDER, 100, 200, 60 ether),
            abi.encodeWithSelector(AverageBalanceVerifier.AlreadyLoyal.selector, HOLDER),
            "second claim"
        );
    }

    function test_aLowAverageOrShortWindowIsRefused() public {
        assertRevertsWith(
            address(verifier),
            _claim(HOLDER, 100, 200, 49 ether),
            abi.encodeWithSelector(AverageBalanceVerifier.AverageBelowThreshold.selector, 49 ether, 50 ether),
            "low average"
        );
        assertRevertsWith(
            address(verifier),
            _claim(HOLDER, 100, 105, 60 ether),
            abi.encodeWithSelector(AverageBalanceVerifier.WindowTooShort.selector, 5, 10),
            "short window"
        );
    }

    function test_aTamperedAverageIsRejected() public {
        bytes memory data = _claim(HOLDER, 100, 200, 49 ether);
        data[data.length - 9] = 0xff; // the proven average, now above the threshold
        assertRevertsWith(address(verifier), data, abi.encodeWithSelector(VerificationFailed.selector), "tampered");
        assertEq(verifier.loyalAverage(HOLDER), 0, "nothing recorded");
    }

    function test_theProverRefusesToRunWithoutATraveler() public {
        vm.expectRevert(bytes("vlayer: setBlock (time travel) is not supported by this executor"));
        prover.averageBalanceOf(HOLDER, 1, 2, 1);
    }

    function test_theProverRefusesBadRanges() public {
        vm.expectRevert(abi.encodeWithSelector(AverageBalanceProver.BadRange.selector, 5, 4, 1));
        prover.averageBalanceOf(HOLDER, 5, 4, 1);
        vm.expectRevert(abi.encodeWithSelector(AverageBalanceProver.BadRange.selector, 1, 100, 3));
        prover.averageBalanceOf(HOLDER, 1, 100, 3);
    }
}
