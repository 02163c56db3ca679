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
import {IBalance, IVault, PositionProver} from "../src/PositionProver.v.sol";
import {PositionVerifier} from "../src/PositionVerifier.sol";
import {IERC20, ShareVault} from "../src/ShareVault.sol";

contract PositionTest is Test {
    address internal constant SAVER = address(0x5a7e);
    uint256 internal constant SETTLE = 500;

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
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new PositionVerifier(new FakeProofVerifier(repository), address(prover), 100 ether, 500 ether);
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    function _claim(address holder) internal view returns (bytes memory) {
        (Proof memory placeholder, address owner, uint256 wallet, uint256 inVault) = prover.position(holder);
        bytes memory returnData = abi.encode(placeholder, owner, wallet, inVault);
        CallAssumptions memory ca = CallAssumptions(
            address(prover), PositionProver.position.selector, block.chainid, SETTLE, keccak256("settle")
        );
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(PositionVerifier.claimTier.selector, proof, returnData);
    }

    function test_theProverReadsThroughTheVault() public view {
        (, address owner, uint256 wallet, uint256 inVault) = prover.position(SAVER);
        assertEq(uint160(owner), uint160(SAVER), "owner");
        assertEq(wallet, 100 ether, "wallet");
        assertEq(inVault, 500 ether, "vault");
    }

    function test_aVerifiedPositionGrantsGold() public {
        (bool ok,) = address(verifier).call(_claim(SAVER));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.tierOf(SAVER), 2, "gold");
        assertEq(verifier.provenBlock(SAVER), SETTLE, "proven block");
        assertRevertsWith(
            address(verifier),
            _claim(SAVER),
            abi.encodeWithSelector(PositionVerifier.StaleProof.selector, SAVER, SETTLE, SETTLE),
            "replay"
        );
    }

    function test_anInflatedVaultFigureIsRejected() public {
        bytes memory data = _claim(address(0xdead));
        data[data.length - 5] = 0xff; // the proven vault assets, now far above zero
        assertRevertsWith(address(verifier), data, abi.encodeWithSelector(VerificationFailed.selector), "inflated");
        assertEq(verifier.tierOf(address(0xdead)), 0, "no tier");
    }

    function test_nothingHeldIsRefused() public {
        assertRevertsWith(
            address(verifier),
            _claim(address(0xdead)),
            abi.encodeWithSelector(PositionVerifier.NothingHeld.selector, address(0xdead)),
            "empty"
        );
    }
}
