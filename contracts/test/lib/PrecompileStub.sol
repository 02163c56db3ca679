// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "./Test.sol";

/// @notice Stands in for a vlayer precompile in forge tests, which run no vlayer engine: etched at a precompile's
///         address (`PrecompileStubs.install`), it answers the inputs a test programmed with fixed bytes, or reverts
///         with fixed bytes, and refuses any other input with `UnexpectedInput`, so the test also pins the exact
///         input bytes a library sends.
contract PrecompileStub {
    enum Kind {
        Unknown,
        Answer,
        Revert,
        Exhaust
    }

    struct Reply {
        Kind kind;
        bytes data;
    }

    mapping(bytes32 inputHash => Reply) private replies;

    error UnexpectedInput(bytes input);

    /// @notice Answer `input` with `output`.
    function answer(bytes calldata input, bytes calldata output) external {
        replies[keccak256(input)] = Reply(Kind.Answer, output);
    }

    /// @notice Revert with `revertData` on `input`.
    function refuse(bytes calldata input, bytes calldata revertData) external {
        replies[keccak256(input)] = Reply(Kind.Revert, revertData);
    }

    /// @notice Spend all the gas given on `input` and fail without data, as a precompile that runs out of gas does.
    function exhaust(bytes calldata input) external {
        replies[keccak256(input)] = Reply(Kind.Exhaust, "");
    }

    fallback(bytes calldata input) external returns (bytes memory) {
        Reply memory reply = replies[keccak256(input)];
        if (reply.kind == Kind.Unknown) {
            revert UnexpectedInput(input);
        }
        bytes memory data = reply.data;
        if (reply.kind == Kind.Revert) {
            assembly ("memory-safe") {
                revert(add(data, 0x20), mload(data))
            }
        }
        if (reply.kind == Kind.Exhaust) {
            assembly ("memory-safe") {
                invalid()
            }
        }
        return data;
    }
}

library PrecompileStubs {
    /// @notice Etches a stub at `precompile`. Its replies live in that address's storage, which etching keeps: a
    ///         stub installed again at the same address in one test still knows the replies programmed before.
    function install(Vm vm, address precompile) internal returns (PrecompileStub) {
        vm.etch(precompile, address(new PrecompileStub()).code);
        return PrecompileStub(precompile);
    }
}
