// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../src/Proof.sol";
import {RequestBook} from "../../src/requests/RequestBook.sol";
import {RequestProver} from "../../src/requests/RequestProver.sol";
import {Read} from "../../src/requests/VersionedStore.sol";

/// @notice Example request prover: `args = abi.encode(bytes32 key, uint256 delta)`; the answer is the counter at
///         `key` in the book's store plus `delta`, as `result = abi.encode(key, newValue)`, over one read of `key`.
contract CounterProver is RequestProver {
    constructor(RequestBook book) RequestProver(book) {}

    function increment(uint256 id, bytes calldata args, address payee)
        public
        view
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        bytes32 argsHash = _checkedArgsHash(id, args);
        (bytes32 key, uint256 delta) = abi.decode(args, (bytes32, uint256));
        Read[] memory reads = new Read[](1);
        bytes32 value;
        (value, reads[0]) = _read(key);
        return (proof(), id, argsHash, payee, reads, abi.encode(key, uint256(value) + delta));
    }
}

/// @notice A prover that skips the args check: the book must still refuse its answer to another request's args.
contract SloppyProver is RequestProver {
    constructor(RequestBook book) RequestProver(book) {}

    function increment(uint256 id, bytes calldata args, address payee)
        public
        view
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        (bytes32 key, uint256 delta) = abi.decode(args, (bytes32, uint256));
        Read[] memory reads = new Read[](1);
        bytes32 value;
        (value, reads[0]) = _read(key);
        return (proof(), id, keccak256(args), payee, reads, abi.encode(key, uint256(value) + delta));
    }
}
