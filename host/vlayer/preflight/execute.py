"""Preflight: run a prover call with eth_call semantics on a pinned block, and collect its verified proofs."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from eth.abc import ComputationAPI, StateAPI
from eth.exceptions import Revert
from eth_typing import Address

from vlayer.chain.block import PinnedBlock, block_call, pin_block
from vlayer.chain.detect import NODE_INFO_CALL, resolve_spec
from vlayer.chain.forks import ChainSpec, Fork
from vlayer.errors import (
    CallGasError,
    ChainError,
    InputError,
    RpcMethodUnsupportedError,
    RpcResponseError,
    UnsupportedForkError,
)
from vlayer.evm.osaka import OSAKA_TX_GAS_LIMIT_CAP
from vlayer.evm.vlayer_precompiles import table as precompile_table
from vlayer.evm.vlayer_precompiles import used as precompiles_used
from vlayer.hexutil import hex_bytes
from vlayer.logs.oracle import LOGS, LogsOracle
from vlayer.preflight.evm_state import apply_top_frame, block_state
from vlayer.preflight.node_check import (
    Outcome,
    chain_id_probe_call,
    check_node_chain_id,
    compare,
    node_call,
    node_outcome,
)
from vlayer.preflight.proofdb import ProofDb, access_list_call, access_list_hint
from vlayer.preflight.target import require_code
from vlayer.preflight.travel import TRAVELER, Traveler, state_with_traveler
from vlayer.proofs.bundle import ProofBundle, TeleportState, verify_bundle
from vlayer.reverts.decode import VLAYER as VLAYER_ERRORS
from vlayer.rpc.client import Call, RpcClient
from vlayer.teleport.anchor import L2Node, Teleports

ZERO_ADDRESS = b"\x00" * 20
TX_BASE_GAS = 21000


@dataclass(frozen=True)
class CallRequest:
    to: bytes
    data: bytes = b""
    sender: bytes = ZERO_ADDRESS
    #: None: the block gas limit, capped at the fork's transaction gas cap.
    gas: int | None = None

    def __post_init__(self) -> None:
        if len(self.to) != 20 or len(self.sender) != 20:
            raise InputError("call addresses must be 20 bytes")

    def rpc_object(self, gas: int) -> dict[str, Any]:
        return {"from": hex_bytes(self.sender), "to": hex_bytes(self.to), "data": hex_bytes(self.data), "gas": hex(gas)}


@dataclass(frozen=True)
class AccessRecord:
    """What the call touched, in first-touch order: the witness is built from exactly this."""

    accounts: tuple[bytes, ...]
    slots: dict[bytes, list[int]]
    code_hashes: tuple[bytes, ...]
    blockhash_numbers: tuple[int, ...]
    #: Accounts read at each ancestor block the call travelled to (`setBlock`).
    travelled_accounts: dict[int, tuple[bytes, ...]] = field(default_factory=dict)
    #: Accounts read on each L2 the call teleported to, by chain and block (`setChain`).
    teleported_accounts: dict[int, dict[int, tuple[bytes, ...]]] = field(default_factory=dict)

    @property
    def slot_count(self) -> int:
        return sum(len(s) for s in self.slots.values())


@dataclass
class PreflightResult:
    chain_id: int
    fork: Fork
    #: The dev chain's hardfork name when the schedule is a dev spec (it travels to the guest).
    dev_hardfork: str | None
    block_number: int
    block_hash: bytes
    call: CallRequest
    gas_limit: int
    success: bool
    #: The call stopped exceptionally (out of gas, invalid opcode...) rather than returning or reverting.
    halted: bool
    return_data: bytes
    gas_used: int
    revert_reason: str | None
    access: AccessRecord
    bundle: ProofBundle
    timings: dict[str, float] = field(default_factory=dict)
    http_requests: int = 0


def intrinsic_gas(data: bytes) -> tuple[int, int]:
    """(intrinsic gas, EIP-7623 floor) of a call with this calldata."""
    zeros = data.count(0)
    nonzero = len(data) - zeros
    tokens = zeros + 4 * nonzero
    return TX_BASE_GAS + 4 * zeros + 16 * nonzero, TX_BASE_GAS + 10 * tokens


def decode_revert(output: bytes) -> str:
    """A readable reason from revert data: Error(string)'s message, Panic(uint256) with its meaning, vlayer's own
    contracts' custom errors by name with their arguments, or any other custom error as hex."""
    return str(VLAYER_ERRORS.decode(output))


def resolve_gas(call: CallRequest, pinned: PinnedBlock, fork: Fork) -> int:
    cap = OSAKA_TX_GAS_LIMIT_CAP if fork >= Fork.OSAKA else None
    gas = call.gas
    if gas is None:
        gas = pinned.header.gas_limit if cap is None else min(pinned.header.gas_limit, cap)
    intrinsic, floor = intrinsic_gas(call.data)
    need = max(intrinsic, floor) if fork >= Fork.PRAGUE else intrinsic
    if gas < need:
        raise CallGasError(f"gas limit {gas} is below the call's intrinsic cost {need}")
    if cap is not None and gas > cap:
        raise CallGasError(f"gas limit {gas} is above Osaka's transaction gas cap {cap} (EIP-7825)")
    return gas


def run_message(state: StateAPI, fork: Fork, call: CallRequest, gas: int) -> tuple[ComputationAPI, int]:
    """Execute the call as eth_call does: no fee, no nonce or balance checks, sender/target/coinbase warm."""
    intrinsic, floor = intrinsic_gas(call.data)
    computation = apply_top_frame(state, fork, Address(call.sender), Address(call.to), call.data, gas - intrinsic)
    used = intrinsic + computation.get_gas_used()
    used -= min(computation.get_gas_refund(), used // 5)
    if fork >= Fork.PRAGUE:
        used = max(used, floor)
    return computation, used


def _opening_calls(block: str | int, chain_spec: ChainSpec | None) -> list[Call]:
    """What `preflight` asks before it knows the chain: its id, the block, and a given dev spec's node fork."""
    calls: list[Call] = [("eth_chainId", [])]
    # A malformed reference is refused where the block is pinned, after the chain id, as without the batch.
    with contextlib.suppress(InputError):
        calls.append(block_call(block))
    if chain_spec is not None and chain_spec.dev_hardfork:
        calls.append(NODE_INFO_CALL)
    return calls


def _pinned_calls(
    call: CallRequest, pinned: PinnedBlock, spec: ChainSpec, node_check: bool, prefetch: bool
) -> list[Call]:
    """What `preflight` asks once the block is pinned: the node's chain id probe and the access-list hint."""
    calls: list[Call] = [chain_id_probe_call(pinned)] if node_check else []
    if prefetch:
        try:
            gas = resolve_gas(call, pinned, spec.fork_at(pinned.header.timestamp))
        except CallGasError:
            return calls  # refused in its turn, after the probe, as without the batch
        calls.append(access_list_call(call.rpc_object(gas), pinned))
    return calls


def _node_can_run(hint: dict[bytes, set[int]]) -> bool:
    """Whether a call whose access-list hint is `hint` reaches none of the addresses only vlayer answers."""
    ours = {TRAVELER, LOGS, *(address for address, _, _ in precompile_table())}
    return not any(address in ours for address in hint)


P = ParamSpec("P")
R = TypeVar("R")


def _answers_sent_ahead(fn: Callable[Concatenate[RpcClient, P], R]) -> Callable[Concatenate[RpcClient, P], R]:
    """Runs `fn` in a `RpcClient.primed` block: whatever it sent ahead and did not ask for is dropped on return."""

    def run(client: RpcClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with client.primed():
            return fn(client, *args, **kwargs)

    functools.update_wrapper(run, fn)
    return run


@_answers_sent_ahead
def preflight(
    client: RpcClient,
    call: CallRequest,
    block: str | int = "latest",
    *,
    chain_spec: ChainSpec | None = None,
    prefetch: bool = True,
    l2_nodes: Mapping[int, L2Node] | None = None,
    node_check: bool = True,
    max_receipt_bytes: int | None = None,
    require_target_code: bool = True,
    shielding_keys: Sequence[bytes] = (),
) -> PreflightResult:
    """`l2_nodes`: the nodes of the OP-stack L2s the call may teleport to (`setChain`), by chain id.

    `node_check` (on by default): the node's EVM must run the chain id it names, and the node's own `eth_call` of the
    call at the pinned block must agree with the result (`vlayer.preflight.node_check`); off, neither is asked.
    `max_receipt_bytes`: the most receipt bytes the call's log queries may read (at most the guest's bound).
    `require_target_code` (on by default): a target without code (and not a precompile) is refused with `NoCodeError`,
    as a prover call to it proves nothing; off, it runs as eth_call does (an empty success), for tests of the EVM's
    own edges. `shielding_keys`: the prover's shielding secret keys (32 bytes each), with which `ShieldedOpen` opens
    shielded arguments; they stay in memory and never enter the result or its witness."""
    t0 = time.perf_counter()
    requests_before = client.stats.http_requests
    # The questions below are asked one after another, each checked before the next, but sent ahead in two
    # batches (`RpcClient.primed`): the same answers, checks and errors, in two round trips instead of five.
    with client.primed(_opening_calls(block, chain_spec)):
        chain_id = int(client.call("eth_chainId", []), 16)
        if chain_spec is not None and chain_spec.chain_id != chain_id:
            raise UnsupportedForkError(
                f"chain spec {chain_spec.name} is for chain {chain_spec.chain_id}, the node serves {chain_id}"
            )
        spec = resolve_spec(client, chain_id, chain_spec)
        pinned = pin_block(client, block, spec)
    with client.primed(_pinned_calls(call, pinned, spec, node_check, prefetch)):
        node_has_call = node_check and check_node_chain_id(client, pinned, chain_id)
        if spec.dev_hardfork and pinned.number == 0:
            # anvil's genesis header carries a state root its own state does not match; nothing there can be proven.
            raise ChainError(
                "block 0 of a dev chain cannot be proven (anvil's genesis state root is wrong); mine a block"
            )
        fork = spec.fork_at(pinned.header.timestamp)
        gas = resolve_gas(call, pinned, fork)
        proofdb = ProofDb(client, pinned)
        t_pin = time.perf_counter()

        hint: dict[bytes, set[int]] = {}
        hinted = False
        if prefetch:
            try:
                hint = access_list_hint(client, call.rpc_object(gas), pinned)
                hinted = True
            except (RpcMethodUnsupportedError, RpcResponseError):
                hint = {}  # the node lacks or refuses the hint; the lazy path is complete without it
    # The node's eth_call for the check at the end rides in the prefetch's batch when the hint says the call reaches
    # nothing only vlayer answers (the check then asks it); if the hint is wrong the answer is merely unused, or
    # asked for in its turn.
    ahead = [node_call(call.rpc_object(gas), pinned)] if node_has_call and hinted and _node_can_run(hint) else []
    # The sender and the coinbase are warm but not read by the call's envelope (no fee, no nonce, no balance check,
    # in the host as in the guest): they are fetched, and proven, only when the code reads them. Only the target's
    # code surely runs; any other code is fetched when it runs or is read.
    proofdb.prefetch([call.to, *hint], hint, code_of=[call.to], also=ahead)
    t_prefetch = time.perf_counter()
    state, _ = block_state(proofdb, spec, chain_id, secrets=tuple(shielding_keys))
    teleports = Teleports(proofdb, spec, chain_id, nodes=dict(l2_nodes or {}))
    oracle = LogsOracle(proofdb, max_receipt_bytes)
    traveler = Traveler(proofdb, spec, chain_id, teleports, oracle)
    computation, gas_used = run_message(state_with_traveler(state, traveler), fork, call, gas)
    # After the run, which read the target's account: the check adds nothing to the witness.
    if require_target_code:
        require_code(proofdb, call.to, spec)
    t_exec = time.perf_counter()

    teleported = tuple(
        TeleportState(
            l2.chain_id,
            l2.spec.dev_hardfork,
            l2.message_passer_root,
            l2.db.bundle(l2.chain_id, l2.spec.fork_at(l2.db.pinned.header.timestamp).label),
        )
        for l2 in teleports.anchored.values()
    )
    bundle = proofdb.bundle(chain_id, fork.label, teleported, oracle.witness())
    verify_bundle(bundle, proofdb.walks)
    t_verify = time.perf_counter()

    success = not computation.is_error
    output = bytes(computation.output)
    reason = None
    if not success:
        err = computation.error
        reason = decode_revert(output) if isinstance(err, Revert) else f"{type(err).__name__}: {err}"
        if not isinstance(err, Revert):
            output = b""
    halted = not success and not isinstance(computation.error, Revert)
    # A node cannot run a call that travels, reads logs or uses vlayer's precompiles: those addresses are ours.
    ours_only = traveler.used or oracle.used or precompiles_used(state, proofdb.touched_accounts)
    if node_has_call and not ours_only:
        node = node_outcome(client, call.rpc_object(gas), pinned)
        if node is not None:
            compare(node, Outcome(success, output, halted), pinned)
    travelled = {n: tuple(db.touched_accounts) for n, db in sorted(proofdb.travel_dbs.items())}
    l2_accounts = {
        l2.chain_id: {
            l2.db.pinned.number: tuple(l2.db.touched_accounts),
            **{n: tuple(db.touched_accounts) for n, db in sorted(l2.db.travel_dbs.items())},
        }
        for l2 in teleports.anchored.values()
    }
    access = AccessRecord(
        travelled_accounts=travelled,
        teleported_accounts=l2_accounts,
        accounts=tuple(proofdb.touched_accounts),
        slots=proofdb.touched_slots,
        code_hashes=tuple(proofdb.touched_code_hashes),
        blockhash_numbers=tuple(sorted(proofdb.blockhash_numbers)),
    )
    return PreflightResult(
        chain_id=chain_id,
        fork=fork,
        dev_hardfork=spec.dev_hardfork,
        block_number=pinned.number,
        block_hash=pinned.hash,
        call=call,
        gas_limit=gas,
        success=success,
        halted=halted,
        return_data=output,
        gas_used=gas_used,
        revert_reason=reason,
        access=access,
        bundle=bundle,
        timings={
            "pin": t_pin - t0,
            "prefetch": t_prefetch - t_pin,
            "execute": t_exec - t_prefetch,
            "verify": t_verify - t_exec,
            "total": t_verify - t0,
        },
        http_requests=client.stats.http_requests - requests_before,
    )
