"""A small JSON-RPC client: single calls, batches, typed errors, and a cache for block-pinned queries."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from vlayer.errors import RpcMethodUnsupportedError, RpcResponseError, VlayerError
from vlayer.rpc.answers import check_answer
from vlayer.rpc.transport import HttpTransport, JsonObj, Transport, canonical_key

#: What to tell a user whose node lacks a method we need.
METHOD_HINTS = {
    "eth_getProof": "use a node that serves EIP-1186 proofs (geth, reth, erigon, anvil); "
    "for blocks older than the node's state history it must run as an archive node",
    "eth_createAccessList": "vlayer can do without it; pass prefetch=False",
    "debug_traceCall": "enable the debug namespace (geth: --http.api eth,debug)",
}

METHOD_NOT_FOUND = -32601

Call = tuple[str, Sequence[Any]]
#: What became of one call sent to the node: a result ("ok"), an `eth_call`/`eth_estimateGas` the node ran and saw
#: revert ("reverted": an answer about the call, not a failure of the node), an error answer or a malformed one
#: ("error"), or no answer at all ("unanswered": unreachable, timed out, an unreadable body).
CallOutcome = Literal["ok", "reverted", "error", "unanswered"]
#: JSON-RPC code geth, reth and anvil give a reverted eth_call or eth_estimateGas.
EXECUTION_REVERTED = 3
_EXECUTING = frozenset({"eth_call", "eth_estimateGas"})
#: Told of every call sent to the node: its method and its outcome. Cached answers are not sent, so not observed.
RpcObserver = Callable[[str, CallOutcome], None]


class RpcClient:
    """JSON-RPC client over a `Transport`.

    `max_batch` bounds the number of calls per HTTP request; many providers reject larger batches.
    Only calls explicitly marked `cache=True` are cached, and callers mark only block-pinned queries.
    `observer`, when given, is told of each call sent (the prove service's metrics); it changes nothing else.
    """

    def __init__(self, transport: Transport, *, max_batch: int = 100, observer: RpcObserver | None = None) -> None:
        self.transport = transport
        self.max_batch = max_batch
        self.observer = observer
        self._ids = itertools.count(1)
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        # Answers sent ahead by `primed`, per thread: a call's answer is only ever used by the code that asked.
        self._primed = threading.local()

    @classmethod
    def http(cls, url: str, *, observer: RpcObserver | None = None, **kwargs: Any) -> RpcClient:
        return cls(HttpTransport(url, **kwargs), observer=observer)

    @property
    def stats(self):  # type: ignore[no-untyped-def]  # re-exports the transport's TransportStats
        return self.transport.stats

    def call(self, method: str, params: Sequence[Any], *, cache: bool = False) -> Any:
        return self.batch([(method, params)], cache=cache)[0]

    @contextlib.contextmanager
    def primed(self, calls: Sequence[Call] = ()) -> Iterator[None]:
        """Send `calls` now, as one batch, and answer the first `call`/`batch` of each within the block from what
        came back: a result, or the error that call alone would have raised. Code that asks one question after
        another keeps its order of checks and errors, in one round trip. An answer sent ahead within the block
        (here or by `prime`) and not asked for by its end is dropped, never served later (a `latest` block must not
        outlive its question)."""
        scopes: list[list[str]] = self._primed.__dict__.setdefault("scopes", [])
        scopes.append([])
        try:
            self.prime(calls)
            yield
        finally:
            store = self._primed.__dict__.get("answers", {})
            for key in scopes.pop():
                store.pop(key, None)

    def prime(self, calls: Sequence[Call]) -> None:
        """Send `calls` now, as one batch, for the code within the innermost `primed` block to ask later (see
        there). A call already cached, or already sent ahead and not yet asked, is not sent again."""
        scopes: list[list[str]] = self._primed.__dict__.get("scopes", [])
        if not scopes:
            raise RuntimeError("internal: RpcClient.prime outside a primed block")  # its answers would never be dropped
        store: dict[str, tuple[bool, Any]] = self._primed.__dict__.setdefault("answers", {})
        keys: list[str] = []
        pending: list[JsonObj] = []
        for method, params in calls:
            key = canonical_key(method, list(params))
            if key in store or key in keys or key in self._cache:
                continue
            with self._lock:
                rid = next(self._ids)
            keys.append(key)
            pending.append({"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)})
        scopes[-1].extend(keys)
        for start in range(0, len(pending), self.max_batch):
            chunk = pending[start : start + self.max_batch]
            for req, resp in zip(chunk, self._send(chunk), strict=True):
                key = canonical_key(req["method"], req["params"])
                try:
                    store[key] = (True, _result(req, resp))
                except VlayerError as exc:
                    store[key] = (False, exc)

    def _take_primed(self, key: str) -> tuple[bool, Any] | None:
        store: dict[str, tuple[bool, Any]] | None = self._primed.__dict__.get("answers")
        return store.pop(key, None) if store else None

    def batch(self, calls: Sequence[Call], *, cache: bool = False) -> list[Any]:
        """Run calls as few HTTP requests as the batch limit allows; results in call order."""
        results: list[Any] = [None] * len(calls)
        pending: list[tuple[int, JsonObj]] = []
        for i, (method, params) in enumerate(calls):
            key = canonical_key(method, list(params))
            if cache and key in self._cache:
                results[i] = self._cache[key]
                continue
            primed = self._take_primed(key)
            if primed is not None:
                ok, answer = primed
                if not ok:
                    raise answer
                results[i] = answer
                if cache:
                    self._cache[key] = answer
                continue
            with self._lock:
                rid = next(self._ids)
            pending.append((i, {"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}))
        for start in range(0, len(pending), self.max_batch):
            chunk = pending[start : start + self.max_batch]
            resps = self._send([req for _, req in chunk])
            for (i, req), resp in zip(chunk, resps, strict=True):
                results[i] = _result(req, resp)
                if cache:
                    self._cache[canonical_key(req["method"], req["params"])] = results[i]
        return results

    def _send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        if self.observer is None:
            return self.transport.send(reqs)
        try:
            resps = self.transport.send(reqs)
        except Exception:
            for req in reqs:
                self.observer(str(req["method"]), "unanswered")
            raise
        # Observed before `_result` can raise on one answer, so every call of a batch is counted.
        for req, resp in zip(reqs, resps, strict=False):
            self.observer(str(req["method"]), _outcome(str(req["method"]), resp))
        return resps

    def close(self) -> None:
        self.transport.close()


def _result(req: JsonObj, resp: JsonObj) -> Any:
    method = str(req["method"])
    if "error" in resp and resp["error"] is not None:
        err = resp["error"]
        code = err.get("code") if isinstance(err, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            code = None
        message = str(err.get("message") if isinstance(err, dict) else err)
        lowered = message.lower()
        if code == METHOD_NOT_FOUND or "method not found" in lowered or "not supported" in lowered:
            raise RpcMethodUnsupportedError(method, METHOD_HINTS.get(method, "enable it on the node"))
        raise RpcResponseError(method, message, code, err.get("data") if isinstance(err, dict) else None)
    if "result" not in resp:
        raise RpcResponseError(method, "response has neither result nor error")
    check_answer(method, resp["result"])
    return resp["result"]


def _outcome(method: str, resp: JsonObj) -> CallOutcome:
    error = resp.get("error")
    if error is None:
        return "ok" if "result" in resp else "error"
    if method in _EXECUTING and isinstance(error, dict) and error.get("code") == EXECUTION_REVERTED:
        return "reverted"
    return "error"
