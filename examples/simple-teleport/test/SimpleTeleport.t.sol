// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {Test} from "vlayer-test/Test.sol";
import {ExampleToken} from "../src/ExampleToken.sol";
import {Erc20Token, SimpleTeleportProver} from "../src/SimpleTeleportProver.v.sol";
import {SimpleTeleportVerifier} from "../src/SimpleTeleportVerifier.sol";

/// @dev Says yes to every travel request without moving anywhere, so that forge's EVM can run the prover: each
///      "chain" below is a token deployed here, labelled with the chain id it stands for.
contract StayingTraveler {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(uint256(1));
    }
}

contract SimpleTeleportTest is Test {
    address internal constant TRAVELER = address(uint160(uint256(keccak256("vlayer.traveler"))));
    address internal constant WHALE = address(0x3a1e);
    address internal constant SHRIMP = address(0x5e1f);
    uint256 internal constant L1 = 31337;
    uint256 internal constant L2 = 31338;
    uint256 internal constant SETTLE = 500;
    uint256 internal constant THRESHOLD = 1_000 ether;

    ExampleToken internal l1Token;
    ExampleToken internal l2Token;
    SimpleTeleportProver internal prover;
    SimpleTeleportVerifier internal verifier;
    IProofVerifier internal proofVerifier;

    function setUp() public {
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (holders[0], holders[1], amounts[0], amounts[1]) = (WHALE, SHRIMP, 600 ether, 1 ether);
        l2Token = new ExampleToken(holders, amounts);
        (amounts[0], amounts[1]) = (500 ether, 2 ether);
        l1Token = new ExampleToken(holders, amounts);
        prover = new SimpleTeleportProver();
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        proofVerifier = new FakeProofVerifier(repository);
        uint256[] memory chainIds = new uint256[](2);
        address[] memory tokens = new address[](2);
        (chainIds[0], tokens[0], chainIds[1], tokens[1]) = (L2, address(l2Token), L1, address(l1Token));
        verifier = new SimpleTeleportVerifier(proofVerifier, address(prover), THRESHOLD, chainIds, tokens);
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    function _tokens(ExampleToken first, uint256 firstChain, ExampleToken second, uint256 secondChain)
        internal
        pure
        returns (Erc20Token[] memory tokens)
    {
        tokens = new Erc20Token[](2);
        tokens[0] = Erc20Token(address(first), firstChain, 120, 0);
        tokens[1] = Erc20Token(address(second), secondChain, 480, 0);
    }

    /// @dev What a proving run of crossChainBalanceOf would hand the verifier, the balances read by the prover
    ///      itself (through a traveler that stays here).
    function _claim(address holder, Erc20Token[] memory tokens) internal returns (bytes memory) {
        vm.etch(TRAVELER, type(StayingTraveler).runtimeCode);
        (Proof memory placeholder, address owner, Erc20Token[] memory proven) =
            prover.crossChainBalanceOf(holder, tokens);
        bytes memory returnData = abi.encode(placeholder, owner, proven);
        CallAssumptions memory ca = CallAssumptions(
            address(prover),
            SimpleTeleportProver.crossChainBalanceOf.selector,
            block.chainid,
            SETTLE,
            keccak256("settle")
        );
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(SimpleTeleportVerifier.claimWhale.selector, proof, returnData);
    }

    function test_theProverReadsEachTokenWhereItWasSent() public {
        vm.etch(TRAVELER, type(StayingTraveler).runtimeCode);
        (, address owner, Erc20Token[] memory proven) =
            prover.crossChainBalanceOf(WHALE, _tokens(l2Token, L2, l1Token, L1));
        assertEq(owner, WHALE, "owner");
        assertEq(proven[0].balance, 600 ether, "L2 balance");
        assertEq(proven[0].chainId, L2, "L2 chain kept");
        assertEq(proven[0].blockNumber, 120, "L2 block kept");
        assertEq(proven[1].balance, 500 ether, "L1 balance");
    }

    function test_aWhaleAcrossChainsGetsOneBadge() public {
        (bool ok,) = address(verifier).call(_claim(WHALE, _tokens(l2Token, L2, l1Token, L1)));
        assertTrue(ok, "claim accepted");
        assertEq(verifier.balanceOf(WHALE), 1, "badges");
        assertEq(verifier.ownerOf(1), WHALE, "owner of badge 1");
        assertRevertsWith(
            address(verifier),
            _claim(WHALE, _tokens(l2Token, L2, l1Token, L1)),
            abi.encodeWithSelector(SimpleTeleportVerifier.AlreadyClaimed.selector, WHALE),
            "second claim"
        );
    }

    function test_aSmallTotalGetsNothing() public {
        assertRevertsWith(
            address(verifier),
            _claim(SHRIMP, _tokens(l2Token, L2, l1Token, L1)),
            abi.encodeWithSelector(SimpleTeleportVerifier.BalanceBelowThreshold.selector, 3 ether, THRESHOLD),
            "shrimp"
        );
    }

    function test_onlyAcceptedTokensCountOncePerChain() public {
        // The L2 token's address on another chain is another contract, perhaps anyone's.
        assertRevertsWith(
            address(verifier),
            _claim(WHALE, _tokens(l2Token, 10, l1Token, L1)),
            abi.encodeWithSelector(SimpleTeleportVerifier.UnknownToken.selector, 10, address(l2Token)),
            "unknown chain"
        );
        assertRevertsWith(
            address(verifier),
            _claim(WHALE, _tokens(l2Token, L2, l2Token, L2)),
            abi.encodeWithSelector(SimpleTeleportVerifier.DuplicateToken.selector, L2, address(l2Token)),
            "one token at two blocks"
        );
        assertEq(verifier.totalSupply(), 0, "nothing minted");
    }

    function test_anInflatedBalanceIsRejected() public {
        bytes memory data = _claim(SHRIMP, _tokens(l2Token, L2, l1Token, L1));
        data[data.length - 5] = 0xff; // the last token's proven balance, now far above the threshold
        assertRevertsWith(address(verifier), data, abi.encodeWithSelector(VerificationFailed.selector), "inflated");
        assertEq(verifier.totalSupply(), 0, "nothing minted");
    }

    function test_theProverRefusesToRunWithoutATraveler() public {
        vm.expectRevert(bytes("vlayer: setChain (teleport) is not supported by this executor"));
        prover.crossChainBalanceOf(WHALE, _tokens(l2Token, L2, l1Token, L1));
    }

    function test_theProverBoundsItsTokens() public {
        Erc20Token[] memory tokens = new Erc20Token[](9);
        vm.expectRevert(abi.encodeWithSelector(SimpleTeleportProver.TooManyTokens.selector, 9, 8));
        prover.crossChainBalanceOf(WHALE, tokens);
    }

    function test_theAcceptedTokensComeInPairs() public {
        try new SimpleTeleportVerifier(proofVerifier, address(prover), THRESHOLD, new uint256[](1), new address[](2)) {
            revert("deployed with one chain id for two tokens");
        } catch (bytes memory err) {
            assertEq(err, abi.encodeWithSelector(SimpleTeleportVerifier.LengthMismatch.selector, 1, 2), "revert");
        }
    }
}
