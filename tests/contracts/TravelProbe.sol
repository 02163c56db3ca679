// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Prover} from "../../contracts/src/Prover.sol";

/// @notice State that changes every block, read by the probe at the blocks it travels to.
contract Ledger {
    mapping(address => uint256) public balanceOf;
    uint256 public writes;

    function credit(address owner, uint256 amount) external {
        balanceOf[owner] += amount;
        writes++;
    }

    /// @dev The block environment and a BLOCKHASH as the block the call runs on sees them.
    function env() external view returns (uint256 number, uint256 timestamp, bytes32 parent, address coinbase) {
        return (block.number, block.timestamp, blockhash(block.number - 1), block.coinbase);
    }

    function mustBeRich(address owner) external view returns (uint256) {
        require(balanceOf[owner] >= 100, "Ledger: too poor");
        return balanceOf[owner];
    }

    /// @dev Writes and refunds inside a travelled frame must leave no trace outside it.
    function scratch() external returns (uint256 before) {
        before = writes;
        writes = 0;
        writes = before;
    }
}

/// @notice A prover exercising time travel's rules (host preflight vs guest).
contract TravelProbe is Prover {
    Ledger public immutable LEDGER;

    constructor(Ledger ledger) {
        LEDGER = ledger;
    }

    receive() external payable {}

    function balanceAt(address owner, uint256 blockNumber) public returns (uint256) {
        setBlock(blockNumber);
        return LEDGER.balanceOf(owner);
    }

    /// @dev Balances at each block, then back at the pinned block (`now`).
    function history(address owner, uint256[] calldata blocks, uint256 pinned)
        public
        returns (uint256[] memory out, uint256 current)
    {
        out = new uint256[](blocks.length);
        for (uint256 i = 0; i < blocks.length; i++) {
            setBlock(blocks[i]);
            out[i] = LEDGER.balanceOf(owner);
        }
        setBlock(pinned);
        current = LEDGER.balanceOf(owner);
    }

    function envAt(uint256 blockNumber) public returns (uint256, uint256, bytes32, address) {
        setBlock(blockNumber);
        return LEDGER.env();
    }

    /// @dev A travelled call that reverts comes back as a revert the prover can catch; gas figures must agree.
    function richAt(address owner, uint256 blockNumber) public returns (bool rich, string memory reason, uint256 gas) {
        setBlock(blockNumber);
        try LEDGER.mustBeRich(owner) returns (uint256) {
            rich = true;
        } catch Error(string memory why) {
            reason = why;
        }
        gas = gasleft();
    }

    function scratchAt(uint256 blockNumber) public returns (uint256 writes, uint256 gas) {
        setBlock(blockNumber);
        writes = LEDGER.scratch();
        gas = gasleft();
    }

    function teleport(uint256 chainId, uint256 blockNumber, address owner) public returns (uint256) {
        setChain(chainId, blockNumber);
        return LEDGER.balanceOf(owner);
    }

    function payAt(uint256 blockNumber) public payable returns (bool ok) {
        setBlock(blockNumber);
        (ok,) = address(LEDGER).call{value: 1}("");
    }

    function unknownRequest() public returns (bool ok, bytes memory answer) {
        (ok, answer) = address(uint160(uint256(keccak256("vlayer.traveler")))).call(hex"deadbeef");
    }
}
