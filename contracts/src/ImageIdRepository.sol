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

/// @notice Image IDs are registered at runtime by the owner, so a new guest build (or a revoked, buggy one) needs
///         no redeployment of the verifiers that consult this repository.
contract ImageIdRepository is IImageIdRepository, Owned {
    mapping(bytes32 imageId => bool) private supported;

    error ImageIdAlreadySupported(bytes32 imageId);
    error ImageIdNotSupported(bytes32 imageId);

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
}
