"""The OP-stack output root: what an L1 anchor-state registry publishes for an L2 block (OP's
`Hashing.hashOutputRootProof`, version 0). The guest computes the same (`guest/src/teleport.rs`)."""

from __future__ import annotations

from eth_hash.auto import keccak

#: The L2ToL1MessagePasser predeploy, whose storage root is the output root's third field.
MESSAGE_PASSER = bytes.fromhex("4200000000000000000000000000000000000016")
OUTPUT_VERSION = b"\x00" * 32
#: `getAnchorRoot()`: OP's AnchorStateRegistry (op-contracts v3 and later) returns (bytes32 root, uint256 l2 block).
GET_ANCHOR_ROOT = bytes.fromhex("d83ef267")
#: Gas the registry call may use, in the host as in the guest.
ANCHOR_CALL_GAS = 1_000_000


def output_root(state_root: bytes, message_passer_root: bytes, block_hash: bytes) -> bytes:
    """keccak256(version 0 || L2 state root || message-passer storage root || L2 block hash)."""
    for name, word in (
        ("state root", state_root),
        ("message-passer root", message_passer_root),
        ("block hash", block_hash),
    ):
        if len(word) != 32:
            raise ValueError(f"output root: {name} must be 32 bytes")
    return bytes(keccak(OUTPUT_VERSION + state_root + message_passer_root + block_hash))
