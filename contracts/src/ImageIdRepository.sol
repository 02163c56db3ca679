// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "./access/Owned.sol";

/// @notice The zkVM guest images whose proofs verifiers accept (vlayer v1 interface).
interface IImageIdRepository {
    event ImageIDAdded(bytes32 imageID);
    event ImageIDRevoked(bytes32 imageID);

    function addImageIdSupport(bytes32 imageId) external;
    function revokeImageIdSupport(bytes32 imageId) external;
    function isImageSupported(bytes32 imageId) external view returns (bool);
}

/// @notice The DNS notary keys whose signed DKIM records `EmailProofLib.verify(email, repository)` accepts (vlayer
///         v1's `Repository` functions). A key is its SubjectPublicKeyInfo DER, as `VerificationData.pubKey` carries
///         it; the repository keeps `keccak256(key)`.
interface IDnsKeyRepository {
    event DnsKeyAdded(address who, bytes key);
    event DnsKeyRevoked(address who, bytes key);

    function addDnsKey(bytes calldata key) external;
    function revokeDnsKey(bytes calldata key) external;
    function isDnsKeyValid(bytes calldata key) external view returns (bool);
}

/// @notice Image IDs are registered at runtime by the owner, so a new guest build (or a revoked, buggy one) needs
///         no redeployment of the verifiers that consult this repository. DNS notary keys live here too, for the
///         same reason: a rotated notary key needs no new prover.
contract ImageIdRepository is IImageIdRepository, IDnsKeyRepository, Owned {
    mapping(bytes32 imageId => bool) private supported;
    mapping(bytes32 keyHash => bool) private dnsKeys;

    error ImageIdAlreadySupported(bytes32 imageId);
    error ImageIdNotSupported(bytes32 imageId);
    error DnsKeyAlreadyValid(bytes32 keyHash);
    error DnsKeyNotValid(bytes32 keyHash);
    error EmptyDnsKey();

    constructor(address initialOwner) Owned(initialOwner) {}

    function addImageIdSupport(bytes32 imageId) external onlyOwner {
        if (supported[imageId]) {
            revert ImageIdAlreadySupported(imageId);
        }
        supported[imageId] = true;
        emit ImageIDAdded(imageId);
    }

    function revokeImageIdSupport(bytes32 imageId) external onlyOwner {
        if (!supported[imageId]) {
            revert ImageIdNotSupported(imageId);
        }
        supported[imageId] = false;
        emit ImageIDRevoked(imageId);
    }

    function isImageSupported(bytes32 imageId) external view returns (bool) {
        return supported[imageId];
    }

    function addDnsKey(bytes calldata key) external onlyOwner {
        if (key.length == 0) {
            revert EmptyDnsKey();
        }
        bytes32 keyHash = keccak256(key);
        if (dnsKeys[keyHash]) {
            revert DnsKeyAlreadyValid(keyHash);
        }
        dnsKeys[keyHash] = true;
        emit DnsKeyAdded(msg.sender, key);
    }

    function revokeDnsKey(bytes calldata key) external onlyOwner {
        bytes32 keyHash = keccak256(key);
        if (!dnsKeys[keyHash]) {
            revert DnsKeyNotValid(keyHash);
        }
        dnsKeys[keyHash] = false;
        emit DnsKeyRevoked(msg.sender, key);
    }

    function isDnsKeyValid(bytes calldata key) external view returns (bool) {
        return dnsKeys[keccak256(key)];
    }
}
