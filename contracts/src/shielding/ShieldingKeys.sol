// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../access/Owned.sol";

/// @notice The shielding keys of a deployment of workers: the X25519 public keys that clients seal request args to
///         (HPKE, docs/requests.md "Shielded requests"). Each key has a version (1, 2, ...) so that a key can be
///         rotated: clients seal to `currentKey()`, and a request sealed to an older version stays answerable until
///         the owner retires that version.
interface IShieldingKeys {
    event ShieldingKeyAdded(uint32 version, bytes32 publicKey);
    event ShieldingKeyRetired(uint32 version);

    /// @notice Registers `publicKey` as the next version, which becomes the current key.
    function addKey(bytes32 publicKey) external returns (uint32 version);
    /// @notice Stops `version` from opening requests; a retired version never comes back.
    function retireKey(uint32 version) external;
    /// @notice The key of `version` and whether it is retired; (0, false) for a version never added.
    function keyOf(uint32 version) external view returns (bytes32 publicKey, bool retired);
    /// @notice The newest version not retired, and its key: the one clients seal to.
    function currentKey() external view returns (uint32 version, bytes32 publicKey);
    /// @notice How many versions were ever added (retired ones included): the newest version.
    function keyCount() external view returns (uint32);
    /// @notice The version `publicKey` was added as; 0 for a key never added. A worker finds its key's version here.
    function versionOf(bytes32 publicKey) external view returns (uint32);
}

/// @notice The owner adds and retires keys; nothing is ever deleted, so `keyOf` of a retired version still names
///         its key (a prover reading it at the settle block refuses it by the flag).
contract ShieldingKeys is IShieldingKeys, Owned {
    struct Key {
        bytes32 publicKey;
        bool retired;
    }

    uint32 public keyCount;
    mapping(uint32 version => Key) private keys;
    mapping(bytes32 publicKey => uint32 version) public versionOf;

    /// @notice The zero key: not a key anyone holds the secret of, and what `keyOf` answers for an unknown version.
    error ZeroShieldingKey();
    /// @notice The key is registered already (perhaps retired): one key has one version, so a ciphertext's aad
    ///         (which names the version) cannot be replayed under another version of the same key.
    error ShieldingKeyAlreadyAdded(bytes32 publicKey);
    error UnknownShieldingKey(uint32 version);
    error ShieldingKeyAlreadyRetired(uint32 version);
    /// @notice Every version is retired, or none was added: there is nothing to seal to.
    error NoShieldingKey();

    constructor(address initialOwner) Owned(initialOwner) {}

    function addKey(bytes32 publicKey) external onlyOwner returns (uint32 version) {
        if (publicKey == bytes32(0)) {
            revert ZeroShieldingKey();
        }
        if (versionOf[publicKey] != 0) {
            revert ShieldingKeyAlreadyAdded(publicKey);
        }
        version = keyCount + 1;
        keyCount = version;
        keys[version] = Key(publicKey, false);
        versionOf[publicKey] = version;
        emit ShieldingKeyAdded(version, publicKey);
    }

    function retireKey(uint32 version) external onlyOwner {
        if (version == 0 || version > keyCount) {
            revert UnknownShieldingKey(version);
        }
        if (keys[version].retired) {
            revert ShieldingKeyAlreadyRetired(version);
        }
        keys[version].retired = true;
        emit ShieldingKeyRetired(version);
    }

    function keyOf(uint32 version) external view returns (bytes32 publicKey, bool retired) {
        Key storage key = keys[version];
        return (key.publicKey, key.retired);
    }

    function currentKey() external view returns (uint32 version, bytes32 publicKey) {
        // Newest first: only versions newer than the current one, all retired, are passed over.
        for (version = keyCount; version > 0; --version) {
            Key storage key = keys[version];
            if (!key.retired) {
                return (version, key.publicKey);
            }
        }
        revert NoShieldingKey();
    }
}
