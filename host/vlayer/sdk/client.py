"""`Client` and `AsyncClient`: prove a web3.py contract function through a prove service or in this process."""

from __future__ import annotations

import asyncio
from types import TracebackType

from web3.contract.async_contract import AsyncContractFunction
from web3.contract.contract import ContractFunction

from vlayer.sdk.backends import Backend, Local, OnState, backend_for
from vlayer.sdk.calls import prover_call, prover_call_async
from vlayer.sdk.result import ProofResult

#: How long `prove` waits for a service job; composite proofs on a CPU take minutes.
DEFAULT_TIMEOUT = 600.0


class Client:
    """`Client("http://host:3000/", token=...)` proves through a prove service; `Client(Local(dev=True))` in this
    process. Both take the same calls and return the same `ProofResult`."""

    def __init__(self, prover: str | Local, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._backend: Backend = backend_for(prover, token, timeout)

    def prove(
        self,
        function: ContractFunction,
        *,
        block: int | None = None,
        chain_id: int | None = None,
        gas_limit: int | None = None,
        vgas_limit: int | None = None,
        on_state: OnState | None = None,
    ) -> ProofResult:
        """Prove `function` (e.g. `prover.functions.balance(owner)`) at `block` (default: the latest) of `chain_id`
        (default: the chain of the function's web3).

        `gas_limit` is the call's EVM gas (default: the block's gas limit, capped as the fork caps a transaction);
        `vgas_limit` a proving budget in vlayer v1's vgas (1,000,000 zkVM cycles each; default: none). `on_state` is
        told each job state as it is reached (queued, preflight, estimating_vgas, proving, done)."""
        call = prover_call(function, chain_id=chain_id, block=block, gas_limit=gas_limit, vgas_limit=vgas_limit)
        return self._backend.prove(call, on_state)

    def call_guest_id(self) -> bytes:
        """The image ID of the guest that proves (what a verifier's `ImageIdRepository` must support)."""
        return self._backend.call_guest_id()

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncClient:
    """`Client` for asyncio code: the same modes and results. The blocking work (HTTP polling, local proving) runs
    on worker threads, so concurrent `prove` calls overlap; `on_state` is called from those threads."""

    def __init__(self, prover: str | Local, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._backend: Backend = backend_for(prover, token, timeout)

    async def prove(
        self,
        function: AsyncContractFunction | ContractFunction,
        *,
        block: int | None = None,
        chain_id: int | None = None,
        gas_limit: int | None = None,
        vgas_limit: int | None = None,
        on_state: OnState | None = None,
    ) -> ProofResult:
        """As `Client.prove`; `function` may come from an `AsyncWeb3` or a `Web3`."""
        call = await prover_call_async(
            function, chain_id=chain_id, block=block, gas_limit=gas_limit, vgas_limit=vgas_limit
        )
        return await asyncio.to_thread(self._backend.prove, call, on_state)

    async def call_guest_id(self) -> bytes:
        return await asyncio.to_thread(self._backend.call_guest_id)

    async def close(self) -> None:
        await asyncio.to_thread(self._backend.close)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
