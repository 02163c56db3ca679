// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Prover} from "../../contracts/src/Prover.sol";
import {Log, LogQuery, Logs, ILogs} from "../../contracts/src/Logs.sol";

/// @notice Emits ERC20 Transfer events (two indexed topics) without keeping balances.
contract TransferEmitter {
    event Transfer(address indexed from, address indexed to, uint256 value);

    function transfer(address from, address to, uint256 value) external {
        emit Transfer(from, to, value);
    }

    /// @dev Several logs in one receipt, including one with no topics and one with four.
    function burst(address to, uint256 value) external {
        emit Transfer(msg.sender, to, value);
        bytes32 t = bytes32(value);
        assembly {
            log0(0, 0)
            log4(0, 0, t, t, t, t)
        }
        emit Transfer(to, msg.sender, value + 1);
    }
}

/// @notice Provers over logs: sums, raw answers, and the edge cases the guest must agree on.
contract LogsProbe is Prover {
    bytes32 internal constant TRANSFER = keccak256("Transfer(address,address,uint256)");

    /// @notice The sum and count of `token`'s Transfer values to `holder` over `fromBlock ..= toBlock`.
    function sumTransfersTo(address token, address holder, uint256 fromBlock, uint256 toBlock)
        external
        view
        returns (uint256 total, uint256 count)
    {
        LogQuery memory q = Logs.query(token, TRANSFER, fromBlock, toBlock);
        q.topics = new bytes32[][](3);
        q.topics[0] = new bytes32[](1);
        q.topics[0][0] = TRANSFER;
        q.topics[2] = new bytes32[](1);
        q.topics[2][0] = bytes32(uint256(uint160(holder)));
        Log[] memory logs = Logs.get(q);
        for (uint256 i = 0; i < logs.length; i++) {
            total += abi.decode(logs[i].data, (uint256));
        }
        count = logs.length;
    }

    function raw(LogQuery calldata q) external view returns (Log[] memory) {
        return Logs.get(q);
    }

    /// @notice The query with a gas limit: whether it succeeded, the answer's size and the gas left after it.
    function withGas(LogQuery calldata q, uint256 gas) external view returns (bool ok, uint256 size, uint256 left) {
        bytes memory answer;
        (ok, answer) = Logs.ORACLE.staticcall{gas: gas}(abi.encodeCall(ILogs.getLogs, (q)));
        size = answer.length;
        left = gasleft();
    }

    function withValue(LogQuery calldata q) external returns (bool ok) {
        (ok,) = Logs.ORACLE.call{value: 1}(abi.encodeCall(ILogs.getLogs, (q)));
    }

    /// @notice A query made after travelling: blocks are absolute, so the answer is the same.
    function rawAfterTravel(uint256 travelTo, LogQuery calldata q) external returns (Log[] memory logs) {
        setBlock(travelTo);
        logs = Logs.get(q);
    }

    receive() external payable {}
}
