// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageID} from "vlayer/ImageID.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {VTest} from "vlayer-test/VTest.sol";
import {ExampleToken} from "../src/ExampleToken.sol";
import {IBalance, IVault, PositionProver} from "../src/PositionProver.v.sol";
import {PositionVerifier} from "../src/PositionVerifier.sol";
import {IERC20, ShareVault} from "../src/ShareVault.sol";

/// @notice The position prover proven by vlayer (dev mode) on this test's state, its proofs taken by the verifier.
contract PositionProveTest is VTest {
    address internal constant SAVER = address(0x5a7e);

    ExampleToken internal token;
    ShareVault internal vault;
    PositionProver internal prover;
    PositionVerifier internal verifier;

    function setUp() public {
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (holders[0], holders[1], amounts[0], amounts[1]) = (SAVER, address(this), 600 ether, 400 ether);
        token = new ExampleToken(holders, amounts);
        vault = new ShareVault(IERC20(address(token)));
        vm.prank(SAVER);
        token.approve(address(vault), 500 ether);
        vm.prank(SAVER);
        vault.deposit(500 ether);
        prover = new PositionProver(IBalance(address(token)), IVault(address(vault)));
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(ImageID.RISC0_CALL_GUEST_ID);
        verifier = new PositionVerifier(new FakeProofVerifier(repository), address(prover), 100 ether, 500 ether);
    }

    function _claim(address holder) internal returns (bytes memory) {
        (bytes memory returnData, Proof memory proof) =
            vprove(address(prover), abi.encodeCall(prover.position, (holder)));
        return DevProofs.verifierCall(PositionVerifier.claimTier.selector, proof, returnData);
    }

    function test_aProvenPositionThroughTheVaultGrantsGold() public {
        uint256 settle = block.number;
        (bool ok,) = address(verifier).call(_claim(SAVER));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.tierOf(SAVER), 2, "gold: 100 in the wallet and 500 through the vault");
        assertEq(verifier.provenBlock(SAVER), settle, "proven on the test's block");
    }

    function test_anOlderProofAfterANewerOneIsStale() public {
        uint256 first = block.number;
        bytes memory older = _claim(SAVER);
        bytes memory newer = _claim(SAVER);
        (bool ok,) = address(verifier).call(newer);
        assertTrue(ok, "newer claim");
        assertRevertsWith(
            address(verifier),
            older,
            abi.encodeWithSelector(PositionVerifier.StaleProof.selector, SAVER, first, first + 1),
            "the older proof, verified after the newer one"
        );
    }

    function test_aTamperedVaultFigureIsRefused() public {
        bytes memory claim = _claim(address(0xdead));
        claim[claim.length - 5] = 0xff;
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "tampered");
    }

    function test_aProverOverAVaultWithoutAssetsOfFailsTheTest() public {
        PositionProver broken = new PositionProver(IBalance(address(token)), IVault(address(token)));
        vm.expectRevert(bytes("vlayer: prover reverted: reverted without a reason"));
        this.vproveCall(address(broken), abi.encodeCall(broken.position, (SAVER)));
    }
}
