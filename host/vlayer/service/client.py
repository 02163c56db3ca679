"""A client of the prove service: `v_call`, then poll `v_getProofReceipt` until the job ends."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import requests

from vlayer import jsonsafe
from vlayer.errors import InputError, ProvingError, RpcError, RpcUnreachableError, VlayerError

#: Seconds to wait before each repeated attempt when a connection to the service fails before it answers.
RETRY_DELAYS = (0.1, 0.5, 1.5)
#: Seconds `ProveClient.wait` keeps polling a service that does not answer, once the job is accepted.
UNREACHABLE_GRACE = 30.0


def _reason(exc: requests.RequestException) -> str:
    """Why a request got no answer, in a few words (requests' own text names pools and object addresses)."""
    if isinstance(exc, requests.Timeout):
        return "no answer in time" if isinstance(exc, requests.ReadTimeout) else "connecting timed out"
    text = str(exc)
    for needle, words in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "unknown host"),
        ("Temporary failure in name resolution", "unknown host"),
        ("RemoteDisconnected", "the connection was closed without an answer"),
        ("Connection reset", "the connection was reset"),
        ("Connection aborted", "the connection was closed without an answer"),
    ):
        if needle in text:
            return words
    return type(exc).__name__


class _Dropped(Exception):
    """A connection failed before the service answered (its text says how): worth one more attempt."""


class ServiceError(VlayerError):
    """The prove service answered with a JSON-RPC error, or a job it ran failed."""

    exit_code = 11

    def __init__(self, code: int, message: str, data: Any = None, stage: str | None = None) -> None:
        where = f"{stage} failed: " if stage else ""
        super().__init__(f"{where}{message} (JSON-RPC error {code})")
        self.code = code
        self.message = message
        self.data = data
        #: For a failed job, the stage that failed (vlayer v1's state names); None for a refused request.
        self.stage = stage


class ServiceAuthError(VlayerError):
    """The prove service wants a bearer token and this one is missing or wrong (HTTP 401)."""

    exit_code = 11


class ProveClient:
    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"service URL must be http(s), got {url!r}")
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self._ids = itertools.count(1)

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        resp = self._post(body)
        try:
            doc = jsonsafe.loads(resp.content)
        except jsonsafe.UntrustedJsonError:
            raise RpcError(f"prove service answered HTTP {resp.status_code} without JSON") from None
        if not isinstance(doc, dict):
            raise RpcError(f"prove service answered HTTP {resp.status_code} with a {type(doc).__name__}, not an object")
        if resp.status_code == 401:
            # vlayer v1's 401 body: {"error": "<why>"}.
            why = doc.get("error") if isinstance(doc, dict) else None
            raise ServiceAuthError(f"prove service at {self.url} refused the token: {why or 'unauthorized'}")
        if "error" in doc and doc["error"] is not None:
            err = doc["error"]
            if not isinstance(err, dict) or not isinstance(err.get("code", 0), int):
                raise RpcError(f"prove service answered a malformed error: {str(err)[:200]}")
            raise ServiceError(int(err.get("code", 0)), str(err.get("message")), err.get("data"))
        if "result" not in doc:
            raise RpcError("prove service answered neither a result nor an error")
        return doc["result"]

    def _post(self, body: dict[str, Any]) -> requests.Response:
        """One POST; a connection that fails before any answer is tried again (RETRY_DELAYS). Every method this
        client sends may be repeated: `v_call`'s job is named by the call's own hash, so a second identical call is the
        same job, and the rest only read. A pooled keep-alive connection the service closed as it went idle fails
        this way once; a service restarting fails a little longer."""
        for delay in RETRY_DELAYS:
            try:
                return self._post_once(body)
            except _Dropped:
                time.sleep(delay)
        try:
            return self._post_once(body)
        except _Dropped as dropped:
            raise RpcUnreachableError(f"prove service at {self.url} unreachable: {dropped}") from None

    def _post_once(self, body: dict[str, Any]) -> requests.Response:
        try:
            return self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            # A connect timeout is a ConnectionError too; it already took the whole timeout, so it is not repeated.
            if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
                raise _Dropped(_reason(exc)) from None
            raise RpcUnreachableError(f"prove service at {self.url} unreachable: {_reason(exc)}") from None

    def call(
        self,
        to: str,
        data: str,
        chain_id: int,
        block_number: int | None = None,
        evm_gas_limit: int | None = None,
        vgas_limit: int | None = None,
    ) -> str:
        """`v_call`: `vgas_limit` is vlayer v1's proving budget (1 vgas = 1,000,000 cycles), `evm_gas_limit` the
        call's EVM gas."""
        args: dict[str, Any] = {"to": to, "data": data}
        if evm_gas_limit is not None:
            args["evm_gas_limit"] = evm_gas_limit
        if vgas_limit is not None:
            args["vgas_limit"] = vgas_limit
        context: dict[str, Any] = {"chain_id": chain_id}
        if block_number is not None:
            context["block_number"] = block_number
        return str(self.request("v_call", [args, context]))

    def receipt(self, job_hash: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("v_getProofReceipt", {"hash": job_hash})
        return result

    def wait(
        self,
        job_hash: str,
        timeout: float = 600.0,
        on_state: Callable[[str], None] | None = None,
        on_receipt: Callable[[dict[str, Any]], None] | None = None,
        unreachable_grace: float = UNREACHABLE_GRACE,
    ) -> dict[str, Any]:
        """Poll until done; a failed job (`status` 0) raises its error as `ServiceError`. `on_receipt` sees every
        polled receipt (its `metrics.progress` says how far proving is). The service accepted the job, and a
        restarted service resumes it, so polling rides out `unreachable_grace` seconds of a service that does not
        answer (a restart, a redeploy) before it gives up."""
        deadline = time.monotonic() + timeout
        last = ""
        delay = 0.05
        down_since: float | None = None
        while True:
            try:
                receipt = self.receipt(job_hash)
            except RpcUnreachableError as exc:
                now = time.monotonic()
                down_since = now if down_since is None else down_since
                if now - down_since >= unreachable_grace or now > deadline:
                    raise RpcUnreachableError(
                        f"{exc}, for {now - down_since:.0f}s while waiting for job {job_hash}; the job stays with "
                        "the service, whose v_getProofReceipt answers for that hash once it is back"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 1.5, 1.0)
                continue
            down_since = None
            state = receipt["state"]
            if receipt.get("status") == 0:
                detail = receipt.get("error_detail") or {}
                raise ServiceError(
                    int(detail.get("code", 0)), str(receipt.get("error")), detail.get("data"), stage=state
                )
            if on_receipt is not None:
                on_receipt(receipt)
            if state != last and on_state is not None:
                on_state(state)
            last = state
            if state == "done":
                return receipt
            if time.monotonic() > deadline:
                raise ProvingError(f"job {job_hash} still {state} after {timeout:.0f}s")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
