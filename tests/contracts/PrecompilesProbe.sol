// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Prover} from "../../contracts/src/Prover.sol";

/// @notice Calls vlayer's precompiles with raw inputs, so tests can compare the preflight, the native guest and the
///         zkVM executor on each of them, and see what a caller sees (success flag, output, gas left).
contract PrecompilesProbe is Prover {
    address internal constant BASE = 0xF4E4FdcA9d5D55e64525e314391996a15f7EC600;

    /// @dev `suffix`: the precompile's address byte; `gas`: what the call gives it (0: all there is).
    function raw(uint8 suffix, bytes calldata input, uint256 gas)
        public
        view
        returns (bool ok, bytes memory output, uint256 gasLeft)
    {
        address target = address(uint160(BASE) + suffix);
        (ok, output) = gas == 0 ? target.staticcall(input) : target.staticcall{gas: gas}(input);
        gasLeft = gasleft();
    }

    /// @dev The same call after time travel to `blockNumber`.
    function rawAfterTravel(uint256 blockNumber, uint8 suffix, bytes calldata input)
        external
        returns (bool ok, bytes memory output, uint256 gasLeft)
    {
        setBlock(blockNumber);
        return raw(suffix, input, 0);
    }

    /// @dev Every cold account touched before the precompile: its address must be warm (EIP-2929) in both engines.
    function balanceOfPrecompile(uint8 suffix) external view returns (uint256 balance, uint256 gasLeft) {
        balance = address(uint160(BASE) + suffix).balance;
        gasLeft = gasleft();
    }
}
