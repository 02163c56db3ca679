"""One call proved end to end: preflight on the pinned block, the guest's re-execution checked against it, then a
proof in the requested mode. The CLI's `prove` and the HTTP service both run this.

Modes: `fake` is dev mode, an explicit opt-in refused on mainnet chain ids; its seal is the claim digest, which
anyone can compute, so it proves nothing. The real modes come from the zkVM (`vlayer.zkvm`) where they build here.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vlayer.chain.forks import ChainSpec
from vlayer.errors import CallRevertedError, ProvingError, ReorgError
from vlayer.guest import call_guest_id, run_and_check
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.proof_encoding import Proof, fake_proof
from vlayer.rpc import RpcClient

#: Chain ids where a fake proof must never be produced (the same list `ChainIds.sol` refuses mock verifiers on).
MAINNET_CHAIN_IDS = frozenset(
    {1, 10, 56, 100, 137, 324, 480, 747, 1101, 5000, 8453, 34443, 42161, 42170, 43114, 59144, 81457, 534352}
)


class ProofModeName(enum.StrEnum):
    FAKE = "fake"


@dataclass(frozen=True)
class Pinned:
    """Where a call runs: chain, block number and the hash that block had when the request was accepted."""

    chain_id: int
    block_number: int
    block_hash: bytes


@dataclass
class Proven:
    proof: Proof
    journal: bytes
    preflight: PreflightResult
    mode: ProofModeName
    times: dict[str, float] = field(default_factory=dict)
    #: zkVM cycles of the proving run; None in fake mode, which runs no zkVM.
    cycles: int | None = None


def check_mode_allowed(mode: ProofModeName, chain_id: int, dev_mode: bool) -> None:
    if mode is ProofModeName.FAKE:
        if not dev_mode:
            raise ProvingError("fake proofs need dev mode, which is off; enable it explicitly (--dev)")
        if chain_id in MAINNET_CHAIN_IDS:
            raise ProvingError(f"fake proofs are refused on mainnet chain id {chain_id}")


def prove_call(
    client: RpcClient,
    call: CallRequest,
    pinned: Pinned,
    *,
    mode: ProofModeName,
    dev_mode: bool,
    chain_spec: ChainSpec | None = None,
    on_proving: Callable[[], None] | None = None,
) -> Proven:
    """Preflight, check the guest, prove. Raises `CallRevertedError` when the call reverts (nothing to prove)."""
    check_mode_allowed(mode, pinned.chain_id, dev_mode)
    t0 = time.perf_counter()
    result = preflight(client, call, pinned.block_number, chain_spec=chain_spec)
    if result.block_hash != pinned.block_hash:
        raise ReorgError(
            f"block {pinned.block_number} is now 0x{result.block_hash.hex()}, not 0x{pinned.block_hash.hex()} as "
            "when the request was accepted (reorg); send the request again"
        )
    if not result.success:
        raise CallRevertedError(result.revert_reason or "no reason", result.return_data, result.gas_used)
    t1 = time.perf_counter()
    if on_proving is not None:
        on_proving()
    run = run_and_check(result)
    t2 = time.perf_counter()
    image_id = call_guest_id()
    proof = fake_proof(image_id, run.journal)
    t3 = time.perf_counter()
    times = {"preflight": t1 - t0, "guest": t2 - t1, "proving": t3 - t2}
    return Proven(proof, run.journal, result, mode, times)
