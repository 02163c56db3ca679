"""A web3.py contract function bound to its arguments, as the call a prover runs: target, calldata, chain, block.

web3.py already knows the address, the ABI and how to encode the arguments; taking them from it spares the user
from building calldata by hand, and its ABI outputs are what the proof's outputs decode with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.abi import abi_to_signature, collapse_if_tuple
from web3 import AsyncWeb3, Web3
from web3.contract.async_contract import AsyncContractFunction
from web3.contract.base_contract import BaseContractFunction
from web3.contract.contract import ContractFunction

from vlayer.errors import InputError, RpcError
from vlayer.hexutil import parse_address, parse_hex_bytes
from vlayer.receipts.proof_encoding import PROOF_TYPE
from vlayer.reverts.decode import Abi


@dataclass(frozen=True)
class ProverCall:
    to: bytes
    data: bytes
    chain_id: int
    #: None: the prover's latest block.
    block: int | None
    #: The call's EVM gas; None: the prover's default (the block's gas limit, capped as the fork caps transactions).
    gas_limit: int | None
    #: vlayer v1's proving budget, 1 vgas = 1,000,000 zkVM cycles; None: no budget.
    vgas_limit: int | None
    #: The function's ABI entry; its outputs decode the proof's return data.
    abi: Mapping[str, Any]
    #: The HTTP endpoint of the function's web3 provider, where local mode runs the call unless told otherwise.
    rpc_url: str | None
    #: The prover contract's whole ABI: its custom errors name the reverts of a call that proves nothing.
    contract_abi: Abi = ()


def _contract_abi(function: BaseContractFunction) -> Abi:
    return tuple(function.contract_abi or [function.abi])


def _bound(function: BaseContractFunction) -> tuple[bytes, bytes, Mapping[str, Any]]:
    if not isinstance(function, BaseContractFunction):
        raise InputError(
            f"prove takes a web3.py contract function bound to its arguments, e.g. prover.functions.balance(owner); "
            f"got {type(function).__name__}"
        )
    abi: Mapping[str, Any] = function.abi
    signature = abi_to_signature(function.abi)
    if function.arguments is None:
        raise InputError(f"{signature} is not bound to its arguments: call it, e.g. prover.functions.{function.name}()")
    if not function.address:
        raise InputError(f"{signature} belongs to a contract without an address: w3.eth.contract(address=..., abi=...)")
    outputs = abi.get("outputs") or []
    if not outputs or collapse_if_tuple(outputs[0]) != PROOF_TYPE:
        raise InputError(f"{signature} is not a prover function: its first output must be a vlayer Proof (proof())")
    data = parse_hex_bytes(function._encode_transaction_data(), "calldata")
    return parse_address(function.address, "contract address"), data, abi


def _endpoint(w3: Any) -> str | None:
    uri = getattr(w3.provider, "endpoint_uri", None)
    return str(uri) if isinstance(uri, str) and uri.startswith(("http://", "https://")) else None


def _is_int(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _checked(block: int | None, gas_limit: int | None, vgas_limit: int | None) -> None:
    if block is not None and not _is_int(block, 0):
        raise InputError(f"block must be a block number (int >= 0) or None for the latest, got {block!r}")
    for name, value in (("gas_limit", gas_limit), ("vgas_limit", vgas_limit)):
        if value is not None and not _is_int(value, 1):
            raise InputError(f"{name} must be a positive int or None, got {value!r}")


def _provider_failed(exc: Exception) -> RpcError:
    return RpcError(f"cannot read the chain id from the contract's web3 provider: {type(exc).__name__}: {exc}")


def prover_call(
    function: ContractFunction,
    *,
    chain_id: int | None,
    block: int | None,
    gas_limit: int | None,
    vgas_limit: int | None,
) -> ProverCall:
    _checked(block, gas_limit, vgas_limit)
    if isinstance(function, AsyncContractFunction) or isinstance(getattr(function, "w3", None), AsyncWeb3):
        raise InputError("this contract function belongs to an AsyncWeb3: prove it with vlayer.sdk.AsyncClient")
    to, data, abi = _bound(function)
    if chain_id is None:
        try:
            chain_id = int(function.w3.eth.chain_id)
        # web3.py providers raise their transport's own exceptions (requests, aiohttp, websockets, OSError).
        except Exception as exc:
            raise _provider_failed(exc) from exc
    return ProverCall(
        to, data, chain_id, block, gas_limit, vgas_limit, abi, _endpoint(function.w3), _contract_abi(function)
    )


async def prover_call_async(
    function: AsyncContractFunction | ContractFunction,
    *,
    chain_id: int | None,
    block: int | None,
    gas_limit: int | None,
    vgas_limit: int | None,
) -> ProverCall:
    _checked(block, gas_limit, vgas_limit)
    to, data, abi = _bound(function)
    if chain_id is None:
        w3 = function.w3
        try:
            if isinstance(w3, AsyncWeb3):
                chain_id = int(await w3.eth.chain_id)
            else:
                sync_w3: Web3 = w3
                chain_id = int(await asyncio.to_thread(lambda: sync_w3.eth.chain_id))
        except Exception as exc:  # as in prover_call: each provider raises its transport's exceptions
            raise _provider_failed(exc) from exc
    return ProverCall(
        to, data, chain_id, block, gas_limit, vgas_limit, abi, _endpoint(function.w3), _contract_abi(function)
    )
