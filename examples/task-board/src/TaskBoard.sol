// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "vlayer/access/Owned.sol";
import {IRequestCallback} from "vlayer/requests/IRequestCallback.sol";
import {RequestBook} from "vlayer/requests/RequestBook.sol";
import {VersionedStore} from "vlayer/requests/VersionedStore.sol";
import {TaskProver} from "./TaskProver.v.sol";
import {Task, TaskKind, balanceKey} from "./Tasks.sol";

/// @notice An off-chain rollup in miniature: balances live in the book's `VersionedStore`; every change to them is
///         a task posted to the `RequestBook` with a fee, computed off chain by whichever worker proves
///         `TaskProver.execute` first, and applied here in the book's callback. The book answers each task once and
///         only over balances nobody has written since the proof's settle block, so the final balances are those
///         of applying the answered tasks one after another, in the order they were answered, whoever answered.
contract TaskBoard is IRequestCallback, Owned {
    enum TaskState {
        None,
        Pending,
        Applied,
        Rejected,
        Cancelled
    }

    struct TaskRecord {
        address poster;
        TaskState state;
        uint256 fee;
    }

    /// @notice Blocks a task stays open to workers; after that its poster may cancel it and take the fee back.
    uint64 public constant TASK_BLOCKS = 200;
    /// @notice Gas the book gives the callback: two store writes (a fresh key costs two cold SSTOREs) and the
    ///         task's record, with room to spare. The book forwards exactly this, whatever the worker sends.
    uint32 public constant CALLBACK_GAS = 250_000;

    RequestBook public immutable BOOK;
    /// @dev The book's own store: the versions the book checks must be the ones the board's writes bump.
    VersionedStore public immutable STORE;
    TaskProver public immutable PROVER;
    /// @notice Blocks a task's answer must settle after its posting block (`RequestBook.post`'s minConfirmations).
    uint16 public immutable CONFIRMATIONS;

    mapping(uint256 id => TaskRecord) public tasks;

    event TaskPosted(
        uint256 indexed id, address indexed poster, TaskKind kind, address from, address to, uint256 amount, uint256 fee
    );
    event TaskAnswered(uint256 indexed id, bool applied);
    event TaskCancelled(uint256 indexed id);

    error ProverOfAnotherBook(address prover);
    error SelfTransfer(address account);
    error NotBook(address caller);
    error NotPending(uint256 id, TaskState state);
    error NotPoster(uint256 id, address caller);
    error RefundFailed(address to, uint256 amount);

    constructor(RequestBook book, TaskProver prover, uint16 confirmations, address initialOwner) Owned(initialOwner) {
        // The prover checks args and reads versions through its own book: over another book it would answer
        // nothing this board posts.
        if (address(prover.BOOK()) != address(book)) {
            revert ProverOfAnotherBook(address(prover));
        }
        BOOK = book;
        STORE = VersionedStore(address(book.STORE()));
        PROVER = prover;
        CONFIRMATIONS = confirmations;
    }

    /// @notice Opening balances (and later deposits) are the owner's to credit. A credit is a store write, so any
    ///         answer in flight over the old balance is refused and proven again.
    function mint(address account, uint256 amount) external onlyOwner {
        bytes32 key = balanceKey(account);
        STORE.write(key, bytes32(uint256(STORE.valueOf(key)) + amount));
    }

    /// @notice Asks the workers to move `amount` from the caller to `to`; `msg.value` is the fee the answering
    ///         worker earns. The transfer happens only if the caller holds `amount` when the answer settles.
    function postTransfer(address to, uint256 amount) external payable returns (uint256 id) {
        if (to == msg.sender) {
            revert SelfTransfer(to);
        }
        return _post(Task(TaskKind.Transfer, msg.sender, to, amount));
    }

    /// @notice Asks the workers to pay `account` the prover's interest. Only the owner: interest is new money.
    function postInterest(address account) external payable onlyOwner returns (uint256 id) {
        return _post(Task(TaskKind.Interest, account, address(0), 0));
    }

    /// @notice The book's callback with a proven answer: writes the new balances it carries.
    function onVlayerResult(uint256 id, bytes calldata result) external {
        if (msg.sender != address(BOOK)) {
            revert NotBook(msg.sender);
        }
        TaskRecord storage task = tasks[id];
        // The book calls back whatever callback a request names, with that request's prover: a request someone
        // else posted, naming this board and a prover of their own, must not move balances here.
        if (task.state != TaskState.Pending) {
            revert NotPending(id, task.state);
        }
        (bool applied, address[] memory accounts, uint256[] memory balances) =
            abi.decode(result, (bool, address[], uint256[]));
        for (uint256 i = 0; i < accounts.length; i++) {
            STORE.write(balanceKey(accounts[i]), bytes32(balances[i]));
        }
        task.state = applied ? TaskState.Applied : TaskState.Rejected;
        emit TaskAnswered(id, applied);
    }

    /// @notice A task nobody answered by its deadline: its poster takes the fee back. The board is the book's
    ///         requester, so it cancels there and passes the refund on.
    function cancelTask(uint256 id) external {
        TaskRecord storage task = tasks[id];
        if (task.state != TaskState.Pending) {
            revert NotPending(id, task.state);
        }
        if (msg.sender != task.poster) {
            revert NotPoster(id, msg.sender);
        }
        task.state = TaskState.Cancelled;
        emit TaskCancelled(id);
        BOOK.cancel(id);
        (bool ok,) = msg.sender.call{value: task.fee}("");
        if (!ok) {
            revert RefundFailed(msg.sender, task.fee);
        }
    }

    /// @notice Refunds of cancelled tasks arrive here from the book, within its payout gas.
    receive() external payable {
        if (msg.sender != address(BOOK)) {
            revert NotBook(msg.sender);
        }
    }

    function balanceOf(address account) external view returns (uint256) {
        return uint256(STORE.valueOf(balanceKey(account)));
    }

    function stateOf(uint256 id) external view returns (TaskState) {
        return tasks[id].state;
    }

    function _post(Task memory task) private returns (uint256 id) {
        id = BOOK.post{value: msg.value}(
            address(PROVER),
            TaskProver.execute.selector,
            abi.encode(task),
            address(this),
            CALLBACK_GAS,
            CONFIRMATIONS,
            uint64(block.number) + CONFIRMATIONS + TASK_BLOCKS
        );
        tasks[id] = TaskRecord(msg.sender, TaskState.Pending, msg.value);
        emit TaskPosted(id, msg.sender, task.kind, task.from, task.to, task.amount, msg.value);
    }
}
