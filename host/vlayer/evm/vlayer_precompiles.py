"""vlayer's precompiles (JSON, regex, URL pattern, email proofs) in py-evm, answered by the guest's own engine.

Each call goes to `vlayer._native.precompile_call`, the `vlayer-precompiles` crate the zkVM guest runs, so output,
gas and failure are the guest's by construction. A failure vlayer v1 treated as fatal raises `PrecompileError`,
which is not a py-evm `VMError`: it leaves every frame and aborts the run, as revm's fatal precompile error does.
A call that cannot pay the cost fails like any out-of-gas call. On a block reached by time travel or teleport the
time-dependent ones (email), `ShieldedOpen` and `ShieldedTryOpen` refuse, as in the guest. The shielded ones open
shielded arguments with the prover's secret keys, which the run's state carries (`set_secrets`) and nothing stores.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from eth.abc import ComputationAPI
from eth.exceptions import OutOfGas

from vlayer.errors import PrecompileError

Precompile = Callable[[ComputationAPI], Any]


@functools.cache
def table() -> tuple[tuple[bytes, str, bool], ...]:
    """`(address, name, refused_on_travel)` of every vlayer precompile."""
    from vlayer import _native

    return tuple((bytes(a), name, dependent) for a, name, dependent in _native.precompile_table())


_USED = "_vlayer_precompile_used"
_SECRETS = "_vlayer_shielding_secrets"


def set_secrets(state: object, secrets: tuple[bytes, ...]) -> None:
    """The prover's shielding secret keys for calls run in `state` (`ShieldedOpen`, `ShieldedTryOpen`); kept on the
    run's state only."""
    if any(len(s) != 32 for s in secrets):
        raise ValueError("a shielding secret key is 32 bytes")
    setattr(state, _SECRETS, secrets)


def mark_used(state: object) -> None:
    setattr(state, _USED, True)


def used(state: object, touched_accounts: list[bytes]) -> bool:
    """Whether a call run in `state` reached a vlayer precompile or read one's account, which no node's own eth_call
    can answer alike (on a node the address is an empty, cold account: its gas differs even for a BALANCE)."""
    addresses = {address for address, _, _ in table()}
    return bool(getattr(state, _USED, False)) or any(bytes(a) in addresses for a in touched_accounts)


def _precompile(address: bytes, name: str, travelled: bool) -> Precompile:
    def run(computation: ComputationAPI) -> ComputationAPI:
        from vlayer import _native

        msg = computation.msg
        secrets = list(getattr(computation.state, _SECRETS, ()))
        status, output, gas, message = _native.precompile_call(
            address, bytes(msg.data_as_bytes), msg.gas, travelled, secrets
        )
        mark_used(computation.state)
        if status == "fatal":
            raise PrecompileError(message, name)
        if status == "out_of_gas":
            raise OutOfGas(f"vlayer precompile {name}: needs {gas} gas, the call gave {msg.gas}")
        computation.consume_gas(gas, reason=f"vlayer precompile {name}")
        computation.output = output
        return computation

    return run


def with_vlayer(base: Mapping[Any, Precompile], travelled: bool) -> dict[Any, Precompile]:
    """`base` (the chain's precompiles) with vlayer's."""
    from eth_typing import Address

    out = dict(base)
    for address, name, _ in table():
        out[Address(address)] = _precompile(address, name, travelled)
    return out
