// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../access/Owned.sol";
import {IRiscZeroVerifier, Receipt} from "./IRiscZeroVerifier.sol";

/// @notice One address for many verifiers: a seal goes to the verifier registered for its 4-byte selector, so
///         receipts of several zkVM releases (and dev-mode seals on dev chains) verify through the same contract.
/// @dev A removed selector is tombstoned forever: a selector then always meant at most one verifier.
contract RiscZeroVerifierRouter is IRiscZeroVerifier, Owned {
    IRiscZeroVerifier private constant TOMBSTONE = IRiscZeroVerifier(address(1));

    mapping(bytes4 selector => IRiscZeroVerifier) public verifiers;

    event VerifierAdded(bytes4 indexed selector, IRiscZeroVerifier verifier);
    event VerifierRemoved(bytes4 indexed selector);

    error SelectorUnknown(bytes4 selector);
    error SelectorInUse(bytes4 selector);
    error SelectorRemoved(bytes4 selector);
    error VerifierAddressZero();
    error SealTooShort(uint256 length);

    constructor(address initialOwner) Owned(initialOwner) {}

    function addVerifier(bytes4 selector, IRiscZeroVerifier verifier) external onlyOwner {
        IRiscZeroVerifier current = verifiers[selector];
        if (address(current) == address(TOMBSTONE)) {
            revert SelectorRemoved(selector);
        }
        if (address(current) != address(0)) {
            revert SelectorInUse(selector);
        }
        if (address(verifier) == address(0)) {
            revert VerifierAddressZero();
        }
        verifiers[selector] = verifier;
        emit VerifierAdded(selector, verifier);
    }

    function removeVerifier(bytes4 selector) external onlyOwner {
        getVerifier(selector);
        verifiers[selector] = TOMBSTONE;
        emit VerifierRemoved(selector);
    }

    function getVerifier(bytes4 selector) public view returns (IRiscZeroVerifier verifier) {
        verifier = verifiers[selector];
        if (address(verifier) == address(0)) {
            revert SelectorUnknown(selector);
        }
        if (address(verifier) == address(TOMBSTONE)) {
            revert SelectorRemoved(selector);
        }
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        _route(seal).verify(seal, imageId, journalDigest);
    }

    function verifyIntegrity(Receipt calldata receipt) external view {
        _route(receipt.seal).verifyIntegrity(receipt);
    }

    function _route(bytes calldata seal) private view returns (IRiscZeroVerifier) {
        if (seal.length < 4) {
            revert SealTooShort(seal.length);
        }
        return getVerifier(bytes4(seal[:4]));
    }
}
