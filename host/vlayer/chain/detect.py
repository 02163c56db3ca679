"""Which schedule a node's chain runs: the built-in one, or for a dev chain the hardfork its node reports.

A dev chain (anvil) has no published schedule; `--hardfork` names its fork. Without it, anvil says which fork it runs
(`anvil_nodeInfo`'s `hardFork`), so `vlayer devnet`'s anvil (Osaka) and one started with any other supported
`--hardfork` need no flag. That answer is as untrusted as any other: a name vlayer cannot execute is refused, never
mapped to a guess. A dev chain whose node lacks the method (not anvil) keeps the default dev schedule, which the block
header checks (`vlayer.chain.block`) still hold it to.
"""

from __future__ import annotations

from vlayer.chain.forks import DEV_HARDFORKS, ChainSpec, dev_chain_ids, known_chains, spec_for_chain
from vlayer.errors import RpcMethodUnsupportedError, UnsupportedForkError
from vlayer.preflight.dev_chain import check_dev_chain
from vlayer.rpc.client import Call, RpcClient

#: The call that asks a dev chain's node (anvil) which hardfork it runs.
NODE_INFO_CALL: Call = ("anvil_nodeInfo", [])
#: The longest reported name quoted back in an error; a node's answer can be of any length.
_QUOTED = 40


def node_hardfork(client: RpcClient) -> str | None:
    """The hardfork a dev chain's node reports, lower case; None when it reports none (no `anvil_nodeInfo`, or no
    `hardFork` in it). A name vlayer does not execute is an `UnsupportedForkError` naming it."""
    try:
        info = client.call(*NODE_INFO_CALL)
    except RpcMethodUnsupportedError:
        return None
    # The answer's shape (an object whose hardFork is a string or absent) is checked by vlayer.rpc.answers.
    reported = info.get("hardFork")
    if reported is None or reported == "":
        return None
    name = str(reported).lower()
    if name not in DEV_HARDFORKS:
        shown = reported if len(reported) <= _QUOTED else reported[:_QUOTED] + "..."
        raise UnsupportedForkError(
            f"the dev chain's node runs hardfork {shown!r} (anvil_nodeInfo), which vlayer does not execute; "
            f"start it with --hardfork one of {', '.join(DEV_HARDFORKS)} (vlayer devnet runs osaka)"
        )
    return name


def dev_spec(client: RpcClient, chain_id: int) -> ChainSpec:
    """A dev chain's spec: the hardfork its node reports, else the default dev schedule (`spec_for_chain`)."""
    hardfork = node_hardfork(client)
    return ChainSpec.dev(hardfork, chain_id) if hardfork else spec_for_chain(chain_id)


def resolve_spec(client: RpcClient, chain_id: int, given: ChainSpec | None = None) -> ChainSpec:
    """The schedule to run `chain_id` under: `given` (`--hardfork`, `--chain-spec`), checked against a dev chain's
    node; else the built-in schedule; else, for a dev chain, what its node reports. A chain with none of these is
    refused by `spec_for_chain`."""
    if given is not None:
        if given.dev_hardfork:
            check_dev_chain(client, given)
        return given
    if chain_id not in known_chains() and chain_id in dev_chain_ids():
        return dev_spec(client, chain_id)
    return spec_for_chain(chain_id)
