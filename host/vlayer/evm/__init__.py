"""EVM rule sets beyond what py-evm ships (Osaka, the OP-stack forks, vlayer's precompiles), and the fork -> py-evm
state class table."""

import functools

from eth.abc import ComputationAPI, StateAPI
from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.prague.state import PragueState

from vlayer.chain.forks import Fork
from vlayer.evm.fast_loop import FastLoopComputation
from vlayer.evm.op_stack import op_state_class
from vlayer.evm.osaka import OsakaState
from vlayer.evm.vlayer_precompiles import with_vlayer

STATE_CLASSES = {Fork.CANCUN: CancunState, Fork.PRAGUE: PragueState, Fork.OSAKA: OsakaState}


@functools.cache
def state_class(fork: Fork, op_fork: str | None = None, travelled: bool = False) -> type[StateAPI]:
    """The py-evm state class of `fork`'s rules; on an OP-stack block, with its OP fork's precompiles; with vlayer's
    precompiles, whose time-dependent ones refuse on a `travelled` block (time travel or teleport)."""
    base: type[StateAPI] = STATE_CLASSES[fork]
    chain_cls = base if op_fork is None else op_state_class(fork, op_fork, base)
    computation: type[ComputationAPI] = chain_cls.computation_class
    computation_cls = type(
        f"Vlayer{computation.__name__}",
        (FastLoopComputation, computation),
        {"_precompiles": with_vlayer(computation.get_precompiles(), travelled)},
    )
    state_cls: type[StateAPI] = type(
        f"Vlayer{chain_cls.__name__}", (chain_cls,), {"computation_class": computation_cls}
    )
    return state_cls


__all__ = ["STATE_CLASSES", "state_class"]
