// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {Test} from "vlayer-test/Test.sol";
import {ExampleToken} from "../src/ExampleToken.sol";
import {IERC20Balance, SimpleProver} from "../src/SimpleProver.v.sol";
import {SimpleVerifier} from "../src/SimpleVerifier.sol";

contract SimpleTest is Test {
    address internal constant WHALE = address(0x3a1e);
    address internal constant SHRIMP = address(0x5e1f);
    uint256 internal constant SETTLE = 500;

    SimpleProver internal prover;
    SimpleVerifier internal verifier;

    function setUp() public {
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (holders[0], holders[1], amounts[0], amounts[1]) = (WHALE, SHRIMP, 2_000 ether, 1 ether);
        ExampleToken token = new ExampleToken(holders, amounts);
        prover = new SimpleProver(IERC20Balance(address(token)));
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new SimpleVerifier(new FakeProofVerifier(repository), address(prover), 1_000 ether);
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    function _claim(address holder) internal view returns (bytes memory) {
        (Proof memory placeholder, address owner, uint256 amount) = prover.balance(holder);
        bytes memory returnData = abi.encode(placeholder, owner, amount);
        CallAssumptions memory ca =
            CallAssumptions(address(prover), SimpleProver.balance.selector, block.chainid, SETTLE, keccak256("settle"));
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(SimpleVerifier.claimWhale.selector, proof, returnData);
    }

    function test_aVerifiedWhaleGetsOneBadge() public {
        (bool ok,) = address(verifier).call(_claim(WHALE));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.balanceOf(WHALE), 1, "badges");
        assertEq(uint160(verifier.ownerOf(1)), uint160(WHALE), "owner of badge 1");
        assertRevertsWith(
            address(verifier),
            _claim(WHALE),
            abi.encodeWithSelector(SimpleVerifier.AlreadyClaimed.selector, WHALE),
            "second claim"
        );
    }

    function test_aSmallHolderGetsNothing() public {
        assertRevertsWith(
            address(verifier),
            _claim(SHRIMP),
            abi.encodeWithSelector(SimpleVerifier.BalanceBelowThreshold.selector, 1 ether, 1_000 ether),
            "shrimp"
        );
    }

    function test_anInflatedBalanceIsRejected() public {
        bytes memory data = _claim(SHRIMP);
        data[data.length - 5] = 0xff; // the proven balance, now far above the threshold
        assertRevertsWith(address(verifier), data, abi.encodeWithSelector(VerificationFailed.selector), "inflated");
        assertEq(verifier.totalSupply(), 0, "nothing minted");
    }
}
