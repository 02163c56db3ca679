// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Log, LogQuery, Logs} from "vlayer/Logs.sol";
import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";

/// @notice Proves how much of a token a holder received over a block range, from the token's Transfer events:
///         every matching log of every block in the range (docs/logs.md), not a balance that a self-transfer or a
///         flash loan could inflate at one block.
contract ReceivedProver is Prover {
    bytes32 public constant TRANSFER = keccak256("Transfer(address,address,uint256)");
    address public immutable TOKEN;

    constructor(address token) {
        TOKEN = token;
    }

    function received(address holder, uint256 fromBlock, uint256 toBlock)
        public
        view
        returns (Proof memory, address, uint256 fromBlock_, uint256 toBlock_, uint256 total, uint256 transfers)
    {
        LogQuery memory q = Logs.query(TOKEN, TRANSFER, fromBlock, toBlock);
        // Transfer(address indexed from, address indexed to, uint256 value): `to` is topic 2.
        q.topics = new bytes32[][](3);
        q.topics[0] = new bytes32[](1);
        q.topics[0][0] = TRANSFER;
        q.topics[2] = new bytes32[](1);
        q.topics[2][0] = bytes32(uint256(uint160(holder)));
        Log[] memory logs = Logs.get(q);
        for (uint256 i = 0; i < logs.length; i++) {
            total += abi.decode(logs[i].data, (uint256));
        }
        return (proof(), holder, fromBlock, toBlock, total, logs.length);
    }
}
