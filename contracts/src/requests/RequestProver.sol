// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Prover} from "../Prover.sol";
import {RequestBook} from "./RequestBook.sol";
import {IVersionedStore, Read} from "./VersionedStore.sol";

/// @notice Base for provers that answer `RequestBook` requests. A proving function has the shape
///
///             function f(uint256 id, bytes calldata args, address payee) public returns
///                 (Proof memory, uint256 id, bytes32 argsHash, address payee, Read[] memory reads, bytes memory result)
///
///         and starts with `_checkedArgsHash(id, args)`; it reads the state it depends on with `_read`, lists each
///         `Read` it made, and returns `(proof(), id, argsHash, payee, reads, result)`. `RequestBook.fulfil`
///         decodes exactly these outputs.
/// @dev The request's args are not stored on chain, only their hash: reading the hash from the book inside the
///      proven call (so at the settle block) is what binds the answer to the args the requester posted. A worker
///      that passes other args gets a revert here, so no proof of a wrong answer can exist.
abstract contract RequestProver is Prover {
    RequestBook public immutable BOOK;
    /// @dev The book's store: versions must be read where the book will check them.
    IVersionedStore public immutable STORE;

    error ArgsMismatch(uint256 id, bytes32 posted, bytes32 given);

    constructor(RequestBook book) {
        BOOK = book;
        STORE = book.STORE();
    }

    /// @notice keccak256(args), after checking it is the hash request `id` was posted with (0 for no request).
    function _checkedArgsHash(uint256 id, bytes calldata args) internal view returns (bytes32 argsHash) {
        argsHash = keccak256(args);
        bytes32 posted = BOOK.argsHashOf(id);
        if (posted != argsHash) {
            revert ArgsMismatch(id, posted, argsHash);
        }
    }

    /// @notice The value of `key` in the book's store, and the `Read` to return for it.
    function _read(bytes32 key) internal view returns (bytes32 value, Read memory read) {
        return (STORE.valueOf(key), Read(key, STORE.versionOf(key)));
    }
}
