// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageID} from "vlayer/ImageID.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {RequestBook} from "vlayer/requests/RequestBook.sol";
import {VersionedStore} from "vlayer/requests/VersionedStore.sol";
import {VTest} from "vlayer-test/VTest.sol";
import {TaskBoard} from "../src/TaskBoard.sol";
import {TaskProver} from "../src/TaskProver.v.sol";
import {Task, TaskKind, balanceKey} from "../src/Tasks.sol";

/// @dev Cheatcodes these tests need beyond `vlayer-test/Test.sol`'s interface (same address).
interface VmDeal {
    function deal(address account, uint256 balance) external;
}

/// @notice The board's rules proven by vlayer (dev mode) on this test's state, as a worker proves them, and the
///         answers taken by the request book.
contract TaskBoardProveTest is VTest {
    VmDeal internal constant vmd = VmDeal(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant ALICE = address(0xa11ce);
    address internal constant BOB = address(0xb0b);
    address internal constant CAROL = address(0xca501);
    address internal constant WORKER = address(0x3e3e3e);
    uint16 internal constant CONFIRMATIONS = 1;
    uint256 internal constant FEE = 0.01 ether;

    VersionedStore internal store;
    RequestBook internal book;
    TaskProver internal prover;
    TaskBoard internal board;

    function setUp() public {
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(ImageID.RISC0_CALL_GUEST_ID);
        store = new VersionedStore(address(this));
        book = new RequestBook(new FakeProofVerifier(repository), store);
        prover = new TaskProver(book, 1_000);
        board = new TaskBoard(book, prover, CONFIRMATIONS, address(this));
        store.setWriter(address(board), true);
        board.mint(ALICE, 1_000);
        board.mint(BOB, 500);
        vmd.deal(ALICE, 1 ether);
    }

    function tailAfterPlaceholder(bytes calldata returnData) external pure returns (bytes memory) {
        return returnData[544:];
    }

    function _transfer(address from, address to, uint256 amount) internal returns (uint256 id, Task memory task) {
        task = Task(TaskKind.Transfer, from, to, amount);
        vm.prank(from);
        id = board.postTransfer{value: FEE}(to, amount);
    }

    /// @dev What a worker does: prove the board's rules for the task on the state now (the book wants the answer
    ///      settled `CONFIRMATIONS` blocks after the post, hence the roll).
    function _prove(uint256 id, Task memory task) internal returns (Proof memory proof, bytes memory outputs) {
        bytes memory returnData;
        (returnData, proof) =
            vprove(address(prover), abi.encodeCall(TaskProver.execute, (id, abi.encode(task), WORKER)));
        outputs = this.tailAfterPlaceholder(returnData);
    }

    function test_aProvenTransferIsAppliedAndItsWorkerPaid() public {
        (uint256 id, Task memory task) = _transfer(ALICE, BOB, 300);
        vm.roll(block.number + CONFIRMATIONS);
        (Proof memory proof, bytes memory outputs) = _prove(id, task);
        assertTrue(book.fulfil(id, proof, outputs), "callback ok");
        assertEq(board.balanceOf(ALICE), 700, "alice");
        assertEq(board.balanceOf(BOB), 800, "bob");
        assertEq(WORKER.balance, FEE, "the worker's fee");
    }

    /// @dev A state change between proving and verifying that the book must refuse, as on chain: both answers are
    ///      proven over Alice's balance 1000; once the first applies, the second is stale. Proven again, it applies.
    function test_ofTwoProvenAnswersOverOneBalanceTheSecondIsStale() public {
        (uint256 first, Task memory firstTask) = _transfer(ALICE, BOB, 600);
        (uint256 second, Task memory secondTask) = _transfer(ALICE, CAROL, 300);
        vm.roll(block.number + CONFIRMATIONS);
        (Proof memory p1, bytes memory o1) = _prove(first, firstTask);
        (Proof memory p2, bytes memory o2) = _prove(second, secondTask);
        assertTrue(book.fulfil(first, p1, o1), "first");
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.fulfil, (second, p2, o2)),
            abi.encodeWithSelector(RequestBook.StaleRead.selector, balanceKey(ALICE), 1, 2),
            "second over the old balance"
        );
        (p2, o2) = _prove(second, secondTask);
        assertTrue(book.fulfil(second, p2, o2), "second, proven again");
        assertEq(board.balanceOf(ALICE), 100, "alice: 1000 - 600 - 300");
        assertEq(board.balanceOf(CAROL), 300, "carol");
    }

    function test_aProverCalledWithForgedArgsFailsWithItsNamedError() public {
        (uint256 id,) = _transfer(ALICE, BOB, 300);
        bytes memory forged = abi.encode(Task(TaskKind.Transfer, ALICE, CAROL, 300));
        string memory reason = string.concat(
            "ArgsMismatch(id=",
            vm.toString(id),
            ", posted=",
            vm.toString(book.argsHashOf(id)),
            ", given=",
            vm.toString(keccak256(forged)),
            ")"
        );
        vm.expectRevert(bytes(string.concat("vlayer: prover reverted: ", reason)));
        this.vproveCall(address(prover), abi.encodeCall(TaskProver.execute, (id, forged, WORKER)));
    }
}
