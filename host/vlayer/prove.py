"""One call proved end to end: preflight on the pinned block, the guest's re-execution checked against it, then a
proof in the requested mode. The CLI's `prove` and the HTTP service both run this.

Modes: `fake` is dev mode, an explicit opt-in refused on mainnet chain ids; its seal is the claim digest, which
anyone can compute, so it proves nothing. The real modes run the embedded guest ELF in the RISC Zero zkVM
(`vlayer.receipts.zkvm`): `composite` (a STARK per segment) and `succinct` (lifted and joined into one STARK)
prove on this machine, for off-chain verification; `groth16`, the one chains verify, is the succinct receipt
shrink-wrapped by a backend (`vlayer.receipts`), refused up front where none is available (docs/proof-modes.md).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from vlayer.chain.forks import ChainSpec
from vlayer.errors import (
    CallRevertedError,
    HostGuestMismatchError,
    InputError,
    ProvingError,
    ReorgError,
    VgasLimitError,
)
from vlayer.guest import call_guest_id, run_and_check
from vlayer.guest_input import input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts import groth16 as receipts_groth16
from vlayer.receipts import shrink_wrap, zkvm
from vlayer.receipts.proof_encoding import Proof, ProofMode, fake_proof, proof_from_receipt
from vlayer.rpc import RpcClient
from vlayer.teleport.anchor import L2Node

#: Chain ids where a fake proof must never be produced (the same list `ChainIds.sol` refuses mock verifiers on).
MAINNET_CHAIN_IDS = frozenset(
    {1, 10, 56, 100, 137, 324, 480, 747, 1101, 5000, 8453, 34443, 42161, 42170, 43114, 59144, 81457, 534352}
)


#: vlayer v1's unit of proving work: a `vgas_limit` of N allows N x 1,000,000 zkVM cycles.
CYCLES_PER_VGAS = 1_000_000


class Stage(enum.StrEnum):
    """What a proving run is doing; the prove service reports it as the job's state (vlayer v1's names)."""

    PREFLIGHT = "preflight"
    ESTIMATING_VGAS = "estimating_vgas"
    PROVING = "proving"
    #: Ours: the Groth16 shrink-wrap of the succinct receipt (groth16 mode only).
    SHRINK_WRAP = "shrink_wrap"


def vgas_of(cycles: int) -> int:
    return -(-cycles // CYCLES_PER_VGAS)


class ProofModeName(enum.StrEnum):
    FAKE = "fake"
    COMPOSITE = "composite"
    SUCCINCT = "succinct"
    GROTH16 = "groth16"


@dataclass(frozen=True)
class Pinned:
    """Where a call runs: chain, block number and the hash that block had when the request was accepted."""

    chain_id: int
    block_number: int
    block_hash: bytes


#: Proves a guest input in a real proof mode ("composite", "succinct", "groth16"); `zkvm.prove` has this shape.
ZkProve = Callable[[bytes, str], zkvm.ZkvmProof]


@dataclass
class Proven:
    #: What an on-chain verifier takes: fake and groth16 modes; None for STARK receipts, which chains cannot verify.
    proof: Proof | None
    journal: bytes
    preflight: PreflightResult
    mode: ProofModeName
    times: dict[str, float] = field(default_factory=dict)
    #: zkVM cycles of the proving run; None in fake mode, which runs no zkVM.
    cycles: int | None = None
    #: The zkVM receipt (RISC Zero's bincode); None in fake mode.
    receipt: bytes | None = None
    segments: int | None = None
    #: vgas the call needs (cycles / 1,000,000, rounded up), when its cycles were counted.
    vgas: int | None = None


def check_mode_allowed(
    mode: ProofModeName, chain_id: int, dev_mode: bool, groth16_backend: shrink_wrap.Backend | None = None
) -> shrink_wrap.Backend | None:
    """Refuse before any work: fake without dev mode or on a mainnet, and modes this build cannot run (groth16
    without a shrink-wrap backend). Returns groth16's backend: the one given, else the one found here."""
    if mode is ProofModeName.FAKE:
        if not dev_mode:
            raise ProvingError("fake proofs need dev mode, which is off; enable it explicitly (--dev)")
        if chain_id in MAINNET_CHAIN_IDS:
            raise ProvingError(f"fake proofs are refused on mainnet chain id {chain_id}")
        return None
    available = zkvm.available_modes()
    needs = "succinct" if mode is ProofModeName.GROTH16 else mode.value
    if needs not in available:
        raise zkvm.ProofModeUnavailableError(
            f"proof mode {mode.value} cannot run on this build (it can: {', '.join(available)}); "
            "see docs/proof-modes.md"
        )
    if mode is ProofModeName.GROTH16 and groth16_backend is None:
        return shrink_wrap.select_backend()  # raises, naming why no backend is available
    return groth16_backend


def prove_call(
    client: RpcClient,
    call: CallRequest,
    pinned: Pinned,
    *,
    mode: ProofModeName,
    dev_mode: bool,
    chain_spec: ChainSpec | None = None,
    vgas_limit: int | None = None,
    on_stage: Callable[[Stage], None] | None = None,
    zk_prove: ZkProve | None = None,
    l2_nodes: Mapping[int, L2Node] | None = None,
    node_check: bool = True,
    groth16_backend: shrink_wrap.Backend | None = None,
    shielding_keys: Sequence[bytes] = (),
) -> Proven:
    """Preflight, check the guest, prove. Raises `CallRevertedError` when the call reverts (nothing to prove).

    `shielding_keys`: the prover's shielding secret keys, for calls that open shielded arguments. They go to the
    preflight, the native guest and this process's zkVM prover as a private input, and nowhere else: a segment
    prover (`zk_prove`: the service's saved segments, a Ray cluster) would hold them in the segments it stores or
    sends, so it is refused for them.

    With a `vgas_limit` (vlayer v1's budget), the guest first runs in the zkVM executor to count its cycles, and a
    call that needs more than the budget fails with `VgasLimitError` before any proving work."""
    groth16_backend = check_mode_allowed(mode, pinned.chain_id, dev_mode, groth16_backend)
    secrets = tuple(shielding_keys)
    if secrets and zk_prove is not None:
        raise InputError(
            "shielded calls are proved in this process only: a segment prover would store or send the guest's "
            "memory, which holds the shielding key"
        )
    stage = on_stage or (lambda _s: None)
    stage(Stage.PREFLIGHT)
    t0 = time.perf_counter()
    result = preflight(
        client,
        call,
        pinned.block_number,
        chain_spec=chain_spec,
        l2_nodes=l2_nodes,
        node_check=node_check,
        shielding_keys=secrets,
    )
    if result.block_hash != pinned.block_hash:
        raise ReorgError(
            f"block {pinned.block_number} is now 0x{result.block_hash.hex()}, not 0x{pinned.block_hash.hex()} as "
            "when the request was accepted (reorg); send the request again"
        )
    if not result.success:
        raise CallRevertedError(result.revert_reason or "no reason", result.return_data, result.gas_used)
    t1 = time.perf_counter()
    times = {"preflight": t1 - t0}
    estimated: zkvm.ZkvmRun | None = None
    if vgas_limit is not None:
        stage(Stage.ESTIMATING_VGAS)
        estimated = zkvm.execute(input_for(result), secrets=secrets)
        times["estimating_vgas"] = time.perf_counter() - t1
        if estimated.total_cycles > vgas_limit * CYCLES_PER_VGAS:
            raise VgasLimitError(vgas_limit, vgas_of(estimated.total_cycles), estimated.total_cycles)
    stage(Stage.PROVING)
    t2 = time.perf_counter()
    run = run_and_check(result, secrets)
    t3 = time.perf_counter()
    image_id = call_guest_id()
    times["guest"] = t3 - t2
    if estimated is not None:
        _check_zkvm_journal(estimated.journal, run.journal)
    if mode is ProofModeName.FAKE:
        proof = fake_proof(image_id, run.journal)
        times["proving"] = time.perf_counter() - t2
        cycles = None if estimated is None else estimated.total_cycles
        return Proven(
            proof,
            run.journal,
            result,
            mode,
            times,
            cycles=cycles,
            segments=None if estimated is None else estimated.segments,
            vgas=None if cycles is None else vgas_of(cycles),
        )
    zk_mode = "succinct" if mode is ProofModeName.GROTH16 else mode.value
    if zk_prove is not None:
        proved = zk_prove(input_for(result), zk_mode)
    else:
        proved = zkvm.prove(input_for(result), zk_mode, secrets=secrets)
    _check_zkvm_journal(proved.run.journal, run.journal)
    times["zkvm_execute"] = proved.run.execute_seconds
    times["proving"] = proved.prove_seconds
    receipt = proved.receipt
    onchain: Proof | None = None
    if mode is ProofModeName.GROTH16:
        assert groth16_backend is not None  # selected above
        stage(Stage.SHRINK_WRAP)
        wrapped = receipts_groth16.shrink_wrap(receipt, image_id, groth16_backend)
        times["shrink_wrap"] = wrapped.shrink_wrap_seconds
        receipt = wrapped.receipt
        onchain = proof_from_receipt(wrapped.onchain_seal, ProofMode.GROTH16, image_id, run.journal)
    return Proven(
        onchain,
        run.journal,
        result,
        mode,
        times,
        cycles=proved.run.total_cycles,
        receipt=receipt,
        segments=proved.run.segments,
        vgas=vgas_of(proved.run.total_cycles),
    )


def _check_zkvm_journal(zkvm_journal: bytes, native_journal: bytes) -> None:
    if zkvm_journal != native_journal:
        raise HostGuestMismatchError(
            f"zkVM journal differs from the native guest's: zkVM 0x{zkvm_journal.hex()}, "
            f"native 0x{native_journal.hex()}"
        )
