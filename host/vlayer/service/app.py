"""The HTTP skin of the prove service: FastAPI app built from a `Settings`, served by uvicorn.

`POST /` takes JSON-RPC 2.0 (single requests and batches); `GET /health` answers without touching a chain (liveness),
`GET /ready` probes every chain's node (readiness, `readiness.py`). Every
answer to a JSON-RPC request is HTTP 200 with a JSON-RPC body, errors included, except a missing or wrong bearer
token (HTTP 401 with `{"error": "..."}`, as vlayer v1 answers). The operator's routes (`/metrics`, `/dashboard`,
`/jobs/{hash}`) are in `operator_routes.py`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from vlayer import jsonsafe
from vlayer.errors import VlayerError
from vlayer.service.core import ProveService
from vlayer.service.models import METHODS, AuthErrorBody, RpcRequest, RpcResponse, VCall, VGetProofReceipt, VVersions
from vlayer.service.operator_routes import add_operator_routes
from vlayer.service.readiness import add_readiness_route
from vlayer.service.rpc_errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcFault,
    fault_of,
)
from vlayer.service.settings import Settings

log = logging.getLogger("vlayer.service")
_request_adapter: TypeAdapter[VCall | VGetProofReceipt | VVersions] = TypeAdapter(RpcRequest)
#: A batch larger than this is refused whole: each element may pin a block over RPC.
MAX_BATCH = 100
#: A request is 4 levels deep (a batch 5); anything much deeper is refused unparsed.
MAX_BODY_DEPTH = 32


def _error(request_id: Any, fault: RpcFault) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": fault.body()}


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"][1:]) or "request"
    return f"invalid {where}: {first['msg']}"


def _request_id(obj: Any) -> Any:
    rid = obj.get("id") if isinstance(obj, dict) else None
    return rid if isinstance(rid, int | str) and not isinstance(rid, bool) else None


def handle_one(service: ProveService, obj: Any) -> dict[str, Any]:
    """One JSON-RPC request object to its response object (never raises); error answers are counted."""
    answer = _answer_one(service, obj)
    if "error" in answer:
        service.metrics.request_failed(answer["error"]["code"])
    return answer


def _answer_one(service: ProveService, obj: Any) -> dict[str, Any]:
    rid = _request_id(obj)
    if not isinstance(obj, dict) or obj.get("jsonrpc") != "2.0" or not isinstance(obj.get("method"), str):
        return _error(rid, RpcFault(INVALID_REQUEST, "not a JSON-RPC 2.0 request (jsonrpc '2.0' and a method)"))
    if obj["method"] not in METHODS:
        return _error(rid, RpcFault(METHOD_NOT_FOUND, f"method {obj['method']!r} not found; try {', '.join(METHODS)}"))
    try:
        req = _request_adapter.validate_json(json.dumps(obj))
    except ValidationError as exc:
        return _error(rid, RpcFault(INVALID_PARAMS, _validation_message(exc)))
    try:
        if isinstance(req, VCall):
            result: Any = service.call(*req.params).hash
        elif isinstance(req, VGetProofReceipt):
            args = req.params if not isinstance(req.params, tuple) else req.params[0]
            result = service.receipt(args.hash)
        else:
            result = service.versions()
    except RpcFault as fault:
        return _error(rid, fault)
    except VlayerError as exc:
        return _error(rid, fault_of(exc))
    except Exception as exc:  # the endpoint answers JSON-RPC even on a bug, and logs it
        log.exception("request crashed", extra={"event": "crashed", "method": obj["method"]})
        return _error(rid, RpcFault(INTERNAL_ERROR, f"internal error: {type(exc).__name__}"))
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def _authorized(settings: Settings, request: Request) -> bool:
    if settings.auth_token is None:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    # As bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.auth_token.encode())


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is over `limit` bytes: a declared length is refused before reading anything, a
    chunked body as soon as it passes the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


RPC_BODY_SCHEMA = _request_adapter.json_schema(ref_template="#/components/schemas/{model}")


def create_app(settings: Settings) -> FastAPI:
    service_holder: dict[str, ProveService] = {}
    # /health has a thread of its own: the shared pool also runs `POST /`, whose block pinning waits on the chain's
    # node, and a stalled node must not make the service look dead.
    health_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vlayer-health")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service = ProveService(settings)
        service_holder["service"] = service
        app.state.service = service
        service.resume()
        log.info("service started", extra={"event": "started", "chains": sorted(settings.chains)})
        app.state.requeued = []
        try:
            yield
        finally:
            # The port is closed by now; running jobs get the grace period, then go back to the queue.
            app.state.requeued = await run_in_threadpool(service.shutdown, settings.shutdown_grace)
            health_pool.shutdown(wait=False)
            ready_pool.shutdown(wait=False)

    app = FastAPI(title="vlayer prove service", version="1.0", lifespan=lifespan)
    defs = RPC_BODY_SCHEMA.pop("$defs", {})
    openapi_body = {
        "required": True,
        "content": {"application/json": {"schema": {"anyOf": [RPC_BODY_SCHEMA, {"type": "array"}]}}},
    }

    def refused(fault: RpcFault) -> JSONResponse:
        """A body refused whole (not JSON, a batch out of bounds): answered, and counted like any error answer."""
        service_holder["service"].metrics.request_failed(fault.code)
        return JSONResponse(_error(None, fault))

    add_operator_routes(app, settings, lambda: service_holder["service"])
    ready_pool = add_readiness_route(app, settings)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        service = service_holder.get("service")
        counts = await asyncio.get_running_loop().run_in_executor(health_pool, service.store.counts) if service else {}
        return {"status": "ok", "jobs": counts}

    @app.post(
        "/",
        openapi_extra={"requestBody": openapi_body},
        response_model=RpcResponse | list[RpcResponse],
        responses={401: {"model": AuthErrorBody, "description": "missing or wrong bearer token"}},
    )
    async def rpc(request: Request) -> JSONResponse:
        if not _authorized(settings, request):
            # vlayer v1's 401 body: its SDK shows `error` to the user when it is a string.
            body = {"error": "missing or wrong bearer token"}
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        raw = await _bounded_body(request, settings.max_body_bytes)
        if raw is None:
            return refused(
                RpcFault(
                    INVALID_REQUEST, f"the request body is over this service's limit of {settings.max_body_bytes} bytes"
                )
            )
        try:
            body = jsonsafe.loads(raw, max_depth=MAX_BODY_DEPTH)
        except jsonsafe.UntrustedJsonError as exc:
            return refused(RpcFault(PARSE_ERROR, f"parse error: {exc}"))
        service = service_holder["service"]
        if isinstance(body, list):
            if not body or len(body) > MAX_BATCH:
                return refused(RpcFault(INVALID_REQUEST, f"a batch holds 1 to {MAX_BATCH} requests, got {len(body)}"))
            answers = [await run_in_threadpool(handle_one, service, item) for item in body]
            return JSONResponse(answers)
        return JSONResponse(await run_in_threadpool(handle_one, service, body))

    if defs:
        original_openapi = app.openapi

        def openapi() -> dict[str, Any]:
            schema = original_openapi()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs)
            return schema

        app.openapi = openapi  # type: ignore[method-assign]
    return app
