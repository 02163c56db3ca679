// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageID} from "vlayer/ImageID.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {ProofVerifierBase} from "vlayer/proof_verifier/ProofVerifierBase.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {VTest} from "vlayer-test/VTest.sol";
import {ExampleToken} from "../src/ExampleToken.sol";
import {IERC20Balance, SimpleProver} from "../src/SimpleProver.v.sol";
import {SimpleVerifier} from "../src/SimpleVerifier.sol";

/// @notice The prover and its verifier together: each call is proven by vlayer (preflight and guest, dev mode) on
///         this test's own state, and the proof goes to the verifier as on a dev chain.
contract SimpleProveTest is VTest {
    address internal constant WHALE = address(0x3a1e);
    address internal constant SHRIMP = address(0x5e1f);

    ExampleToken internal token;
    SimpleProver internal prover;
    SimpleVerifier internal verifier;

    function setUp() public {
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (holders[0], holders[1], amounts[0], amounts[1]) = (WHALE, SHRIMP, 2_000 ether, 1 ether);
        token = new ExampleToken(holders, amounts);
        prover = new SimpleProver(IERC20Balance(address(token)));
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(ImageID.RISC0_CALL_GUEST_ID);
        verifier = new SimpleVerifier(new FakeProofVerifier(repository), address(prover), 1_000 ether);
    }

    function _claimWhale(address holder) internal returns (bytes memory) {
        (bytes memory returnData, Proof memory proof) =
            vprove(address(prover), abi.encodeCall(prover.balance, (holder)));
        return DevProofs.verifierCall(SimpleVerifier.claimWhale.selector, proof, returnData);
    }

    function test_aProvenWhaleGetsOneBadge() public {
        uint256 proving = block.number;
        bytes memory claim = _claimWhale(WHALE);
        assertEq(block.number, proving + 1, "the test moved past the settle block");
        (bool ok,) = address(verifier).call(claim);
        assertTrue(ok, "claim accepted");
        assertEq(verifier.balanceOf(WHALE), 1, "badges");
        assertRevertsWith(
            address(verifier), claim, abi.encodeWithSelector(SimpleVerifier.AlreadyClaimed.selector, WHALE), "again"
        );
    }

    function test_theProofCarriesTheProversOutputs() public {
        (bytes memory returnData, Proof memory proof) =
            vprove(address(prover), abi.encodeCall(prover.balance, (SHRIMP)));
        (, address owner, uint256 amount) = abi.decode(returnData, (Proof, address, uint256));
        assertEq(owner, SHRIMP, "owner");
        assertEq(amount, 1 ether, "balance");
        assertEq(proof.callGuestId, ImageID.RISC0_CALL_GUEST_ID, "the installed guest's image id");
        assertEq(proof.callAssumptions.settleBlockNumber, block.number - 1, "settled on the test's block");
        assertEq(proof.callAssumptions.settleBlockHash, blockhash(block.number - 1), "its hash installed");
    }

    function test_vlayerV1ShapeCallProverThenGetProof() public {
        callProver();
        (, address owner, uint256 amount) = prover.balance(WHALE);
        Proof memory proof = getProof();
        (bool ok,) = address(verifier).call(abi.encodeCall(SimpleVerifier.claimWhale, (proof, owner, amount)));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.balanceOf(WHALE), 1, "badges");
    }

    function test_aStateChangeBeforeGetProofIsRefused() public {
        callProver();
        prover.balance(WHALE);
        vm.prank(WHALE);
        assertTrue(token.transfer(SHRIMP, 1), "a transfer after the prover call");
        vm.expectRevert(
            bytes(
                string.concat(
                    "vlayer: the state changed between callProver() and getProof() (at ",
                    vm.toString(address(token)),
                    "); only calls that change nothing can be proven this way: use vprove"
                )
            )
        );
        this.getProofCall();
    }

    function getProofCall() external returns (Proof memory) {
        return getProof();
    }

    function test_aBalanceProvenBeforeATransferStillCounts() public {
        bytes memory claim = _claimWhale(WHALE);
        vm.prank(WHALE);
        assertTrue(token.transfer(SHRIMP, 1_999 ether), "the whale sells after proving");
        (bool ok,) = address(verifier).call(claim);
        assertTrue(ok, "a proof of block N holds after later blocks, as on chain");
    }

    function test_aProofTooOldForBlockhashIsRefused() public {
        bytes memory claim = _claimWhale(WHALE);
        uint256 settle = block.number - 1;
        vm.roll(settle + 257);
        assertRevertsWith(
            address(verifier),
            claim,
            abi.encodeWithSelector(ProofVerifierBase.BlockTooOld.selector, settle, settle + 257),
            "stale"
        );
    }

    function test_aTamperedBalanceIsRefused() public {
        bytes memory claim = _claimWhale(SHRIMP);
        claim[claim.length - 5] = 0xff; // the proven balance, now far above the threshold
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "tampered");
        assertEq(verifier.totalSupply(), 0, "nothing minted");
    }

    function test_aTamperedSettleBlockHashIsRefused() public {
        bytes memory call = abi.encodeCall(prover.balance, (WHALE));
        (bytes memory returnData, Proof memory proof) = vprove(address(prover), call);
        bytes32 real = proof.callAssumptions.settleBlockHash;
        proof.callAssumptions.settleBlockHash = keccak256("another block");
        assertRevertsWith(
            address(verifier),
            DevProofs.verifierCall(SimpleVerifier.claimWhale.selector, proof, returnData),
            abi.encodeWithSelector(
                ProofVerifierBase.InvalidBlockHash.selector, block.number - 1, real, keccak256("another block")
            ),
            "another block's hash"
        );
    }

    function test_aRevertingCallFailsWithItsReason() public {
        vm.expectRevert(bytes("vlayer: prover reverted: ExampleToken: insufficient balance"));
        this.vproveCall(address(token), abi.encodeCall(token.transfer, (WHALE, 1)));
    }
}
