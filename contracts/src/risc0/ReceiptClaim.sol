// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice RISC Zero's structural hash: sha256(sha256(tag) || down digests || data || len(down) as u16 LE).
/// @dev The prover and the Groth16 circuit hash receipt claims this way; any other encoding yields another digest
///      and the proof does not verify.
library StructHash {
    function tagged(string memory tag, bytes32[] memory down, bytes memory data) internal pure returns (bytes32) {
        uint16 count = uint16(down.length);
        return sha256(abi.encodePacked(sha256(bytes(tag)), down, data, bytes2((count << 8) | (count >> 8))));
    }

    function tagged(string memory tag, bytes32[] memory down) internal pure returns (bytes32) {
        return tagged(tag, down, "");
    }

    /// @notice A list hashed as a cons chain from its last element: cons(tag, item, rest), ending in zero.
    function taggedList(string memory tag, bytes32[] memory items) internal pure returns (bytes32 rest) {
        for (uint256 i = items.length; i > 0; i--) {
            rest = tagged(tag, pair(items[i - 1], rest));
        }
    }

    function pair(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory down) {
        down = new bytes32[](2);
        down[0] = a;
        down[1] = b;
    }

    function triple(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory down) {
        down = new bytes32[](3);
        down[0] = a;
        down[1] = b;
        down[2] = c;
    }
}

/// @notice The digest of the claim a successful, unconditional zkVM run makes: image `imageId` ran from its initial
///         state, halted with exit code 0, had no committed input and no assumptions, and committed a journal
///         whose sha256 is `journalDigest`.
library ReceiptClaimLib {
    /// @dev Digest of the zero SystemState (pc 0, zero merkle root): the post state RISC Zero uses for a halted
    ///      run. Its derivation is checked by the forge tests.
    bytes32 internal constant SYSTEM_STATE_ZERO_DIGEST =
        0xa3acc27117418996340b84e5a90f3ef4c49d22c79e44aad822ec9c313e1eb8e2;

    function ok(bytes32 imageId, bytes32 journalDigest) internal pure returns (bytes32) {
        bytes32[] memory down = new bytes32[](4);
        down[0] = bytes32(0); // input: unused, must be zero
        down[1] = imageId; // pre state
        down[2] = SYSTEM_STATE_ZERO_DIGEST; // post state
        down[3] = outputDigest(journalDigest, bytes32(0));
        // Exit code (system Halted = 0, user 0), each as a u32 little-endian word.
        return StructHash.tagged("risc0.ReceiptClaim", down, abi.encodePacked(uint32(0), uint32(0)));
    }

    function outputDigest(bytes32 journalDigest, bytes32 assumptionsDigest) internal pure returns (bytes32) {
        bytes32[] memory down = new bytes32[](2);
        down[0] = journalDigest;
        down[1] = assumptionsDigest;
        return StructHash.tagged("risc0.Output", down);
    }

    function systemStateDigest(uint32 pc, bytes32 merkleRoot) internal pure returns (bytes32) {
        bytes32[] memory down = new bytes32[](1);
        down[0] = merkleRoot;
        return StructHash.tagged("risc0.SystemState", down, abi.encodePacked(ByteOrder.reverse32(pc)));
    }
}

/// @notice Little-endian views of big-endian values: RISC Zero hashes and the Groth16 circuit read digests as LE.
library ByteOrder {
    function reverse256(uint256 v) internal pure returns (uint256) {
        v = ((v >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)
            | ((v & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) << 8);
        v = ((v >> 16) & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
            | ((v & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) << 16);
        v = ((v >> 32) & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
            | ((v & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) << 32);
        v = ((v >> 64) & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
            | ((v & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff) << 64);
        return (v >> 128) | (v << 128);
    }

    function reverse32(uint32 v) internal pure returns (uint32) {
        v = ((v >> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
        return (v >> 16) | (v << 16);
    }
}
