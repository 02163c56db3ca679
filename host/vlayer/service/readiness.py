"""`GET /ready`: readiness, beside `/health`'s liveness. `/health` says the process answers; `/ready` says it can
take work: every configured chain's node answers `eth_chainId` and `eth_blockNumber` within a short timeout, and
serves the chain it is configured for. 200 with each chain's head, or 503 naming the failing chains and why.

Open like `/health` (load balancers and orchestrators probe it without a secret), so its reasons never carry a
node's URL path or credentials, where providers keep API keys: a node is named by scheme, host and port only.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from vlayer.errors import VlayerError
from vlayer.hexutil import parse_hex_int
from vlayer.rpc import HttpTransport, RpcClient
from vlayer.service.settings import Settings

#: Seconds a node has to answer one probe (the whole HTTP request, one try): a probe must answer well within a load
#: balancer's own timeout. A service whose `--rpc-timeout` is shorter uses that.
READY_TIMEOUT = 3.0
#: A probe answer is two small numbers.
MAX_PROBE_BYTES = 64 * 1024
#: Chains probed at once.
MAX_PROBES = 8


def node_label(url: str) -> str:
    """`scheme://host[:port]` of a node URL: enough to find the node, without the path, query or user info."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def probe_chain(chain_id: int, url: str, timeout: float) -> dict[str, Any]:
    """One chain's readiness: `{"status": "ok", "block": N}` or `{"status": "error", "error": why}`."""
    client = RpcClient(HttpTransport(url, timeout=timeout, retries=0, max_response_bytes=MAX_PROBE_BYTES))
    try:
        served_hex, head_hex = client.batch([("eth_chainId", []), ("eth_blockNumber", [])])
        served = parse_hex_int(served_hex, "eth_chainId")
        head = parse_hex_int(head_hex, "eth_blockNumber")
    except VlayerError as exc:
        return {"status": "error", "error": str(exc).replace(url, node_label(url))}
    finally:
        client.close()
    if served != chain_id:
        return {"status": "error", "error": f"the node at {node_label(url)} serves chain {served}, not {chain_id}"}
    return {"status": "ok", "block": head}


async def readiness(settings: Settings, pool: ThreadPoolExecutor) -> tuple[bool, dict[str, Any]]:
    """Every configured chain probed at once, on `pool`; (all ready, the answer's body)."""
    timeout = min(READY_TIMEOUT, settings.rpc_timeout)
    loop = asyncio.get_running_loop()
    ids = sorted(settings.chains)
    probes = [loop.run_in_executor(pool, probe_chain, c, settings.chains[c].rpc_url, timeout) for c in ids]
    chains = {str(chain_id): status for chain_id, status in zip(ids, await asyncio.gather(*probes), strict=True)}
    failing = [chain_id for chain_id, status in chains.items() if status["status"] != "ok"]
    if failing:
        return False, {"status": "not ready", "failing": failing, "chains": chains}
    return True, {"status": "ready", "chains": chains}


def add_readiness_route(app: FastAPI, settings: Settings) -> ThreadPoolExecutor:
    """Adds `GET /ready`; returns its thread pool, for the app to shut down. The probes run on threads of their
    own, so neither a stalled node nor the JSON-RPC endpoint's work holds up the other."""
    pool = ThreadPoolExecutor(max_workers=min(MAX_PROBES, max(1, len(settings.chains))), thread_name_prefix="ready")

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        ok, body = await readiness(settings, pool)
        return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})

    return pool
