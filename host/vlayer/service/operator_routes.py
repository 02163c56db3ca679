"""The operator's HTTP routes beside the JSON-RPC endpoint: `/metrics` (Prometheus), `/dashboard` (recent jobs, live),
`/dashboard/jobs.json` (what the dashboard polls) and `/jobs/{hash}` (one job's receipt). They are left out of the
OpenAPI schema, which describes the JSON-RPC API.

With an auth token set, every one of them needs it, as `POST /` does: they show what the service proves and for
whom. A browser cannot send a bearer token, so they also take HTTP Basic credentials whose password is the token
(any user name); the dashboard's routes answer 401 with a Basic challenge, so the browser asks for it. `/health`
stays open for load balancers.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from vlayer.prove import ProofModeName
from vlayer.reverts.decode import function_names
from vlayer.service import dashboard
from vlayer.service.core import ProveService
from vlayer.service.rpc_errors import UNKNOWN_HASH, RpcFault
from vlayer.service.settings import Settings

NO_STORE = {"Cache-Control": "no-store"}
Limit = Annotated[int, Query(ge=1, le=dashboard.MAX_LIMIT)]
BROWSER_CHALLENGE = 'Basic realm="vlayer prove service", charset="UTF-8"'


def token_of(request: Request) -> str | None:
    """The token a request carries: a bearer token, or the password of HTTP Basic credentials."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _user, sep, password = decoded.partition(":")
        return password if sep else None
    return None


def add_operator_routes(app: FastAPI, settings: Settings, service: Callable[[], ProveService]) -> None:
    fake = settings.proof_mode is ProofModeName.FAKE  # the dashboard's "FAKE proofs (dev mode)" banner
    names = function_names(settings.abis)  # the dashboard's function column, where `serve --abi/--project` gave ABIs

    def denied(request: Request, challenge: str) -> Response | None:
        if settings.auth_token is None:
            return None
        token = token_of(request)
        if token is not None and hmac.compare_digest(token.encode(), settings.auth_token.encode()):
            return None
        # The body of POST /'s 401 (vlayer v1's).
        body = {"error": "missing or wrong bearer token"}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": challenge})

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if (refusal := denied(request, "Bearer")) is not None:
            return refusal
        return Response(service().metrics.render(), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_page(request: Request, limit: Limit = dashboard.DEFAULT_LIMIT) -> Response:
        if (refusal := denied(request, BROWSER_CHALLENGE)) is not None:
            return refusal
        page = dashboard.render_page(dashboard.snapshot(service().store, limit, fake=fake, names=names))
        headers = {
            **NO_STORE,
            "Content-Security-Policy": dashboard.content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return HTMLResponse(page, headers=headers)

    @app.get("/dashboard/jobs.json", include_in_schema=False)
    def dashboard_jobs(request: Request, limit: Limit = dashboard.DEFAULT_LIMIT) -> Response:
        if (refusal := denied(request, BROWSER_CHALLENGE)) is not None:
            return refusal
        return JSONResponse(dashboard.snapshot(service().store, limit, fake=fake, names=names), headers=NO_STORE)

    @app.get("/jobs/{job_hash}", include_in_schema=False)
    def job_receipt(request: Request, job_hash: str) -> Response:
        if (refusal := denied(request, BROWSER_CHALLENGE)) is not None:
            return refusal
        try:
            return JSONResponse(service().receipt(job_hash), headers=NO_STORE)
        except RpcFault as fault:
            return JSONResponse({"error": fault.body()}, status_code=404 if fault.code == UNKNOWN_HASH else 400)
