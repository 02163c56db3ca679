// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {Owned} from "vlayer/access/Owned.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {RequestBook, RequestStatus} from "vlayer/requests/RequestBook.sol";
import {RequestProver} from "vlayer/requests/RequestProver.sol";
import {VersionedStore} from "vlayer/requests/VersionedStore.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {Test} from "vlayer-test/Test.sol";
import {TaskBoard} from "../src/TaskBoard.sol";
import {TaskProver} from "../src/TaskProver.v.sol";
import {Task, TaskKind, balanceKey} from "../src/Tasks.sol";

/// @dev Cheatcodes these tests need beyond `vlayer-test/Test.sol`'s interface (same address).
interface VmExtra {
    function deal(address account, uint256 balance) external;
}

contract TaskBoardTest is Test {
    VmExtra internal constant vmx = VmExtra(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant ALICE = address(0xa11ce);
    address internal constant BOB = address(0xb0b);
    address internal constant CAROL = address(0xca501);
    address internal constant MALLORY = address(0xbad);
    address internal constant WORKER = address(0x3e3e3e);
    uint64 internal constant POSTED = 100;
    uint16 internal constant CONFIRMATIONS = 1;
    uint256 internal constant SETTLE = POSTED + CONFIRMATIONS;
    uint256 internal constant FEE = 0.01 ether;
    uint256 internal constant INTEREST_BPS = 1_000;

    VersionedStore internal store;
    RequestBook internal book;
    TaskProver internal prover;
    TaskBoard internal board;

    function setUp() public {
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        store = new VersionedStore(address(this));
        book = new RequestBook(new FakeProofVerifier(repository), store);
        prover = new TaskProver(book, INTEREST_BPS);
        board = new TaskBoard(book, prover, CONFIRMATIONS, address(this));
        store.setWriter(address(board), true);
        board.mint(ALICE, 1_000);
        board.mint(BOB, 500);
        vmx.deal(ALICE, 1 ether);
        vmx.deal(MALLORY, 1 ether);
        vm.roll(POSTED);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    function tailAfterPlaceholder(bytes calldata returnData) external pure returns (bytes memory) {
        return returnData[544:];
    }

    function _transfer(address from, address to, uint256 amount) internal returns (uint256 id, Task memory task) {
        task = Task(TaskKind.Transfer, from, to, amount);
        vm.prank(from);
        id = board.postTransfer{value: FEE}(to, amount);
    }

    function _interest(address account) internal returns (uint256 id, Task memory task) {
        task = Task(TaskKind.Interest, account, address(0), 0);
        id = board.postInterest(account);
    }

    /// @dev Runs the prover on the current state and proves it (dev mode) as settled on `settle`, moving to
    ///      `settle + 1` first so that the settle block has a hash, as a worker would.
    function _prove(uint256 id, Task memory task, uint256 settle)
        internal
        returns (Proof memory proof, bytes memory outputs)
    {
        if (block.number <= settle) {
            vm.roll(settle + 1);
        }
        vm.setBlockhash(settle, keccak256(abi.encode("block", settle)));
        (bool ok, bytes memory returnData) =
            address(prover).staticcall(abi.encodeCall(TaskProver.execute, (id, abi.encode(task), WORKER)));
        assertTrue(ok, "prover call");
        CallAssumptions memory assumptions =
            CallAssumptions(address(prover), TaskProver.execute.selector, block.chainid, settle, blockhash(settle));
        proof = DevProofs.fakeProof(assumptions, returnData, DevProofs.TEST_IMAGE_ID);
        outputs = this.tailAfterPlaceholder(returnData);
    }

    function _answer(uint256 id, Task memory task) internal {
        (Proof memory proof, bytes memory outputs) = _prove(id, task, block.number > SETTLE ? block.number : SETTLE);
        assertTrue(book.fulfil(id, proof, outputs), "callback ok");
    }

    function _state(uint256 id) internal view returns (uint256) {
        return uint256(board.stateOf(id));
    }

    // --- answers ---------------------------------------------------------------------------------------------

    function test_aTransferIsAppliedAndItsWorkerPaid() public {
        (uint256 id, Task memory task) = _transfer(ALICE, BOB, 300);
        assertEq(uint256(book.statusOf(id)), uint256(RequestStatus.Open), "posted to the book");
        _answer(id, task);
        assertEq(board.balanceOf(ALICE), 700, "alice");
        assertEq(board.balanceOf(BOB), 800, "bob");
        assertEq(_state(id), uint256(TaskBoard.TaskState.Applied), "task state");
        assertEq(WORKER.balance, FEE, "the worker's fee");
        assertEq(store.versionOf(balanceKey(ALICE)), 2, "alice's balance written once more");
    }

    function test_aTransferBeyondTheBalanceIsRejectedAndWritesNothing() public {
        (uint256 id, Task memory task) = _transfer(ALICE, CAROL, 1_001);
        _answer(id, task);
        assertEq(_state(id), uint256(TaskBoard.TaskState.Rejected), "task state");
        assertEq(board.balanceOf(ALICE), 1_000, "alice");
        assertEq(board.balanceOf(CAROL), 0, "carol");
        assertEq(store.versionOf(balanceKey(ALICE)), 1, "no write");
        assertEq(WORKER.balance, FEE, "a refusal is an answer: the worker is paid");
    }

    function test_interestIsTheProversRate() public {
        (uint256 id, Task memory task) = _interest(BOB);
        _answer(id, task);
        assertEq(board.balanceOf(BOB), 550, "bob plus 10%");
        assertEq(_state(id), uint256(TaskBoard.TaskState.Applied), "task state");
    }

    /// @dev The scenario the board exists for: two answers proven over the same balance; the first applies, the
    ///      second is refused as stale and, proven again over the new balance, applies on top of the first.
    function test_ofTwoAnswersOverOneBalanceTheSecondIsProvenAgain() public {
        (uint256 first, Task memory firstTask) = _transfer(ALICE, BOB, 600);
        (uint256 second, Task memory secondTask) = _transfer(ALICE, CAROL, 300);
        (Proof memory p1, bytes memory o1) = _prove(first, firstTask, SETTLE);
        (Proof memory p2, bytes memory o2) = _prove(second, secondTask, SETTLE);
        assertTrue(book.fulfil(first, p1, o1), "first");
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.fulfil, (second, p2, o2)),
            abi.encodeWithSelector(RequestBook.StaleRead.selector, balanceKey(ALICE), 1, 2),
            "second over the old balance"
        );
        (p2, o2) = _prove(second, secondTask, block.number);
        assertTrue(book.fulfil(second, p2, o2), "second, proven again");
        assertEq(board.balanceOf(ALICE), 100, "alice: 1000 - 600 - 300");
        assertEq(board.balanceOf(BOB), 1_100, "bob");
        assertEq(board.balanceOf(CAROL), 300, "carol");
    }

    /// @dev A transfer that fitted the old balance, proven again after the first transfer, is refused: the
    ///      outcome is that of applying the tasks in the order they were answered, never the stale one.
    function test_aStaleAnswerProvenAgainMayChangeItsOutcome() public {
        (uint256 first, Task memory firstTask) = _transfer(ALICE, BOB, 800);
        (uint256 second, Task memory secondTask) = _transfer(ALICE, CAROL, 300);
        (Proof memory p1, bytes memory o1) = _prove(first, firstTask, SETTLE);
        (Proof memory p2, bytes memory o2) = _prove(second, secondTask, SETTLE);
        assertTrue(book.fulfil(first, p1, o1), "first");
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.fulfil, (second, p2, o2)),
            abi.encodeWithSelector(RequestBook.StaleRead.selector, balanceKey(ALICE), 1, 2),
            "the stale answer said: applied"
        );
        (p2, o2) = _prove(second, secondTask, block.number);
        assertTrue(book.fulfil(second, p2, o2), "second");
        assertEq(_state(second), uint256(TaskBoard.TaskState.Rejected), "200 left, 300 asked");
        assertEq(board.balanceOf(ALICE), 200, "alice");
        assertEq(board.balanceOf(CAROL), 0, "carol");
    }

    function test_aMintInBetweenMakesARefusalStale() public {
        (uint256 id, Task memory task) = _transfer(ALICE, CAROL, 1_500);
        (Proof memory proof, bytes memory outputs) = _prove(id, task, SETTLE);
        board.mint(ALICE, 1_000);
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.fulfil, (id, proof, outputs)),
            abi.encodeWithSelector(RequestBook.StaleRead.selector, balanceKey(ALICE), 1, 2),
            "refusal over the balance before the mint"
        );
        _answer(id, task);
        assertEq(_state(id), uint256(TaskBoard.TaskState.Applied), "applied over the new balance");
        assertEq(board.balanceOf(CAROL), 1_500, "carol");
    }

    function test_theProverAnswersOnlyThePostedArgs() public {
        (uint256 id,) = _transfer(ALICE, BOB, 1);
        bytes memory forged = abi.encode(Task(TaskKind.Transfer, ALICE, MALLORY, 1_000));
        assertRevertsWith(
            address(prover),
            abi.encodeCall(TaskProver.execute, (id, forged, WORKER)),
            abi.encodeWithSelector(RequestProver.ArgsMismatch.selector, id, book.argsHashOf(id), keccak256(forged)),
            "forged args"
        );
    }

    // --- who may do what -------------------------------------------------------------------------------------

    /// @dev The board's own prover would honestly prove a transfer out of ALICE's balance for a request MALLORY
    ///      posted herself; only the board's record of what it posted keeps that answer from moving balances.
    function test_aRequestTheBoardDidNotPostMovesNothing() public {
        Task memory theft = Task(TaskKind.Transfer, ALICE, MALLORY, 1_000);
        vm.prank(MALLORY);
        uint256 id =
            book.post(address(prover), TaskProver.execute.selector, abi.encode(theft), address(board), 250_000, 1, 200);
        (Proof memory proof, bytes memory outputs) = _prove(id, theft, SETTLE);
        assertTrue(!book.fulfil(id, proof, outputs), "the callback refused it");
        assertEq(uint256(book.statusOf(id)), uint256(RequestStatus.CallbackFailed), "book status");
        assertEq(board.balanceOf(ALICE), 1_000, "alice keeps her balance");
        assertEq(board.balanceOf(MALLORY), 0, "mallory");
    }

    function test_onlyTheBookCallsBack() public {
        bytes memory result = abi.encode(true, new address[](0), new uint256[](0));
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.onVlayerResult, (1, result)),
            abi.encodeWithSelector(TaskBoard.NotBook.selector, address(this)),
            "direct callback"
        );
    }

    function test_onlyTheOwnerPaysInterestOrMints() public {
        vm.prank(MALLORY);
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.postInterest, (MALLORY)),
            abi.encodeWithSelector(Owned.NotOwner.selector, MALLORY),
            "interest"
        );
        vm.prank(MALLORY);
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.mint, (MALLORY, 1)),
            abi.encodeWithSelector(Owned.NotOwner.selector, MALLORY),
            "mint"
        );
    }

    function test_aSelfTransferIsRefused() public {
        vm.prank(ALICE);
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.postTransfer, (ALICE, 1)),
            abi.encodeWithSelector(TaskBoard.SelfTransfer.selector, ALICE),
            "self-transfer"
        );
    }

    function test_aProverOfAnotherBookIsRefused() public {
        RequestBook other = new RequestBook(book.PROOF_VERIFIER(), store);
        TaskProver foreign = new TaskProver(other, INTEREST_BPS);
        try new TaskBoard(book, foreign, CONFIRMATIONS, address(this)) {
            revert("a board over another book's prover was deployed");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(TaskBoard.ProverOfAnotherBook.selector, address(foreign));
            assertEq(reason, expected, "reason");
        }
    }

    // --- cancellation ----------------------------------------------------------------------------------------

    function test_anUnansweredTaskIsCancelledByItsPosterWithItsFee() public {
        (uint256 id,) = _transfer(ALICE, BOB, 1);
        uint256 before = ALICE.balance;
        vm.roll(POSTED + CONFIRMATIONS + board.TASK_BLOCKS() + 1);
        vm.prank(MALLORY);
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.cancelTask, (id)),
            abi.encodeWithSelector(TaskBoard.NotPoster.selector, id, MALLORY),
            "a stranger"
        );
        vm.prank(ALICE);
        board.cancelTask(id);
        assertEq(ALICE.balance, before + FEE, "fee refunded");
        assertEq(_state(id), uint256(TaskBoard.TaskState.Cancelled), "board");
        assertEq(uint256(book.statusOf(id)), uint256(RequestStatus.Cancelled), "book");
        assertEq(address(board).balance, 0, "nothing left on the board");
    }

    function test_anAnsweredTaskCannotBeCancelled() public {
        (uint256 id, Task memory task) = _transfer(ALICE, BOB, 1);
        _answer(id, task);
        vm.roll(POSTED + CONFIRMATIONS + board.TASK_BLOCKS() + 1);
        vm.prank(ALICE);
        assertRevertsWith(
            address(board),
            abi.encodeCall(TaskBoard.cancelTask, (id)),
            abi.encodeWithSelector(TaskBoard.NotPending.selector, id, TaskBoard.TaskState.Applied),
            "answered"
        );
    }

    function test_theBoardTakesEtherOnlyFromTheBook() public {
        vmx.deal(address(this), 1);
        (bool ok,) = address(board).call{value: 1}("");
        assertTrue(!ok, "a stray payment is refused");
    }
}
