"""The prove service without its HTTP skin: accept calls as jobs, run them on a bounded worker pool, report them.

`v_call` pins the block (number and hash) and checks the request against the chain before it answers, so every
error a client can fix comes back at once; the call hash names the pinned location and the call, which makes the
same call at the same block one job however often it is sent. Preflight, guest check and proving run later on a
worker thread; their outcome is written to the job store, which survives restarts.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from vlayer import __version__
from vlayer.chain.block import pin_block
from vlayer.chain.detect import dev_spec
from vlayer.chain.forks import ChainSpec, dev_chain_ids, known_chains, spec_for_chain
from vlayer.errors import CallRevertedError, ChainError, InputError, UnsupportedForkError, VlayerError
from vlayer.guest import build_info, call_guest_id
from vlayer.guest_input import VERSION as WIRE_FORMAT_VERSION
from vlayer.hexutil import parse_address, parse_hex_bytes
from vlayer.preflight.execute import CallRequest, resolve_gas
from vlayer.preflight.proofdb import ProofDb
from vlayer.preflight.target import require_code
from vlayer.prove import Pinned, ProofModeName, Proven, Stage, prove_call
from vlayer.receipts import shrink_wrap, zkvm
from vlayer.receipts.proof_encoding import proof_to_json
from vlayer.receipts.zkvm import receipt_to_text
from vlayer.reverts.decode import VLAYER as VLAYER_ERRORS
from vlayer.rpc import RpcClient
from vlayer.service.jobs import JobState, JobStore
from vlayer.service.metrics import ServiceMetrics
from vlayer.service.models import CallArgs, CallContext
from vlayer.service.proving import JobProving
from vlayer.service.replica import LeaseKeeper, owner_is_dead, replica_id
from vlayer.service.rpc_errors import INTERNAL_ERROR, INVALID_PARAMS, UNKNOWN_HASH, RpcFault, fault_of
from vlayer.service.settings import Settings
from vlayer.teleport.anchor import L2Node, teleport_pairs

#: The vlayer v1 JSON-RPC API this service speaks (vlayer's SDK requires semver with major 1).
API_VERSION = "1.3.0"
log = logging.getLogger("vlayer.service")


@dataclass(frozen=True)
class Accepted:
    hash: str
    created: bool


class _LeaseLost(Exception):
    """Another replica took the job over (this one stopped renewing in time): stop writing to it."""


class ProveService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = JobStore(settings.database_url)
        self.metrics = ServiceMetrics(self.store)
        self.proving = JobProving(settings, self.store.engine)
        self.pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="vlayer-prover")
        self._verified_chains: set[int] = set()
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[None]] = {}
        #: Jobs this replica has claimed and is running: the ones whose leases it renews.
        self._claimed: set[str] = set()
        self._closed = False
        self._reverts = VLAYER_ERRORS.with_abis(*settings.abis)
        self.replica = replica_id()
        self.keeper = LeaseKeeper(
            self.store,
            self.replica,
            settings.lease_seconds,
            claimed=self._claimed_jobs,
            free_slots=self._free_slots,
            submit=self._submit,
            lost=lambda job_hash: log.warning("job lease lost", extra={"event": "lease_lost", "job": job_hash}),
        )

    # --- lifecycle --------------------------------------------------------------------------------------------

    def resume(self) -> list[str]:
        """Queues again the unfinished jobs nobody runs: unclaimed ones, ones whose lease ended, and at once those
        of a dead replica of this host (this service's previous life); then keeps taking such jobs as they come."""
        for job_hash, owner in self.store.unfinished_owners():
            if owner is not None and owner_is_dead(owner):
                self.store.release(job_hash, owner)
        pending = self.store.claimable(limit=10_000)
        for job_hash in pending:
            self._submit(job_hash)
        if pending:
            log.info("resumed unfinished jobs", extra={"event": "resume", "jobs": len(pending)})
        self.keeper.start()
        return pending

    def close(self, wait: bool = True) -> None:
        self._closed = True
        self.keeper.stop()
        self.pool.shutdown(wait=wait, cancel_futures=not wait)
        self.proving.close()
        self.store.close()

    def shutdown(self, grace: float) -> list[str]:
        """A graceful stop (`vlayer serve` on SIGTERM/SIGINT, once the port is closed): no job is started any more;
        queued ones stay queued in the store; running ones get `grace` seconds to finish, and those still running
        then are given back to the queue (their saved segments kept) for the next start, or another replica, to
        run. Every decision is logged. Returns the jobs given back, whose threads are left running: the caller
        must end the process (a native segment proof cannot be interrupted)."""
        with self._lock:
            self._closed = True
            running = sorted(self._claimed)
            waiting = [(h, f) for h, f in self._inflight.items() if h not in self._claimed]
        for job_hash, future in waiting:
            if future.cancel():
                log.info("job stays queued for the next start", extra={"event": "shutdown_queued", "job": job_hash})
        log.info(
            "shutting down",
            extra={"event": "shutdown", "running": running, "grace_seconds": grace, "queued": len(waiting)},
        )
        for job_hash in running:
            job = self.store.get(job_hash)
            progress = (job.metrics.get("progress") if job else None) or {}
            log.info(
                "waiting for a running job",
                extra={"event": "shutdown_waiting", "job": job_hash, "state": job.state.value if job else None,
                       "segments_proved": progress.get("segments_proved"),
                       "segments_total": progress.get("segments_total")},
            )  # fmt: skip
        deadline = time.monotonic() + grace
        left = set(running)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            with self._lock:
                finished = left - self._claimed
            for job_hash in sorted(finished):
                job = self.store.get(job_hash)
                state = job.state.value if job else None
                log.info("job finished during shutdown", extra={"event": "shutdown_finished", "job": job_hash,
                                                                 "state": state})  # fmt: skip
            left -= finished
        self.keeper.stop()  # no lease renewed past here: the ones left are given back now
        requeued = []
        for job_hash in sorted(left):
            # Given back first, so the job's own thread can no longer write it (failed, say) once cancelled.
            if self.store.release(job_hash, self.replica):
                requeued.append(job_hash)
                log.warning(
                    "job re-queued: still running when the shutdown grace ended; the next start runs it again",
                    extra={"event": "shutdown_requeued", "job": job_hash, "grace_seconds": grace},
                )
            # Its coordinator starts no further segment; the one in flight is abandoned with the process.
            self.proving.cancel(job_hash)
        self.pool.shutdown(wait=not requeued, cancel_futures=True)
        if not requeued:
            self.proving.close()
        self.store.close()
        log.info("shut down", extra={"event": "stopped", "requeued": requeued})
        return requeued

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is running or queued in this process (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._inflight:
                    return True
            time.sleep(0.02)
        return False

    # --- methods ----------------------------------------------------------------------------------------------

    def versions(self) -> dict[str, Any]:
        info = build_info()
        guest_id = "0x" + call_guest_id().hex()
        return {
            "call_guest_id": guest_id,
            # v1 proves block ancestry in a separate chain guest; here the call guest proves it itself (time
            # travel's hash chain), so the guest that stands behind chain proofs is the call guest.
            "chain_guest_id": guest_id,
            "api_version": API_VERSION,
            "risc0_version": str(info.get("risc0_zkvm_version") or "unknown"),
            "guest_embedded": bool(info.get("guest_embedded")),
            "vlayer_version": __version__,
            "wire_format_version": WIRE_FORMAT_VERSION,
            "guest_elf_sha256": info.get("guest_elf_sha256"),
            "proof_mode": self.settings.proof_mode.value,
            "proof_modes_available": proof_modes_available(self.settings.groth16_prover),
            "chains": sorted(self.settings.chains),
        }

    def call(self, args: CallArgs, context: CallContext) -> Accepted:
        chain = self.settings.chains.get(context.chain_id)
        if chain is None:
            known = ", ".join(str(c) for c in sorted(self.settings.chains))
            raise RpcFault(INVALID_PARAMS, f"unknown chain id {context.chain_id}; this service proves chains {known}")
        data = parse_hex_bytes(args.data, "data")
        if len(data) > self.settings.max_calldata_bytes:
            raise RpcFault(
                INVALID_PARAMS,
                f"calldata is {len(data)} bytes, above this service's {self.settings.max_calldata_bytes}",
            )
        call = CallRequest(to=parse_address(args.to, "to"), data=data, gas=args.evm_gas_limit)
        spec = chain.spec(context.chain_id)
        client = self._client(chain.rpc_url)
        try:
            self._check_chain(client, context.chain_id)
            schedule = spec or self._schedule(client, context.chain_id)
            pinned = pin_block(client, "latest" if context.block_number is None else context.block_number, schedule)
            # Refused now, not by a job that fails later: a call to an address without code proves nothing. (Not on
            # a dev chain's block 0, refused below: its state root is wrong, so no proof there verifies.)
            if pinned.number or not schedule.dev_hardfork:
                require_code(ProofDb(client, pinned), call.to, schedule)
        finally:
            client.close()
        if schedule.dev_hardfork and pinned.number == 0:
            raise ChainError("block 0 of a dev chain cannot be proven (anvil's genesis state root is wrong)")
        gas = resolve_gas(call, pinned, schedule.fork_at(pinned.header.timestamp))
        mode = self.settings.proof_mode.value
        vgas = args.vgas
        job_hash = call_hash(context.chain_id, pinned.number, pinned.hash, call.to, data, gas, mode, vgas)
        request = {
            "to": "0x" + call.to.hex(),
            "data": "0x" + data.hex(),
            "gas_limit": gas,
            "vgas_limit": vgas,
            "chain_id": context.chain_id,
            "block_number": pinned.number,
            "block_hash": "0x" + pinned.hash.hex(),
            "mode": mode,
        }
        created = self.store.create(job_hash, request)
        self.metrics.job_accepted(created)
        if created:
            log.info("job accepted", extra={"event": "accepted", "job": job_hash, "block": pinned.number})
            self._submit(job_hash)
        return Accepted(job_hash, created)

    def receipt(self, job_hash: str) -> dict[str, Any]:
        """vlayer v1's receipt: `status` 1 unless the job failed (0); a failed job's `state` names the stage that
        failed and `error` is its message; `data` only when done, `error` only when failed (absent, never null).
        Ours in addition: `error_detail`, the JSON-RPC error object with our code and data."""
        job = self.store.get(job_hash.lower())
        if job is None:
            # vlayer v1's code and wording.
            raise RpcFault(UNKNOWN_HASH, f"Hash not found: {job_hash}")
        metrics = {"gas": 0, "cycles": 0, **job.metrics}
        metrics["times"] = {"preflight": 0, "proving": 0, **job.metrics.get("times", {})}
        out: dict[str, Any] = {"state": job.state.value, "status": 1, "metrics": metrics}
        if job.state is JobState.FAILED:
            error = job.error or {"message": "failed", "stage": JobState.PREFLIGHT.value}
            out["state"] = error.get("stage", JobState.PREFLIGHT.value)
            out["status"] = 0
            out["error"] = str(error.get("message"))
            out["error_detail"] = {k: v for k, v in error.items() if k != "stage"}
        elif job.state is JobState.DONE and job.result is not None:
            out["data"] = job.result
        return out

    # --- work -------------------------------------------------------------------------------------------------

    def _schedule(self, client: RpcClient, chain_id: int) -> ChainSpec:
        """A chain's built-in schedule, or a dev chain's from the hardfork its node reports (vlayer.chain.detect);
        a configured chain with neither is the request's mistake."""
        if chain_id in dev_chain_ids() and chain_id not in known_chains():
            return dev_spec(client, chain_id)
        try:
            return spec_for_chain(chain_id)
        except UnsupportedForkError as exc:
            raise InputError(str(exc)) from None

    def _groth16_backend(self, mode: ProofModeName) -> shrink_wrap.Backend | None:
        if mode is not ProofModeName.GROTH16:
            return None
        return shrink_wrap.select_backend(self.settings.groth16_prover)

    def _client(self, url: str) -> RpcClient:
        return RpcClient.http(
            url,
            timeout=self.settings.rpc_timeout,
            max_response_bytes=self.settings.rpc_max_response_bytes,
            observer=self.metrics.chain_call,
        )

    def _check_chain(self, client: RpcClient, chain_id: int) -> None:
        if chain_id in self._verified_chains:
            return
        served = int(client.call("eth_chainId", []), 16)
        if served != chain_id:
            raise ChainError(f"the RPC node configured for chain {chain_id} serves chain {served}")
        self._verified_chains.add(chain_id)

    def _submit(self, job_hash: str) -> None:
        with self._lock:
            if job_hash in self._inflight or self._closed:
                return
            future = self.pool.submit(self._run, job_hash)
            self._inflight[job_hash] = future
        future.add_done_callback(lambda _f: self._done(job_hash))

    def _done(self, job_hash: str) -> None:
        with self._lock:
            self._inflight.pop(job_hash, None)
            self._claimed.discard(job_hash)

    def _claimed_jobs(self) -> list[str]:
        with self._lock:
            return list(self._claimed)

    def _free_slots(self) -> int:
        with self._lock:
            return 0 if self._closed else self.settings.workers - len(self._inflight)

    def _run(self, job_hash: str) -> None:
        job = self.store.get(job_hash)
        if job is None or job.state in (JobState.DONE, JobState.FAILED):
            return
        t0 = time.perf_counter()
        if not self.store.claim(job_hash, self.replica, self.settings.lease_seconds):
            return  # another replica runs it (or finished it meanwhile)
        with self._lock:
            self._claimed.add(job_hash)
        try:
            self._run_claimed(job_hash, job.request, t0)
        except _LeaseLost:
            log.warning("job taken over by another replica", extra={"event": "lease_lost", "job": job_hash})

    def _write(self, job_hash: str, state: JobState, **fields: Any) -> None:
        if not self.store.update(job_hash, state, owner=self.replica, **fields):
            raise _LeaseLost(job_hash)

    def _l2_nodes(self, chain_id: int) -> dict[int, L2Node]:
        """The configured chains a call on `chain_id` may teleport to; each is contacted only if the call does."""
        return {
            l2: L2Node(
                self._client(cfg.rpc_url),
                cfg.spec(l2),
            )
            for l2, cfg in self.settings.chains.items()
            if (chain_id, l2) in teleport_pairs()
        }

    def _run_claimed(self, job_hash: str, req: dict[str, Any], t0: float) -> None:
        chain = self.settings.chains.get(req["chain_id"])
        current = [Stage.PREFLIGHT]

        def on_stage(stage: Stage) -> None:
            current[0] = stage
            self._write(job_hash, JobState(stage.value))

        progress: dict[str, Any] = {}

        def on_progress(now: dict[str, Any]) -> None:
            progress.update(now)
            self._write(job_hash, JobState.PROVING, metrics={"progress": now})

        try:
            if chain is None:
                raise ChainError(f"chain {req['chain_id']} is no longer configured on this service")
            call = CallRequest(
                to=bytes.fromhex(req["to"][2:]), data=bytes.fromhex(req["data"][2:]), gas=req["gas_limit"]
            )
            pinned = Pinned(req["chain_id"], req["block_number"], bytes.fromhex(req["block_hash"][2:]))
            client = self._client(chain.rpc_url)
            l2_nodes = self._l2_nodes(req["chain_id"])
            try:
                proven = prove_call(
                    client,
                    call,
                    pinned,
                    mode=ProofModeName(req["mode"]),
                    dev_mode=self.settings.dev_mode,
                    chain_spec=chain.spec(req["chain_id"]),
                    vgas_limit=req.get("vgas_limit"),
                    on_stage=on_stage,
                    zk_prove=self.proving.prover(job_hash, on_progress),
                    l2_nodes=l2_nodes,
                    node_check=self.settings.node_check,
                    groth16_backend=self._groth16_backend(ProofModeName(req["mode"])),
                )
            finally:
                client.close()
                for node in l2_nodes.values():
                    node.client.close()
        except VlayerError as exc:
            if isinstance(exc, CallRevertedError) and exc.output and self.settings.abis:
                exc = CallRevertedError(str(self._reverts.decode(exc.output)), exc.output, exc.gas_used)
            fault = fault_of(exc)
            self.metrics.job_failed(fault.code)
            metrics = {"times": {"total": _ms(time.perf_counter() - t0)}}
            self._write(job_hash, JobState.FAILED, error={**fault.body(), "stage": current[0].value}, metrics=metrics)
            self.proving.finished(job_hash)
            log.info("job failed", extra={"event": "failed", "job": job_hash, "code": fault.code, "error": str(exc)})
            return
        except Exception as exc:  # a bug must fail the job visibly, not leave it 'preflight' forever
            log.exception("job crashed", extra={"event": "crashed", "job": job_hash})
            error = {
                "code": -32603,
                "message": f"internal error: {type(exc).__name__}: {exc}",
                "stage": current[0].value,
            }
            self.metrics.job_failed(INTERNAL_ERROR)
            self._write(job_hash, JobState.FAILED, error=error)
            return
        done_metrics = job_metrics(proven, time.perf_counter() - t0)
        if progress:
            done_metrics["progress"] = progress
        result = {
            "proof": None if proven.proof is None else proof_to_json(proven.proof),
            "evm_call_result": "0x" + proven.preflight.return_data.hex(),
            "journal": "0x" + proven.journal.hex(),
            # The zkVM receipt (base64 of RISC Zero's bincode) in the real modes; `vlayer verify` checks it.
            "receipt": None if proven.receipt is None else receipt_to_text(proven.receipt),
            "mode": proven.mode.value,
        }
        # Counted before the store says done, so whoever sees the job done finds it in the metrics too.
        self.metrics.job_done(proven, time.perf_counter() - t0)
        self._write(job_hash, JobState.DONE, result=result, metrics=done_metrics)
        self.proving.finished(job_hash)
        seconds = done_metrics["times"]["total"] / 1000
        log.info("job done", extra={"event": "done", "job": job_hash, "seconds": seconds})


def proof_modes_available(groth16_prover: str | None = None) -> list[str]:
    """What this build on this machine can prove: fake (dev mode), the zkVM's own modes, and groth16 where a
    shrink-wrap backend is available."""
    modes = ["fake", *zkvm.available_modes()]
    if "succinct" in modes and shrink_wrap.available(groth16_prover) is None:
        modes.append("groth16")
    return modes


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def job_metrics(proven: Proven, total_seconds: float) -> dict[str, Any]:
    """vlayer v1's metrics (`gas`, `cycles`, `times.preflight`/`times.proving` in whole milliseconds), and ours
    beside them: `evm_gas_used`, `vgas`, `segments` and every stage's time. As in v1, `gas` is the EVM gas used, or
    the call's vgas once its cycles were counted."""
    times = {name: _ms(seconds) for name, seconds in proven.times.items()}
    times["total"] = _ms(total_seconds)
    metrics: dict[str, Any] = {
        "gas": proven.vgas if proven.vgas is not None else proven.preflight.gas_used,
        "cycles": proven.cycles or 0,
        "times": times,
        "evm_gas_used": proven.preflight.gas_used,
    }
    if proven.vgas is not None:
        metrics["vgas"] = proven.vgas
    if proven.segments is not None:
        metrics["segments"] = proven.segments
    return metrics


def call_hash(
    chain_id: int, block: int, block_hash: bytes, to: bytes, data: bytes, gas: int, mode: str, vgas: int | None
) -> str:
    """keccak of the pinned location, the call and its budget: equal requests get the same hash, and so the same
    job. The vgas budget is part of it because it decides whether the job succeeds."""
    encoded = abi_encode(
        ["uint256", "uint256", "bytes32", "address", "bytes", "uint256", "string", "int256"],
        [chain_id, block, block_hash, to, data, gas, mode, -1 if vgas is None else vgas],
    )
    return "0x" + keccak(encoded).hex()
