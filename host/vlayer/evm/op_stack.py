"""OP-stack rule sets: each OP fork runs an L1 rule set (chains/chains.json, `op_stack_forks`) with its own
precompile changes, the ones op-revm 20.0.0 makes (`op_revm::precompiles`) and the zkVM guest makes the same way
(guest/src/op_stack.rs):

- Fjord: P256VERIFY (RIP-7212) at 0x100, 3,450 gas (before Karst; L1's Osaka, EIP-7951, charges 6,900).
- Granite: the bn254 pairing (0x08) fails on inputs over 112,687 bytes; Jovian: over 81,984.
- Isthmus: BLS12-381 G1 MSM, G2 MSM and pairing fail on inputs over 513,760, 488,448 and 235,008 bytes; Jovian:
  over 288,960, 278,784 and 156,672.
- Karst runs Osaka's rules, with Osaka's P256VERIFY (6,900 gas) and MODEXP, and Jovian's limits.

A refused input fails the precompile, spending all the gas the call gave it, as revm's halt does. L1 fees, operator
fees and the L1-block-info deposit do not reach an eth_call with fees off; OP-stack blocks carry no blobs, so
BLOBBASEFEE is 1 (build_state).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from eth.abc import ComputationAPI, StateAPI
from eth.exceptions import VMError

from vlayer.chain.forks import Fork
from vlayer.evm.osaka import P256VERIFY_ADDRESS
from vlayer.evm.p256 import p256verify_output

#: OP forks vlayer executes, in activation order (Ecotone and later: Cancun rules and later).
OP_FORKS = ("ecotone", "fjord", "granite", "holocene", "isthmus", "jovian", "karst")

P256VERIFY_GAS_RIP7212 = 3450
BN254_PAIRING_ADDRESS = b"\x00" * 19 + b"\x08"
BLS12_G1_MSM_ADDRESS = b"\x00" * 19 + b"\x0c"
BLS12_G2_MSM_ADDRESS = b"\x00" * 19 + b"\x0e"
BLS12_PAIRING_ADDRESS = b"\x00" * 19 + b"\x0f"

GRANITE_BN254_PAIR_MAX_INPUT = 112_687
JOVIAN_BN254_PAIR_MAX_INPUT = 81_984
#: (G1 MSM, G2 MSM, pairing) input limits.
ISTHMUS_BLS_MAX_INPUT = (513_760, 488_448, 235_008)
JOVIAN_BLS_MAX_INPUT = (288_960, 278_784, 156_672)

Precompile = Callable[[ComputationAPI], Any]


def p256verify_rip7212(computation: ComputationAPI) -> ComputationAPI:
    computation.consume_gas(P256VERIFY_GAS_RIP7212, reason="P256VERIFY precompile (RIP-7212)")
    computation.output = p256verify_output(computation.msg.data_as_bytes)
    return computation


def input_limited(inner: Precompile, limit: int, what: str) -> Precompile:
    def precompile(computation: ComputationAPI) -> Any:
        if len(computation.msg.data_as_bytes) > limit:
            raise VMError(f"{what} input longer than {limit} bytes (OP-stack limit)")
        return inner(computation)

    return precompile


def _at_least(op_fork: str, than: str) -> bool:
    return OP_FORKS.index(op_fork) >= OP_FORKS.index(than)


def op_precompiles(base: Mapping[Any, Precompile], op_fork: str) -> dict[Any, Precompile]:
    """`base` (the L1 rule set's precompiles) with `op_fork`'s changes."""
    out = dict(base)
    if _at_least(op_fork, "fjord") and not _at_least(op_fork, "karst"):
        out[P256VERIFY_ADDRESS] = p256verify_rip7212  # Karst keeps Osaka's (6,900 gas)
    if _at_least(op_fork, "granite"):
        limit = JOVIAN_BN254_PAIR_MAX_INPUT if _at_least(op_fork, "jovian") else GRANITE_BN254_PAIR_MAX_INPUT
        out[BN254_PAIRING_ADDRESS] = input_limited(base[BN254_PAIRING_ADDRESS], limit, "bn254 pairing")
    if _at_least(op_fork, "isthmus"):
        limits = JOVIAN_BLS_MAX_INPUT if _at_least(op_fork, "jovian") else ISTHMUS_BLS_MAX_INPUT
        for address, limit, what in zip(
            (BLS12_G1_MSM_ADDRESS, BLS12_G2_MSM_ADDRESS, BLS12_PAIRING_ADDRESS),
            limits,
            ("BLS12-381 G1 MSM", "BLS12-381 G2 MSM", "BLS12-381 pairing"),
            strict=True,
        ):
            out[address] = input_limited(base[address], limit, what)
    return out


@functools.cache
def op_state_class(fork: Fork, op_fork: str, base_cls: type[StateAPI]) -> type[StateAPI]:
    """The py-evm state class of an OP-stack block: `base_cls` (`fork`'s rules) with `op_fork`'s precompiles."""
    if op_fork not in OP_FORKS:
        raise ValueError(f"OP fork {op_fork!r} is not one vlayer executes")
    base_computation: type[ComputationAPI] = base_cls.computation_class
    computation_cls = type(
        f"OpStack{op_fork.capitalize()}Computation",
        (base_computation,),
        {"_precompiles": op_precompiles(base_computation.get_precompiles(), op_fork)},
    )
    state_cls: type[StateAPI] = type(
        f"OpStack{op_fork.capitalize()}State", (base_cls,), {"computation_class": computation_cls}
    )
    return state_cls
