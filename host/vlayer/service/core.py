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

from vlayer import __version__, zkvm
from vlayer.chain.block import pin_block
from vlayer.chain.forks import ChainSpec, spec_for_chain
from vlayer.errors import ChainError, InputError, UnsupportedForkError, VlayerError
from vlayer.guest import build_info, call_guest_id
from vlayer.guest_input import VERSION as WIRE_FORMAT_VERSION
from vlayer.hexutil import parse_address, parse_hex_bytes
from vlayer.preflight.execute import CallRequest, resolve_gas
from vlayer.proof_encoding import proof_to_json
from vlayer.prove import Pinned, ProofModeName, prove_call
from vlayer.rpc import RpcClient
from vlayer.service.jobs import JobState, JobStore
from vlayer.service.models import CallArgs, CallContext
from vlayer.service.rpc_errors import INVALID_PARAMS, UNKNOWN_HASH, RpcFault, fault_of
from vlayer.service.settings import Settings
from vlayer.zkvm import receipt_to_text

API_VERSION = "1.0"
log = logging.getLogger("vlayer.service")


@dataclass(frozen=True)
class Accepted:
    hash: str
    created: bool


class ProveService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = JobStore(settings.database_url)
        self.pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="vlayer-prover")
        self._verified_chains: set[int] = set()
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[None]] = {}
        self._closed = False

    # --- lifecycle --------------------------------------------------------------------------------------------

    def resume(self) -> list[str]:
        """Queue again every job a previous run accepted but did not finish."""
        pending = self.store.unfinished()
        for job_hash in pending:
            self.store.update(job_hash, JobState.QUEUED)
            self._submit(job_hash)
        if pending:
            log.info("resumed unfinished jobs", extra={"event": "resume", "jobs": len(pending)})
        return pending

    def close(self, wait: bool = True) -> None:
        self._closed = True
        self.pool.shutdown(wait=wait, cancel_futures=not wait)
        self.store.close()

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
        return {
            "call_guest_id": "0x" + call_guest_id().hex(),
            "guest_embedded": bool(info.get("guest_embedded")),
            "api_version": API_VERSION,
            "vlayer_version": __version__,
            "wire_format_version": WIRE_FORMAT_VERSION,
            "risc0_version": info.get("risc0_zkvm_version"),
            "guest_elf_sha256": info.get("guest_elf_sha256"),
            "proof_mode": self.settings.proof_mode.value,
            "proof_modes_available": ["fake", *zkvm.available_modes()],
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
        call = CallRequest(to=parse_address(args.to, "to"), data=data, gas=args.gas_limit)
        spec = chain.spec(context.chain_id)
        client = RpcClient.http(chain.rpc_url, timeout=self.settings.rpc_timeout)
        try:
            self._check_chain(client, context.chain_id)
            pinned = pin_block(client, "latest" if context.block_number is None else context.block_number)
        finally:
            client.close()
        if spec is not None and spec.dev_hardfork and pinned.number == 0:
            raise ChainError("block 0 of a dev chain cannot be proven (anvil's genesis state root is wrong)")
        schedule = spec or self._schedule(context.chain_id)
        gas = resolve_gas(call, pinned, schedule.fork_at(pinned.header.timestamp))
        mode = self.settings.proof_mode.value
        job_hash = call_hash(context.chain_id, pinned.number, pinned.hash, call.to, data, gas, mode)
        request = {
            "to": "0x" + call.to.hex(),
            "data": "0x" + data.hex(),
            "gas_limit": gas,
            "chain_id": context.chain_id,
            "block_number": pinned.number,
            "block_hash": "0x" + pinned.hash.hex(),
            "mode": mode,
        }
        created = self.store.create(job_hash, request)
        if created:
            log.info("job accepted", extra={"event": "accepted", "job": job_hash, "block": pinned.number})
            self._submit(job_hash)
        return Accepted(job_hash, created)

    def receipt(self, job_hash: str) -> dict[str, Any]:
        job = self.store.get(job_hash.lower())
        if job is None:
            raise RpcFault(UNKNOWN_HASH, f"no proving job with hash {job_hash}")
        out: dict[str, Any] = {
            "state": job.state.value,
            # vlayer v1 clients read `status`: 1 done, 0 failed, null while in progress.
            "status": 1 if job.state is JobState.DONE else 0 if job.state is JobState.FAILED else None,
            "metrics": {"gas": None, "cycles": None, "times": {}, **job.metrics},
        }
        if job.result is not None:
            out["data"] = job.result
        if job.error is not None:
            out["error"] = job.error
        return out

    # --- work -------------------------------------------------------------------------------------------------

    def _schedule(self, chain_id: int) -> ChainSpec:
        try:
            return spec_for_chain(chain_id)
        except UnsupportedForkError as exc:
            raise InputError(str(exc)) from None

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

    def _run(self, job_hash: str) -> None:
        job = self.store.get(job_hash)
        if job is None or job.state in (JobState.DONE, JobState.FAILED):
            return
        req = job.request
        chain = self.settings.chains.get(req["chain_id"])
        t0 = time.perf_counter()
        self.store.update(job_hash, JobState.PREFLIGHT, new_attempt=True)
        try:
            if chain is None:
                raise ChainError(f"chain {req['chain_id']} is no longer configured on this service")
            call = CallRequest(
                to=bytes.fromhex(req["to"][2:]), data=bytes.fromhex(req["data"][2:]), gas=req["gas_limit"]
            )
            pinned = Pinned(req["chain_id"], req["block_number"], bytes.fromhex(req["block_hash"][2:]))
            client = RpcClient.http(chain.rpc_url, timeout=self.settings.rpc_timeout)
            try:
                proven = prove_call(
                    client,
                    call,
                    pinned,
                    mode=ProofModeName(req["mode"]),
                    dev_mode=self.settings.dev_mode,
                    chain_spec=chain.spec(req["chain_id"]),
                    on_proving=lambda: self.store.update(job_hash, JobState.PROVING),
                )
            finally:
                client.close()
        except VlayerError as exc:
            fault = fault_of(exc)
            metrics = {"times": {"total": time.perf_counter() - t0}}
            self.store.update(job_hash, JobState.FAILED, error=fault.body(), metrics=metrics)
            log.info("job failed", extra={"event": "failed", "job": job_hash, "code": fault.code, "error": str(exc)})
            return
        except Exception as exc:  # a bug must fail the job visibly, not leave it 'preflight' forever
            log.exception("job crashed", extra={"event": "crashed", "job": job_hash})
            error = {"code": -32603, "message": f"internal error: {type(exc).__name__}: {exc}"}
            self.store.update(job_hash, JobState.FAILED, error=error)
            return
        times = {**proven.times, "total": time.perf_counter() - t0}
        done_metrics: dict[str, Any] = {"gas": proven.preflight.gas_used, "cycles": proven.cycles, "times": times}
        if proven.segments is not None:
            done_metrics["segments"] = proven.segments
        result = {
            "proof": None if proven.proof is None else proof_to_json(proven.proof),
            "evm_call_result": "0x" + proven.preflight.return_data.hex(),
            "journal": "0x" + proven.journal.hex(),
            # The zkVM receipt (base64 of RISC Zero's bincode) in the real modes; `vlayer verify` checks it.
            "receipt": None if proven.receipt is None else receipt_to_text(proven.receipt),
            "mode": proven.mode.value,
        }
        self.store.update(job_hash, JobState.DONE, result=result, metrics=done_metrics)
        log.info("job done", extra={"event": "done", "job": job_hash, "seconds": round(times["total"], 3)})


def call_hash(chain_id: int, block: int, block_hash: bytes, to: bytes, data: bytes, gas: int, mode: str) -> str:
    """keccak of the pinned location and the call: equal requests get the same hash, and so the same job."""
    encoded = abi_encode(
        ["uint256", "uint256", "bytes32", "address", "bytes", "uint256", "string"],
        [chain_id, block, block_hash, to, data, gas, mode],
    )
    return "0x" + keccak(encoded).hex()
