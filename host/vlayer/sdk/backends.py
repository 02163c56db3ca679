"""Where a proof comes from: a prove service over HTTP (`ProveClient`), or this process (`prove_call`).

Both report failures the same way: local mode maps its typed errors to the JSON-RPC codes the service would send
(`fault_of`), and both raise `ProveError` (or a subclass) from those codes, so a caller never needs to know which
mode it runs in to handle an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from vlayer.chain.block import pin_block
from vlayer.chain.forks import ChainSpec
from vlayer.errors import InputError, ProveError, ProverRevertedError, UnknownChainError, VlayerError
from vlayer.guest import call_guest_id
from vlayer.hexutil import parse_hex_bytes
from vlayer.preflight.execute import CallRequest
from vlayer.prove import Pinned, ProofModeName, prove_call
from vlayer.receipts import shrink_wrap
from vlayer.receipts.proof_encoding import proof_from_json
from vlayer.receipts.zkvm import receipt_from_text
from vlayer.reverts.decode import Abi, decode_revert, hex_data
from vlayer.rpc import RpcClient
from vlayer.sdk.calls import ProverCall
from vlayer.sdk.result import ProofResult, build_result
from vlayer.service.client import ProveClient, ServiceError
from vlayer.service.core import job_metrics
from vlayer.service.rpc_errors import CALL_REVERTED, INVALID_PARAMS, fault_of

OnState = Callable[[str], None]


@dataclass(frozen=True)
class Local:
    """Prove in this process, on the chain's RPC node (the contract's HTTP provider unless `rpc_url` names one).

    `shielding_keys`: the prover's shielding secret keys, for shielded requests (docs/requests.md).
    `mode` defaults to fake with `dev=True`, else composite; fake proofs prove nothing and need `dev=True`, as the
    service's dev mode does. `hardfork` describes a dev chain (anvil's `--hardfork`); `chain_spec` any other chain
    without a built-in schedule. `groth16_prover`: the shrink-wrap command of the groth16 mode (default: the CUDA
    build's GPU prover, else docker or podman with RISC Zero's image; `vlayer.receipts.shrink_wrap`); groth16 is
    refused here when none works.
    """

    rpc_url: str | None = None
    dev: bool = False
    mode: str | None = None
    hardfork: str | None = None
    chain_spec: ChainSpec | None = None
    rpc_timeout: float = 30.0
    groth16_prover: str | None = None
    #: The prover's shielding secret keys (32 bytes each) for calls that open shielded request arguments
    #: (`vlayer.shielding`); they stay in this process. Not shown by `repr`.
    shielding_keys: tuple[bytes, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.proof_mode is ProofModeName.FAKE and not self.dev:
            raise InputError("fake proofs prove nothing and need dev mode switched on explicitly: Local(dev=True)")
        if self.hardfork is not None and self.chain_spec is not None:
            raise InputError("give a dev chain's hardfork or a chain spec, not both")
        if self.rpc_url is not None and not self.rpc_url.startswith(("http://", "https://")):
            raise InputError(f"the RPC URL must be http(s), got {self.rpc_url!r}")
        if self.proof_mode is ProofModeName.GROTH16:
            shrink_wrap.select_backend(self.groth16_prover)  # refused now, naming why, rather than after proving

    @property
    def proof_mode(self) -> ProofModeName:
        if self.mode is None:
            return ProofModeName.FAKE if self.dev else ProofModeName.COMPOSITE
        try:
            return ProofModeName(self.mode)
        except ValueError:
            modes = ", ".join(m.value for m in ProofModeName)
            raise InputError(f"unknown proof mode {self.mode!r} (modes: {modes})") from None


class Backend(Protocol):
    def prove(self, call: ProverCall, on_state: OnState | None) -> ProofResult: ...

    def call_guest_id(self) -> bytes: ...

    def close(self) -> None: ...


def error_for(code: int, message: str, data: Any, prover_abi: Abi = ()) -> ProveError:
    """The SDK's error for a JSON-RPC error; a revert's data are decoded with vlayer's errors and the prover's ABI
    (the service, which has no user ABI, names only vlayer's own errors, Error and Panic)."""
    if code == CALL_REVERTED and isinstance(data, dict):
        output = data.get("output")
        raw = hex_data(output) or b""
        # No revert data: the call halted (out of gas, invalid opcode), which the reason already says.
        reason = str(decode_revert(raw, prover_abi)) if raw else str(data.get("reason") or "no reason")
        return ProverRevertedError(reason, raw, code, data)
    return ProveError(message, code, data)


@contextmanager
def _service_errors(prover_abi: Abi = ()) -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        raise error_for(exc.code, str(exc), exc.data, prover_abi) from None


class ServiceBackend:
    """A prove service. `ProveClient` holds a `requests.Session`, which is not meant to be shared between threads,
    so each thread (the async client's workers) gets its own."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"a prove service URL is http(s)://host[:port]/..., got {url!r}")
        self.url, self.token, self.timeout = url, token, timeout
        self._local = threading.local()
        self._clients: list[ProveClient] = []
        self._lock = threading.Lock()
        self._versions: dict[str, Any] | None = None

    def _client(self) -> ProveClient:
        client: ProveClient | None = getattr(self._local, "client", None)
        if client is None:
            client = ProveClient(self.url, self.token)
            with self._lock:
                self._clients.append(client)
            self._local.client = client
        return client

    def versions(self) -> dict[str, Any]:
        """`v_versions`, asked once: the service's chains and call guest id do not change while it runs."""
        if self._versions is None:
            with _service_errors():
                self._versions = dict(self._client().request("v_versions", []))
        return self._versions

    def call_guest_id(self) -> bytes:
        return parse_hex_bytes(str(self.versions()["call_guest_id"]), "the service's call_guest_id")

    def prove(self, call: ProverCall, on_state: OnState | None) -> ProofResult:
        chains = self.versions().get("chains")
        if isinstance(chains, list) and call.chain_id not in chains:
            served = ", ".join(str(c) for c in chains)
            raise UnknownChainError(
                f"unknown chain id {call.chain_id}: the prove service at {self.url} proves chains {served}",
                INVALID_PARAMS,
            )
        client = self._client()
        with _service_errors(call.contract_abi):
            job = client.call(
                "0x" + call.to.hex(),
                "0x" + call.data.hex(),
                call.chain_id,
                call.block,
                evm_gas_limit=call.gas_limit,
                vgas_limit=call.vgas_limit,
            )
            receipt = client.wait(job, timeout=self.timeout, on_state=on_state)
        data = receipt.get("data") or {}
        proof = None if data.get("proof") is None else proof_from_json(data["proof"])
        zk = None if data.get("receipt") is None else receipt_from_text(data["receipt"])
        return build_result(
            call,
            proof=proof,
            journal=parse_hex_bytes(data.get("journal", ""), "the service's journal"),
            return_data=parse_hex_bytes(data.get("evm_call_result", ""), "the service's evm_call_result"),
            mode=str(data.get("mode")),
            metrics=dict(receipt.get("metrics") or {}),
            receipt=zk,
            call_hash=job,
        )

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
            self._local = threading.local()  # a later prove opens new sessions rather than use closed ones
        for client in clients:
            client.close()


class LocalBackend:
    def __init__(self, local: Local) -> None:
        self.local = local

    def call_guest_id(self) -> bytes:
        return call_guest_id()

    def prove(self, call: ProverCall, on_state: OnState | None) -> ProofResult:
        url = self.local.rpc_url or call.rpc_url
        if url is None:
            raise InputError(
                "local proving needs the chain's HTTP RPC endpoint: Local(rpc_url=...), or a contract whose web3 "
                "provider is an HTTPProvider"
            )
        notify = on_state or (lambda _state: None)
        t0 = time.perf_counter()
        rpc = RpcClient.http(url, timeout=self.local.rpc_timeout)
        try:
            node_chain = int(rpc.call("eth_chainId", []), 16)
            if node_chain != call.chain_id:
                raise UnknownChainError(
                    f"unknown chain id {call.chain_id}: the RPC node at {url} serves chain {node_chain}", INVALID_PARAMS
                )
            spec = self.local.chain_spec
            if self.local.hardfork is not None:
                spec = ChainSpec.dev(self.local.hardfork, node_chain)
            pinned = pin_block(rpc, "latest" if call.block is None else call.block)
            proven = prove_call(
                rpc,
                CallRequest(to=call.to, data=call.data, gas=call.gas_limit),
                Pinned(node_chain, pinned.number, pinned.hash),
                mode=self.local.proof_mode,
                dev_mode=self.local.dev,
                chain_spec=spec,
                vgas_limit=call.vgas_limit,
                on_stage=lambda stage: notify(stage.value),
                groth16_backend=(
                    shrink_wrap.select_backend(self.local.groth16_prover)
                    if self.local.proof_mode is ProofModeName.GROTH16
                    else None
                ),
                shielding_keys=self.local.shielding_keys,
            )
        except ProveError:
            raise
        except VlayerError as exc:
            fault = fault_of(exc)
            raise error_for(fault.code, fault.message, fault.data, call.contract_abi) from exc
        finally:
            rpc.close()
        notify("done")
        return build_result(
            call,
            proof=proven.proof,
            journal=proven.journal,
            return_data=proven.preflight.return_data,
            mode=proven.mode.value,
            # The service's metrics of the same run, so that both modes report alike.
            metrics=job_metrics(proven, time.perf_counter() - t0),
            receipt=proven.receipt,
        )

    def close(self) -> None:
        pass


def backend_for(prover: str | Local, token: str | None, timeout: float) -> Backend:
    if isinstance(prover, Local):
        if token is not None:
            raise InputError("a bearer token is for a prove service; local mode sends none")
        return LocalBackend(prover)
    if isinstance(prover, str):
        return ServiceBackend(prover, token, timeout)
    raise InputError(f"Client takes a prove service URL or vlayer.sdk.Local(...), got {type(prover).__name__}")
