// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A log query: blocks `fromBlock ..= toBlock` of the settle chain (at most the settle block); `emitters`
///         (empty: any); per topic position, an OR-list of topics (empty: any), as eth_getLogs filters.
struct LogQuery {
    uint256 fromBlock;
    uint256 toBlock;
    address[] emitters;
    bytes32[][] topics;
}

/// @notice One log, as the block's receipts prove it. `logIndex` is its index in the block, `transactionIndex` its
///         receipt's. Receipts prove neither a transaction's hash nor its sender, so neither is given.
struct Log {
    uint256 blockNumber;
    uint256 logIndex;
    uint256 transactionIndex;
    address emitter;
    bytes32[] topics;
    bytes data;
}

/// @notice The executor's log oracle. Nothing is deployed at its address: the vlayer host and guest answer it from
///         receipts proven through each block's receipts root (docs/logs.md).
interface ILogs {
    function getLogs(LogQuery calldata query) external view returns (Log[] memory);
}

/// @notice Logs as inputs for `*.v.sol` provers: every matching log of a block range, ordered by block and log
///         index, complete (the guest proves each block's receipts or that its bloom excludes the query).
library Logs {
    /// @dev The low 20 bytes of keccak256("vlayer.logs").
    address internal constant ORACLE = address(uint160(uint256(keccak256("vlayer.logs"))));

    error LogsNotSupported();
    error LogsQueryFailed();

    /// @notice The logs matching `q`. A STATICCALL, so `view` provers can use it. On a plain node's eth_call the
    ///         address has no code and answers nothing: that reverts with `LogsNotSupported`, rather than proving a
    ///         call that saw no logs.
    function get(LogQuery memory q) internal view returns (Log[] memory) {
        (bool ok, bytes memory answer) = ORACLE.staticcall(abi.encodeCall(ILogs.getLogs, (q)));
        if (!ok) revert LogsQueryFailed();
        if (answer.length == 0) revert LogsNotSupported();
        return abi.decode(answer, (Log[]));
    }

    /// @notice A query for one event signature (`topic0`) from one emitter over `fromBlock ..= toBlock`, with the
    ///         next topic positions left open.
    function query(address emitter, bytes32 topic0, uint256 fromBlock, uint256 toBlock)
        internal
        pure
        returns (LogQuery memory q)
    {
        q.fromBlock = fromBlock;
        q.toBlock = toBlock;
        q.emitters = new address[](1);
        q.emitters[0] = emitter;
        q.topics = new bytes32[][](1);
        q.topics[0] = new bytes32[](1);
        q.topics[0][0] = topic0;
    }
}
