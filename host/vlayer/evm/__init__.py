"""EVM rule sets beyond what py-evm ships (Osaka, the OP-stack forks), and the fork -> py-evm state class table."""

from eth.abc import StateAPI
from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.prague.state import PragueState

from vlayer.chain.forks import Fork
from vlayer.evm.op_stack import op_state_class
from vlayer.evm.osaka import OsakaState

STATE_CLASSES = {Fork.CANCUN: CancunState, Fork.PRAGUE: PragueState, Fork.OSAKA: OsakaState}


def state_class(fork: Fork, op_fork: str | None = None) -> type[StateAPI]:
    """The py-evm state class of `fork`'s rules; on an OP-stack block, with its OP fork's precompiles."""
    base: type[StateAPI] = STATE_CLASSES[fork]
    return base if op_fork is None else op_state_class(fork, op_fork, base)


__all__ = ["STATE_CLASSES", "state_class"]
