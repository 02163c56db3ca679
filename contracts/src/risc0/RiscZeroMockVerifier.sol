// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainIds} from "../ChainIds.sol";
import {IRiscZeroSelectable, IRiscZeroVerifier, Receipt, SelectorMismatch, VerificationFailed} from "./IRiscZeroVerifier.sol";
import {ReceiptClaimLib} from "./ReceiptClaim.sol";

/// @notice Dev-mode verifier: a seal is `SELECTOR || claimDigest`, which anyone can produce, so it proves nothing.
///         It exists so that apps run end to end before the zkVM proves, and it cannot be deployed on a mainnet.
contract RiscZeroMockVerifier is IRiscZeroVerifier, IRiscZeroSelectable {
    bytes4 public immutable SELECTOR;

    error MockVerifierOnMainnet(uint256 chainId);

    constructor(bytes4 selector) {
        if (ChainIds.isMainnet(block.chainid)) {
            revert MockVerifierOnMainnet(block.chainid);
        }
        SELECTOR = selector;
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        _verify(seal, ReceiptClaimLib.ok(imageId, journalDigest));
    }

    function verifyIntegrity(Receipt calldata receipt) external view {
        _verify(receipt.seal, receipt.claimDigest);
    }

    /// @notice The seal this verifier accepts for a successful run of `imageId` committing `journalDigest`.
    function mockSeal(bytes32 imageId, bytes32 journalDigest) external view returns (bytes memory) {
        return abi.encodePacked(SELECTOR, ReceiptClaimLib.ok(imageId, journalDigest));
    }

    function _verify(bytes calldata seal, bytes32 claimDigest) private view {
        if (seal.length < 4 || bytes4(seal[:4]) != SELECTOR) {
            revert SelectorMismatch(seal.length < 4 ? bytes4(0) : bytes4(seal[:4]), SELECTOR);
        }
        if (seal.length != 36 || bytes32(seal[4:]) != claimDigest) {
            revert VerificationFailed();
        }
    }
}
