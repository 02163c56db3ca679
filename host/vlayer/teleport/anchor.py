"""The host's side of teleport: which (L1, L2) pairs exist, what the L1 anchors, and the L2 state bound to it.

An L2's state is used only through the output root the L1's anchor-state registry returns at the pinned (settle)
block (`getAnchorRoot()`): the call is run on the pinned block's proven state, as the guest runs it
(guest/src/teleport.rs), so its reads enter the L1 witness. The L2 node's block at the anchored number must have
that output root; the call may then visit that block and its ancestors (docs/teleport.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from eth_typing import Address

from vlayer.chain.block import PinnedBlock, pin_block
from vlayer.chain.detect import resolve_spec
from vlayer.chain.forks import ChainSpec, chain_table
from vlayer.errors import TeleportError
from vlayer.preflight.evm_state import apply_top_frame, block_state
from vlayer.preflight.proofdb import ProofDb
from vlayer.rpc.client import RpcClient
from vlayer.teleport.output_root import ANCHOR_CALL_GAS, GET_ANCHOR_ROOT, MESSAGE_PASSER, output_root

ZERO_ADDRESS = b"\x00" * 20


@dataclass(frozen=True)
class TeleportPair:
    l1: int
    l2: int
    anchor_state_registry: bytes


@functools.cache
def teleport_pairs() -> dict[tuple[int, int], TeleportPair]:
    """The table's pairs, by (L1, L2): the same the guest was built with."""
    return {
        (int(p["l1"]), int(p["l2"])): TeleportPair(
            int(p["l1"]), int(p["l2"]), bytes.fromhex(str(p["anchor_state_registry"]).removeprefix("0x"))
        )
        for p in chain_table()["teleports"]
    }


def unsupported(l1: int, l2: int) -> TeleportError:
    pairs = ", ".join(f"{a} -> {b}" for a, b in teleport_pairs())
    return TeleportError(
        f"teleport from chain {l1} to chain {l2} is not supported: vlayer teleports from an L1 to the OP-stack "
        f"chains it anchors ({pairs}); docs/teleport.md"
    )


@dataclass(frozen=True)
class L2Node:
    """A node of a chain the call may teleport to; `spec` names a dev chain's hardfork (None: the built-in one)."""

    client: RpcClient
    spec: ChainSpec | None = None


@dataclass
class Anchored:
    """An L2 as the L1 anchors it: the anchored block's state (the root ProofDb of the L2's blocks)."""

    chain_id: int
    spec: ChainSpec
    message_passer_root: bytes
    db: ProofDb


@dataclass
class Teleports:
    """The L2s a call on the L1 `l1_db` teleports to, each anchored once, on the first `setChain` to it."""

    l1_db: ProofDb
    l1_spec: ChainSpec
    l1_chain_id: int
    nodes: dict[int, L2Node] = field(default_factory=dict)
    anchored: dict[int, Anchored] = field(default_factory=dict)

    def block_db(self, chain_id: int, number: int) -> tuple[Anchored, ProofDb]:
        """The L2 `chain_id` at block `number`, which must be the anchored block or below it."""
        l2 = self.anchor(chain_id)
        top = l2.db.pinned.number
        if l2.spec.dev_hardfork and number == 0:
            raise TeleportError(f"teleport to block 0 of dev chain {chain_id}: anvil's genesis state root is wrong")
        if number > top:
            raise TeleportError(
                f"teleport to chain {chain_id} block {number}: chain {self.l1_chain_id} at block "
                f"{self.l1_db.pinned.number} anchors chain {chain_id} only up to block {top}; prove at a later "
                f"L1 block or teleport to block {top} or below"
            )
        return l2, (l2.db if number == top else l2.db.travel_db(number))

    def anchor(self, chain_id: int) -> Anchored:
        known = self.anchored.get(chain_id)
        if known is not None:
            return known
        pair = teleport_pairs().get((self.l1_chain_id, chain_id))
        if pair is None:
            raise unsupported(self.l1_chain_id, chain_id)
        node = self.nodes.get(chain_id)
        if node is None:
            raise TeleportError(
                f"teleport to chain {chain_id}: no RPC URL for chain {chain_id} (give one: --rpc-url {chain_id}=URL)"
            )
        served = int(node.client.call("eth_chainId", []), 16)
        if served != chain_id:
            raise TeleportError(f"teleport to chain {chain_id}: the node given for it serves chain {served}")
        spec = resolve_spec(node.client, chain_id, node.spec)
        root, number = self._anchored_root(pair)
        pinned = pin_block(node.client, number)
        # A scratch ProofDb: the message passer's proof is checked, but it is no part of what the call reads.
        passer = ProofDb(node.client, pinned).account(MESSAGE_PASSER)
        computed = output_root(pinned.header.state_root, passer.storage_root, pinned.hash)
        if computed != root:
            raise TeleportError(
                f"teleport to chain {chain_id}: the output root of the L2 node's block {number} is 0x{computed.hex()}, "
                f"not the root chain {self.l1_chain_id} anchors at block {self.l1_db.pinned.number} "
                f"(0x{root.hex()}): the L2 node serves other state than the L1 anchors"
            )
        _check_schedule(spec, pinned)
        l2 = Anchored(chain_id, spec, passer.storage_root, ProofDb(node.client, pinned))
        self.anchored[chain_id] = l2
        return l2

    def _anchored_root(self, pair: TeleportPair) -> tuple[bytes, int]:
        """`getAnchorRoot()` on the pinned L1 block's proven state, as the guest runs it: a fresh static top frame
        from the zero address, so the prover's own writes cannot reach it."""
        state, fork = block_state(self.l1_db, self.l1_spec, self.l1_chain_id)
        frame = apply_top_frame(
            state,
            fork,
            Address(ZERO_ADDRESS),
            Address(pair.anchor_state_registry),
            GET_ANCHOR_ROOT,
            ANCHOR_CALL_GAS,
            is_static=True,
        )
        where = (
            f"teleport to chain {pair.l2}: the anchor-state registry 0x{pair.anchor_state_registry.hex()} on chain "
            f"{pair.l1} at block {self.l1_db.pinned.number}"
        )
        out = bytes(frame.output)
        if frame.is_error:
            if frame.should_burn_gas:
                raise TeleportError(f"{where}: getAnchorRoot() halted: {type(frame.error).__name__}")
            raise TeleportError(f"{where}: getAnchorRoot() reverted: 0x{out.hex()}")
        if len(out) != 64:
            raise TeleportError(f"{where}: getAnchorRoot() returned {len(out)} bytes, not (bytes32, uint256)")
        number = int.from_bytes(out[32:], "big")
        if number >= 2**64:
            raise TeleportError(f"{where}: anchors L2 block {number}, past any block number")
        return out[:32], number


def _check_schedule(spec: ChainSpec, pinned: PinnedBlock) -> None:
    # Raises the fork's own refusal for an anchored block the guest could not execute.
    spec.fork_at(pinned.header.timestamp)
