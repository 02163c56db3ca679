"""A dev chain's spec names anvil's hardfork; the node must run that one."""

from __future__ import annotations

from vlayer.chain.forks import ChainSpec
from vlayer.errors import RpcMethodUnsupportedError, UnsupportedForkError
from vlayer.rpc.client import RpcClient


def check_dev_chain(client: RpcClient, spec: ChainSpec) -> None:
    """A dev spec names anvil's hardfork; refuse to run if anvil runs another."""
    try:
        info = client.call("anvil_nodeInfo", [])
    except RpcMethodUnsupportedError:
        return  # not anvil: the spec stands on its own
    running = str(info.get("hardFork", "")).lower()
    if running and running != spec.dev_hardfork:
        raise UnsupportedForkError(
            f"the dev chain runs hardfork {running!r} but the chain spec says {spec.dev_hardfork!r}; "
            f"pass --hardfork {running}"
        )
