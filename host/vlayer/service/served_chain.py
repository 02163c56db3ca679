"""The chain a prove-service request is for when the caller names none: the one chain the service proves.

A service lists its chains in `v_versions` (`chains`); a caller that names no chain gets that one when there is
exactly one, and otherwise a list to choose from: a guess among several would prove a call on a chain the caller
did not mean.
"""

from __future__ import annotations

from vlayer.errors import InputError, RpcError
from vlayer.service.client import ProveClient


def service_chains(client: ProveClient) -> list[int]:
    """The chain ids the service at `client.url` proves (`v_versions`), checked: the answer is untrusted."""
    versions = client.request("v_versions", [])
    chains = versions.get("chains") if isinstance(versions, dict) else None
    if not isinstance(chains, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in chains):
        raise RpcError(f"prove service at {client.url}: v_versions has no list of chain ids (chains)")
    return sorted(chains)


def served_chain(client: ProveClient) -> int:
    """The one chain the service proves; several (or none) are an `InputError` naming them."""
    chains = service_chains(client)
    if len(chains) == 1:
        return chains[0]
    if not chains:
        raise InputError(f"the prove service at {client.url} proves no chain")
    listed = ", ".join(str(c) for c in chains)
    raise InputError(f"the prove service at {client.url} proves chains {listed}; pass --chain-id one of them")
