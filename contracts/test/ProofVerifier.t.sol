// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "../src/CallAssumptions.sol";
import {ImageIdRepository} from "../src/ImageIdRepository.sol";
import {Proof} from "../src/Proof.sol";
import {ProofMode} from "../src/Seal.sol";
import {Verifier} from "../src/Verifier.sol";
import {FakeProofVerifier} from "../src/proof_verifier/FakeProofVerifier.sol";
import {Groth16ProofVerifier} from "../src/proof_verifier/Groth16ProofVerifier.sol";
import {IProofVerifier} from "../src/proof_verifier/IProofVerifier.sol";
import {ProofVerifierBase} from "../src/proof_verifier/ProofVerifierBase.sol";
import {ProofVerifierRouter} from "../src/proof_verifier/ProofVerifierRouter.sol";
import {SelectorMismatch, VerificationFailed} from "../src/risc0/IRiscZeroVerifier.sol";
import {RiscZeroGroth16Verifier} from "../src/risc0/RiscZeroGroth16Verifier.sol";
import {RiscZeroMockVerifier} from "../src/risc0/RiscZeroMockVerifier.sol";
import {IBalanceOf, TokenBalanceProver} from "./examples/TokenBalance.v.sol";
import {TokenBalanceVerifier} from "./examples/TokenBalanceVerifier.sol";
import {DevProofs} from "./lib/DevProofs.sol";
import {History, ReceiptVector, Test} from "./lib/Test.sol";

contract Balances is IBalanceOf {
    mapping(address owner => uint256) public balanceOf;

    function set(address owner, uint256 amount) external {
        balanceOf[owner] = amount;
    }
}

/// @dev `onlyVerified` on a function without a proof argument: a programming error the base reports.
contract MisusedVerifier is Verifier {
    constructor(IProofVerifier proofVerifier) Verifier(proofVerifier) {}

    function noProof() external view onlyVerified(address(1), bytes4(0)) {}
}

contract ProofVerifierTest is Test {
    address internal constant ALICE = address(0xa11ce);
    address internal constant BOB = address(0xb0b);
    uint256 internal constant SETTLE = 1000;

    Balances internal token;
    TokenBalanceProver internal prover;
    ImageIdRepository internal repository;
    FakeProofVerifier internal fakeVerifier;
    TokenBalanceVerifier internal app;

    function setUp() public {
        token = new Balances();
        token.set(ALICE, 7 ether);
        token.set(BOB, 3 ether);
        prover = new TokenBalanceProver(token);
        repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        fakeVerifier = new FakeProofVerifier(repository);
        app = new TokenBalanceVerifier(fakeVerifier, address(prover));
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("block 1000"));
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    function _run(bytes memory call) internal view returns (bytes memory returnData) {
        bool ok;
        (ok, returnData) = address(prover).staticcall(call);
        assertTrue(ok, "prover call");
    }

    function _assumptions(bytes4 selector) internal view returns (CallAssumptions memory) {
        return CallAssumptions(address(prover), selector, block.chainid, SETTLE, blockhash(SETTLE));
    }

    /// @dev A dev-mode proof of `prover.balance(ALICE)` at SETTLE, and the app calldata that carries it.
    function _balanceProof() internal view returns (Proof memory proof, bytes memory returnData) {
        returnData = _run(abi.encodeCall(TokenBalanceProver.balance, (ALICE)));
        proof =
            DevProofs.fakeProof(_assumptions(TokenBalanceProver.balance.selector), returnData, DevProofs.TEST_IMAGE_ID);
    }

    function _claim(Proof memory proof, bytes memory returnData) internal pure returns (bytes memory) {
        return DevProofs.verifierCall(TokenBalanceVerifier.claim.selector, proof, returnData);
    }

    function _expectClaimReverts(Proof memory proof, bytes memory returnData, bytes memory err, string memory what)
        internal
    {
        assertRevertsWith(address(app), _claim(proof, returnData), err, what);
    }

    // --- accepted --------------------------------------------------------------------------------------------

    function test_devProofIsAcceptedAndItsOutputsUsed() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        (bool ok,) = address(app).call(_claim(proof, returnData));
        assertTrue(ok, "claim");
        assertEq(app.provenBalance(ALICE), 7 ether, "recorded balance");
    }

    function test_acceptedFromTheNextBlockUntil256BlocksLaterOnly() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        bytes memory call = _claim(proof, returnData);
        vm.roll(SETTLE);
        assertRevertsWith(
            address(app),
            call,
            abi.encodeWithSelector(ProofVerifierBase.BlockFromFuture.selector, SETTLE, SETTLE),
            "verified on its own block"
        );
        for (uint256 n = SETTLE + 1; n <= SETTLE + 256; n++) {
            vm.roll(n);
            (bool ok, bytes memory err) = address(app).call(call);
            assertTrue(ok, string.concat("verified at settle + ", vm.toString(n - SETTLE), ": ", vm.toString(err)));
        }
        vm.roll(SETTLE + 257);
        assertRevertsWith(
            address(app),
            call,
            abi.encodeWithSelector(ProofVerifierBase.BlockTooOld.selector, SETTLE, SETTLE + 257),
            "verified 257 blocks later"
        );
    }

    function test_withTheHistoryContractProofsLive8191Blocks() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        bytes memory call = _claim(proof, returnData);
        assertEq(fakeVerifier.settlementWindow(), 256, "window without the history contract");
        History.install(vm);
        History.record(vm, SETTLE, blockhash(SETTLE));
        assertEq(fakeVerifier.settlementWindow(), 8191, "window with the history contract");
        uint256[3] memory ages = [uint256(257), 300, 8191];
        for (uint256 i = 0; i < ages.length; i++) {
            vm.roll(SETTLE + ages[i]);
            (bool ok, bytes memory err) = address(app).call(call);
            assertTrue(ok, string.concat("verified at age ", vm.toString(ages[i]), ": ", vm.toString(err)));
        }
        vm.roll(SETTLE + 8192);
        assertRevertsWith(
            address(app),
            call,
            abi.encodeWithSelector(ProofVerifierBase.BlockTooOld.selector, SETTLE, SETTLE + 8192),
            "verified 8,192 blocks later"
        );
        // The history contract's answer is checked like BLOCKHASH's: another hash there refuses the proof.
        vm.roll(SETTLE + 300);
        History.record(vm, SETTLE, keccak256("another block 1000"));
        assertRevertsWith(
            address(app),
            call,
            abi.encodeWithSelector(
                ProofVerifierBase.InvalidBlockHash.selector,
                SETTLE,
                keccak256("another block 1000"),
                proof.callAssumptions.settleBlockHash
            ),
            "a hash the history contract does not hold"
        );
    }

    function test_dynamicOutputsLineUpWithTheJournal() public {
        address[] memory owners = new address[](2);
        (owners[0], owners[1]) = (ALICE, BOB);
        bytes memory returnData = _run(abi.encodeCall(TokenBalanceProver.balances, (owners)));
        Proof memory proof = DevProofs.fakeProof(
            _assumptions(TokenBalanceProver.balances.selector), returnData, DevProofs.TEST_IMAGE_ID
        );
        bytes memory call = DevProofs.verifierCall(TokenBalanceVerifier.claimAll.selector, proof, returnData);
        (bool ok,) = address(app).call(call);
        assertTrue(ok, "claimAll");
        assertEq(app.provenBalance(BOB), 3 ether, "second owner's balance");
        // The last byte of calldata is the last amount's low byte.
        call[call.length - 1] ^= 0x01;
        assertRevertsWith(
            address(app), call, abi.encodeWithSelector(VerificationFailed.selector), "tampered dynamic output"
        );
    }

    // --- each check, in order --------------------------------------------------------------------------------

    function test_rejectsAnotherProofMode() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        proof.seal.mode = ProofMode.GROTH16;
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(ProofVerifierBase.InvalidProofMode.selector, ProofMode.FAKE, ProofMode.GROTH16),
            "groth16 mode to the fake verifier"
        );
    }

    function test_rejectsAnotherProver() public {
        TokenBalanceProver other = new TokenBalanceProver(token);
        bytes memory returnData = _run(abi.encodeCall(TokenBalanceProver.balance, (ALICE)));
        CallAssumptions memory assumptions = _assumptions(TokenBalanceProver.balance.selector);
        assumptions.proverContractAddress = address(other);
        Proof memory proof = DevProofs.fakeProof(assumptions, returnData, DevProofs.TEST_IMAGE_ID);
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(ProofVerifierBase.InvalidProver.selector, address(prover), address(other)),
            "proof of another prover contract"
        );
    }

    function test_rejectsAnotherSelector() public {
        bytes memory returnData = _run(abi.encodeCall(TokenBalanceProver.richer, (ALICE, BOB)));
        Proof memory proof =
            DevProofs.fakeProof(_assumptions(TokenBalanceProver.richer.selector), returnData, DevProofs.TEST_IMAGE_ID);
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(
                ProofVerifierBase.InvalidSelector.selector,
                TokenBalanceProver.balance.selector,
                TokenBalanceProver.richer.selector
            ),
            "proof of richer() for claim()"
        );
    }

    function test_rejectsAnotherChain() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        uint256 proven = block.chainid;
        vm.chainId(proven + 1);
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(ProofVerifierBase.InvalidChainId.selector, proven + 1, proven),
            "verified on another chain"
        );
    }

    function test_rejectsABlockHashFromAFork() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        bytes32 canonical = keccak256("canonical block 1000");
        vm.setBlockhash(SETTLE, canonical);
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(
                ProofVerifierBase.InvalidBlockHash.selector, SETTLE, canonical, keccak256("block 1000")
            ),
            "settled on a block the chain does not have"
        );
    }

    function test_rejectsUnsupportedAndRevokedImageIds() public {
        bytes memory returnData = _run(abi.encodeCall(TokenBalanceProver.balance, (ALICE)));
        bytes32 unknown = keccak256("another guest");
        Proof memory proof = DevProofs.fakeProof(_assumptions(TokenBalanceProver.balance.selector), returnData, unknown);
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(ProofVerifierBase.UnsupportedImageId.selector, unknown),
            "unknown image id"
        );
        (Proof memory good,) = _balanceProof();
        repository.revokeImageIdSupport(DevProofs.TEST_IMAGE_ID);
        _expectClaimReverts(
            good,
            returnData,
            abi.encodeWithSelector(ProofVerifierBase.UnsupportedImageId.selector, DevProofs.TEST_IMAGE_ID),
            "revoked image id"
        );
    }

    function test_rejectsATamperedOutput() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        bytes memory call = _claim(proof, returnData);
        call[call.length - 1] ^= 0x01;
        assertRevertsWith(address(app), call, abi.encodeWithSelector(VerificationFailed.selector), "balance + 1");
    }

    function test_callAssumptionsAreBoundByTheSeal() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        // Move the proof to another block whose hash the chain confirms: every environment check passes, but the
        // journal rebuilt from these assumptions is not the one the seal commits to.
        vm.setBlockhash(SETTLE - 1, keccak256("block 999"));
        proof.callAssumptions.settleBlockNumber = SETTLE - 1;
        proof.callAssumptions.settleBlockHash = keccak256("block 999");
        _expectClaimReverts(
            proof, returnData, abi.encodeWithSelector(VerificationFailed.selector), "re-settled on another block"
        );
    }

    function test_journalLengthMustFitTheCalldata() public {
        (Proof memory proof, bytes memory returnData) = _balanceProof();
        uint256 calldataLength = _claim(proof, returnData).length;
        proof.length += 1;
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(Verifier.JournalLengthOutOfRange.selector, proof.length, calldataLength),
            "journal longer than the outputs"
        );
        proof.length = 703;
        _expectClaimReverts(
            proof,
            returnData,
            abi.encodeWithSelector(Verifier.JournalLengthOutOfRange.selector, 703, calldataLength),
            "journal shorter than assumptions and placeholder"
        );
        proof.length = 704;
        _expectClaimReverts(
            proof, returnData, abi.encodeWithSelector(VerificationFailed.selector), "journal without the outputs"
        );
    }

    function test_onlyVerifiedWithoutAProofArgumentIsReported() public {
        MisusedVerifier misused = new MisusedVerifier(fakeVerifier);
        assertRevertsWith(
            address(misused),
            abi.encodeCall(MisusedVerifier.noProof, ()),
            abi.encodeWithSelector(Verifier.CalldataTooShort.selector, 4),
            "no proof in calldata"
        );
    }

    // --- verifier wiring -------------------------------------------------------------------------------------

    function test_fakeProofVerifierRefusesMainnets() public {
        uint256[5] memory mainnets = [uint256(1), 10, 137, 8453, 42161];
        for (uint256 i = 0; i < mainnets.length; i++) {
            vm.chainId(mainnets[i]);
            try new FakeProofVerifier(repository) {
                revert(string.concat("deployed on chain ", vm.toString(mainnets[i])));
            } catch (bytes memory err) {
                assertEq(
                    err,
                    abi.encodeWithSelector(RiscZeroMockVerifier.MockVerifierOnMainnet.selector, mainnets[i]),
                    "revert"
                );
            }
        }
    }

    function test_modeRouterSendsEachProofToItsVerifier() public {
        ReceiptVector.Receipt memory r = ReceiptVector.load(vm);
        RiscZeroGroth16Verifier groth16 = new RiscZeroGroth16Verifier(r.controlRoot, r.bn254ControlId);
        Groth16ProofVerifier groth16Verifier = new Groth16ProofVerifier(repository, groth16);
        ProofVerifierRouter router = new ProofVerifierRouter(fakeVerifier, groth16Verifier);
        TokenBalanceVerifier routed = new TokenBalanceVerifier(router, address(prover));

        (Proof memory proof, bytes memory returnData) = _balanceProof();
        (bool ok,) = address(routed).call(_claim(proof, returnData));
        assertTrue(ok, "fake proof through the router");

        // A GROTH16 proof passes the environment checks and reaches the Groth16 verifier, whose selector differs.
        proof.seal.mode = ProofMode.GROTH16;
        assertRevertsWith(
            address(routed),
            _claim(proof, returnData),
            abi.encodeWithSelector(SelectorMismatch.selector, proof.seal.verifierSelector, groth16.SELECTOR()),
            "groth16-mode proof with a fake seal"
        );
    }

    function test_modeRouterNeedsOneRepository() public {
        ImageIdRepository other = new ImageIdRepository(address(this));
        Groth16ProofVerifier groth16Verifier = new Groth16ProofVerifier(other, new RiscZeroMockVerifier(bytes4(0)));
        try new ProofVerifierRouter(fakeVerifier, groth16Verifier) {
            revert("router over two repositories");
        } catch (bytes memory err) {
            assertEq(
                err,
                abi.encodeWithSelector(ProofVerifierRouter.RepositoryMismatch.selector, repository, other),
                "revert"
            );
        }
    }
}
