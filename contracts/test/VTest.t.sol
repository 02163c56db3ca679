// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageID} from "../src/ImageID.sol";
import {ImageIdRepository} from "../src/ImageIdRepository.sol";
import {Proof} from "../src/Proof.sol";
import {Prover} from "../src/Prover.sol";
import {FakeProofVerifier} from "../src/proof_verifier/FakeProofVerifier.sol";
import {ProofVerifierBase} from "../src/proof_verifier/ProofVerifierBase.sol";
import {IBalanceOf, TokenBalanceProver} from "./examples/TokenBalance.v.sol";
import {TokenBalanceVerifier} from "./examples/TokenBalanceVerifier.sol";
import {DevProofs} from "./lib/DevProofs.sol";
import {VTest} from "./lib/VTest.sol";

contract Ledger is IBalanceOf {
    mapping(address => uint256) public balanceOf;

    function set(address owner, uint256 amount) external {
        balanceOf[owner] = amount;
    }
}

/// @notice Provers that exercise what VTest carries into the proof and what it refuses.
contract EdgeProver is Prover {
    error TooPoor(address owner, uint256 balance);

    function ether_(address owner) public view returns (Proof memory, address, uint256) {
        return (proof(), owner, owner.balance);
    }

    function rich(address owner) public view returns (Proof memory, uint256) {
        if (owner.balance < 1 ether) {
            revert TooPoor(owner, owner.balance);
        }
        return (proof(), owner.balance);
    }

    function clock() public view returns (Proof memory, uint256, uint256, uint256) {
        return (proof(), block.number, block.timestamp, block.chainid);
    }

    function earlier() public returns (Proof memory, uint256) {
        setBlock(block.number - 1);
        return (proof(), block.number);
    }
}

interface VmDeal {
    function deal(address account, uint256 balance) external;
    function warp(uint256 timestamp) external;
}

contract VTestTest is VTest {
    VmDeal internal constant vmd = VmDeal(address(uint160(uint256(keccak256("hevm cheat code")))));
    address internal constant OWNER = address(0x0123);

    /// @dev Deployed by a state variable initializer, before any constructor or setUp: VTest records it anyway.
    Ledger internal early = new Ledger();
    Ledger internal ledger;
    TokenBalanceProver internal prover;
    TokenBalanceVerifier internal verifier;
    EdgeProver internal edge;

    function setUp() public {
        ledger = new Ledger();
        ledger.set(OWNER, 42);
        early.set(OWNER, 7);
        prover = new TokenBalanceProver(ledger);
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(ImageID.RISC0_CALL_GUEST_ID);
        verifier = new TokenBalanceVerifier(new FakeProofVerifier(repository), address(prover));
        edge = new EdgeProver();
        vmd.deal(OWNER, 3 ether);
        vtrack(OWNER); // vm.deal is a cheatcode, which state recording does not see
    }

    function test_aProvenBalanceIsClaimed() public {
        bytes memory call = abi.encodeCall(prover.balance, (OWNER));
        (bytes memory returnData, Proof memory proof) = vprove(address(prover), call);
        verifier.claim(proof, OWNER, 42);
        assertEq(verifier.provenBalance(OWNER), 42, "proven balance");
        assertEq(returnData.length, 544 + 64, "placeholder and two words");
    }

    function test_dynamicOutputsLineUpWithTheVerifiersCalldata() public {
        address[] memory owners = new address[](2);
        (owners[0], owners[1]) = (OWNER, address(0xbeef));
        (bytes memory returnData, Proof memory proof) =
            vprove(address(prover), abi.encodeCall(prover.balances, (owners)));
        (bool ok,) =
            address(verifier).call(DevProofs.verifierCall(TokenBalanceVerifier.claimAll.selector, proof, returnData));
        assertTrue(ok, "claimAll accepted");
        assertEq(verifier.provenBalance(OWNER), 42, "owner");
    }

    function test_aProofOfAnotherFunctionIsRefused() public {
        (, Proof memory proof) = vprove(address(prover), abi.encodeCall(prover.richer, (OWNER, address(0xbeef))));
        vm.expectRevert(
            abi.encodeWithSelector(
                ProofVerifierBase.InvalidSelector.selector, prover.balance.selector, prover.richer.selector
            )
        );
        verifier.claim(proof, OWNER, 42);
    }

    function test_stateFromAStateVariableInitializerIsCarried() public {
        TokenBalanceProver overEarly = new TokenBalanceProver(early);
        (bytes memory returnData,) = vprove(address(overEarly), abi.encodeCall(prover.balance, (OWNER)));
        (,, uint256 amount) = abi.decode(returnData, (Proof, address, uint256));
        assertEq(amount, 7, "set in setUp on a ledger deployed by an initializer");
    }

    function test_aBalanceDealtInSetUpIsCarriedWhenTracked() public {
        (bytes memory returnData,) = vprove(address(edge), abi.encodeCall(edge.ether_, (OWNER)));
        (,, uint256 amount) = abi.decode(returnData, (Proof, address, uint256));
        assertEq(amount, 3 ether, "vm.deal in setUp, tracked");
    }

    function test_theProverSeesTheTestsBlock() public {
        vm.roll(1_234);
        vmd.warp(1_700_000_000);
        (bytes memory returnData, Proof memory proof) = vprove(address(edge), abi.encodeCall(edge.clock, ()));
        (, uint256 number, uint256 timestamp, uint256 chainId) =
            abi.decode(returnData, (Proof, uint256, uint256, uint256));
        assertEq(number, 1_234, "block.number");
        assertEq(timestamp, 1_700_000_000, "block.timestamp");
        assertEq(chainId, block.chainid, "block.chainid");
        assertEq(proof.callAssumptions.settleBlockNumber, 1_234, "settle block");
        assertEq(block.number, 1_235, "the test moved to the next block");
    }

    function test_aCustomErrorIsNamed() public {
        vm.expectRevert(
            bytes("vlayer: prover reverted: TooPoor(owner=0x000000000000000000000000000000000000bEEF, balance=0)")
        );
        this.vproveCall(address(edge), abi.encodeCall(edge.rich, (address(0xbeef))));
    }

    /// @dev The private chain's only earlier block is a genesis holding the test's state as it is now, so a proof
    ///      that travelled there would pass the present off as the past: refused, with why.
    function test_timeTravelOverTheTestsHistoryIsRefused() public {
        vm.roll(10);
        vm.expectRevert(
            bytes(
                "vlayer: time travel and teleport (setBlock, setChain) cannot be proven in a forge test: the chain "
                "vprove proves on holds the test's state in block 10 only, with no history before it "
                "(docs/forge-testing.md): the call travelled to block 9, the private chain's genesis, which holds "
                "the test's state now"
            )
        );
        this.vproveCall(address(edge), abi.encodeCall(edge.earlier, ()));
    }

    function test_getProofWithoutAProverCallIsRefused() public {
        callProver();
        vm.expectRevert(bytes("vlayer: no call to a prover between callProver() and getProof()"));
        this.getProofCall();
    }

    function getProofCall() external returns (Proof memory) {
        return getProof();
    }
}
