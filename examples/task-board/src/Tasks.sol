// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

enum TaskKind {
    Transfer,
    Interest
}

/// @notice One unit of work the board hands out: a request's args are `abi.encode(task)`.
///         `Transfer` moves `amount` from `from` to `to` if `from` holds that much at the settle block;
///         `Interest` credits `from` with the prover's interest on its balance (`to` and `amount` are unused).
struct Task {
    TaskKind kind;
    address from;
    address to;
    uint256 amount;
}

/// @notice The store key of an account's balance. The board writes it and the prover reads it: both must derive
///         it the same way. The tag keeps the board's keys apart from other writers' keys in a shared store.
function balanceKey(address account) pure returns (bytes32) {
    return keccak256(abi.encode("task-board.balance", account));
}
