// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {RequestBook} from "vlayer/requests/RequestBook.sol";
import {RequestProver} from "vlayer/requests/RequestProver.sol";
import {Read} from "vlayer/requests/VersionedStore.sol";
import {Task, TaskKind, balanceKey} from "./Tasks.sol";

/// @notice The board's rules, run off chain by the workers and proven: given a posted task and the balances in the
///         book's store at the settle block, the new balances. `result = abi.encode(bool applied, address[]
///         accounts, uint256[] balances)`: the board writes each balance as given; a refused task writes nothing.
/// @dev Every balance a decision depends on is returned as a `Read`, refusals included: a deposit landing after
///      the proof could turn a refusal into a transfer, so a refusal over a stale balance must not stand either.
contract TaskProver is RequestProver {
    /// @notice What an `Interest` task pays, in basis points of the balance. The rate lives with the code that
    ///         computes every new balance, so a board trusting this prover trusts this rate.
    uint256 public immutable INTEREST_BPS;

    constructor(RequestBook book, uint256 interestBps) RequestProver(book) {
        INTEREST_BPS = interestBps;
    }

    function execute(uint256 id, bytes calldata args, address payee)
        public
        view
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        bytes32 argsHash = _checkedArgsHash(id, args);
        Task memory task = abi.decode(args, (Task));
        Read[] memory reads;
        bytes memory result;
        if (task.kind == TaskKind.Transfer) {
            (reads, result) = _transfer(task);
        } else {
            (reads, result) = _interest(task);
        }
        return (proof(), id, argsHash, payee, reads, result);
    }

    function _transfer(Task memory task) private view returns (Read[] memory reads, bytes memory result) {
        (bytes32 fromValue, Read memory fromRead) = _read(balanceKey(task.from));
        uint256 fromBalance = uint256(fromValue);
        // A self-transfer would write the same key twice and the second write would mint `amount`; the board
        // refuses to post one, and the rules refuse it too rather than rely on that.
        if (fromBalance < task.amount || task.from == task.to) {
            reads = new Read[](1);
            reads[0] = fromRead;
            return (reads, abi.encode(false, new address[](0), new uint256[](0)));
        }
        (bytes32 toValue, Read memory toRead) = _read(balanceKey(task.to));
        reads = new Read[](2);
        (reads[0], reads[1]) = (fromRead, toRead);
        address[] memory accounts = new address[](2);
        (accounts[0], accounts[1]) = (task.from, task.to);
        uint256[] memory balances = new uint256[](2);
        (balances[0], balances[1]) = (fromBalance - task.amount, uint256(toValue) + task.amount);
        result = abi.encode(true, accounts, balances);
    }

    function _interest(Task memory task) private view returns (Read[] memory reads, bytes memory result) {
        (bytes32 value, Read memory read) = _read(balanceKey(task.from));
        reads = new Read[](1);
        reads[0] = read;
        address[] memory accounts = new address[](1);
        accounts[0] = task.from;
        uint256[] memory balances = new uint256[](1);
        balances[0] = uint256(value) + uint256(value) * INTEREST_BPS / 10_000;
        result = abi.encode(true, accounts, balances);
    }
}
