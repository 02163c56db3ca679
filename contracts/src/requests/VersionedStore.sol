// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../access/Owned.sol";

/// @notice A key a request prover read, and the version it read it at. `RequestBook.fulfil` refuses the proof when
///         the store has moved on from `version` since.
struct Read {
    bytes32 key;
    uint256 version;
}

/// @notice What `RequestBook` needs from a store: a version per key that changes on every write.
interface IVersionedStore {
    /// @notice The number of writes to `key` so far; 0 for a key never written.
    function versionOf(bytes32 key) external view returns (uint256);

    function valueOf(bytes32 key) external view returns (bytes32);
}

/// @notice The concurrency ("ACID") guard for state a request's answer depends on. A prover reads values and
///         their versions here; between proving and fulfilment any write bumps the version, and the book then
///         refuses the answer (`StaleRead`), so two answers computed over the same state cannot both apply.
/// @dev A consumer keeps the state its requests read here rather than in its own storage, and writes it (from its
///      callback or anywhere else) through `write`, so that no write can bypass the version. Writers are
///      authorised by the owner: a stranger able to bump versions could make every pending proof stale.
contract VersionedStore is IVersionedStore, Owned {
    mapping(bytes32 key => bytes32) private values;
    mapping(bytes32 key => uint256) private versions;
    mapping(address writer => bool) public isWriter;

    event WriterSet(address indexed writer, bool allowed);
    event Written(bytes32 indexed key, bytes32 value, uint256 version, address indexed writer);

    error NotWriter(address caller);

    constructor(address initialOwner) Owned(initialOwner) {}

    function setWriter(address writer, bool allowed) external onlyOwner {
        isWriter[writer] = allowed;
        emit WriterSet(writer, allowed);
    }

    /// @notice Stores `value` under `key` and bumps its version, even when the value is unchanged: a proof is
    ///         stale once anything wrote the key, whatever it wrote.
    function write(bytes32 key, bytes32 value) external returns (uint256 version) {
        if (!isWriter[msg.sender]) {
            revert NotWriter(msg.sender);
        }
        values[key] = value;
        version = ++versions[key];
        emit Written(key, value, version, msg.sender);
    }

    function valueOf(bytes32 key) external view returns (bytes32) {
        return values[key];
    }

    function versionOf(bytes32 key) external view returns (uint256) {
        return versions[key];
    }
}
