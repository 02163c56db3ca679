"""The node's own view of the call, compared with the preflight's: a second opinion that catches unknown rules.

The preflight executes the call under the rules the chain table gives the pinned block. If the chain ran a fork this
build does not know (its header may look like a known one), or py-evm has a bug, the result would be a proof of what
the chain did not compute. So, where the node offers it, the same call runs as the node's `eth_call` at the pinned
block hash and the two must agree on success and return data; and the node's EVM must run the chain id its
`eth_chainId` names (a proxy that rewrites `eth_chainId` alone is caught here). Gas is not compared: `eth_call`
does not report it, and `eth_estimateGas` answers another question (the least gas that succeeds).

Calls that travel (`setBlock`, `setChain`) are not compared: the node cannot run vlayer's traveler. A node without
`eth_call` is not compared either; `vlayer` then says so. The check can be switched off for nodes that answer
`eth_call` unreliably (`--no-node-check`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vlayer.chain.block import PinnedBlock
from vlayer.errors import ChainError, RpcMethodUnsupportedError, RpcResponseError
from vlayer.hexutil import hex_bytes, parse_hex_bytes
from vlayer.rpc.client import EXECUTION_REVERTED, Call, RpcClient

#: Init code that returns CHAINID as one word: CHAINID PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
CHAIN_ID_PROBE = bytes.fromhex("4660005260206000f3")


class NodeDisagreementError(ChainError):
    """The node's eth_call of the pinned block disagrees with the preflight: a fork this build does not know, or a
    bug on one side. Nothing is proved."""


@dataclass(frozen=True)
class Outcome:
    """How a call ended: `success` with return data, a revert with its data (None: the node sent none), or a halt."""

    success: bool
    output: bytes | None
    halted: bool = False

    def describe(self) -> str:
        if self.success:
            return f"success with return data {_data(self.output or b'')}"
        if self.halted:
            return "an exceptional halt (no return data)"
        return "a revert" + ("" if self.output is None else f" with data {_data(self.output)}")


def chain_id_probe_call(pinned: PinnedBlock) -> Call:
    """The `eth_call` that asks the node's EVM for its chain id at the pinned block."""
    return ("eth_call", [{"data": hex_bytes(CHAIN_ID_PROBE)}, pinned.tag])


def check_node_chain_id(client: RpcClient, pinned: PinnedBlock, served: int) -> bool:
    """Refuse a node whose EVM runs another chain id than its eth_chainId names. False: the node has no eth_call."""
    try:
        answer = client.call(*chain_id_probe_call(pinned))
    except RpcMethodUnsupportedError:
        return False
    raw = parse_hex_bytes(answer, "eth_call result")
    evm = int.from_bytes(raw, "big") if len(raw) == 32 else None
    if evm != served:
        raise ChainError(
            f"the RPC node says chain {served} (eth_chainId) but its EVM runs chain "
            f"{evm if evm is not None else 'unknown (answer 0x' + raw.hex() + ')'} (CHAINID at block "
            f"{pinned.number}); refusing a node that misreports its chain"
        )
    return True


def node_call(call_object: dict[str, str], pinned: PinnedBlock) -> Call:
    """The node's `eth_call` of the call at the pinned block, as `node_outcome` asks it."""
    return ("eth_call", [call_object, pinned.tag])


def node_outcome(client: RpcClient, call_object: dict[str, str], pinned: PinnedBlock) -> Outcome | None:
    """The node's eth_call of the call at the pinned block; None if the node has no eth_call."""
    try:
        answer = client.call(*node_call(call_object, pinned))
    except RpcMethodUnsupportedError:
        return None
    except RpcResponseError as exc:
        text = str(exc).lower()
        if exc.code == EXECUTION_REVERTED or "revert" in text:
            data = exc.data if isinstance(exc.data, str) else None
            try:
                return Outcome(False, None if data is None else parse_hex_bytes(data, "revert data"))
            except ValueError:
                return Outcome(False, None)
        return Outcome(False, None, halted=True)
    return Outcome(True, parse_hex_bytes(answer, "eth_call result"))


def compare(node: Outcome, ours: Outcome, pinned: PinnedBlock) -> None:
    """Refuse unless both ended alike with the same data (revert data only where the node sent it)."""
    agree = node.success == ours.success and (
        node.output == ours.output if node.success else (node.halted == ours.halted and _same_revert(node, ours))
    )
    if not agree:
        raise NodeDisagreementError(
            f"block {pinned.number} (0x{pinned.hash.hex()}): the node computes {node.describe()}; this build "
            f"computes {ours.describe()}: a fork this vlayer does not know, or a bug; nothing is proved "
            "(--no-node-check skips this check for a node whose eth_call is unreliable)"
        )


def _same_revert(node: Outcome, ours: Outcome) -> bool:
    return node.halted or node.output is None or node.output == ours.output


def _data(output: bytes) -> str:
    text = "0x" + output.hex()
    return text if len(output) <= 64 else f"{text[:130]}... ({len(output)} bytes)"
