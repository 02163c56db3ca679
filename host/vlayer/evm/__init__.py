"""EVM rule sets beyond what py-evm ships (Osaka), and the fork -> py-evm state class table."""

from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.prague.state import PragueState

from vlayer.chain.forks import Fork
from vlayer.evm.osaka import OsakaState

STATE_CLASSES = {Fork.CANCUN: CancunState, Fork.PRAGUE: PragueState, Fork.OSAKA: OsakaState}

__all__ = ["STATE_CLASSES"]
