"""Ways to move JSON-RPC messages: over HTTP, or recorded to / replayed from a JSON file.

A transport takes a list of request objects and returns the matching response objects in the same order. The HTTP
transport sends a list of more than one as a JSON-RPC batch (one HTTP request); the recording transports work per
call, so a recording made with one batching strategy replays under another.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests

from vlayer.errors import ReplayMissError, RpcResponseError, RpcTimeoutError, RpcUnreachableError

JsonObj = dict[str, Any]


@dataclass
class TransportStats:
    """What a transport has sent so far; the benchmarks and the round-trip tests read it."""

    http_requests: int = 0
    calls: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def count(self, reqs: list[JsonObj]) -> None:
        self.calls += len(reqs)
        for r in reqs:
            m = str(r.get("method"))
            self.by_method[m] = self.by_method.get(m, 0) + 1


class Transport(Protocol):
    stats: TransportStats

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]: ...

    def close(self) -> None: ...


class HttpTransport:
    """JSON-RPC over HTTP(S) with retries and exponential backoff on transient failures."""

    RETRY_STATUS = {429, 502, 503, 504}

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.stats = TransportStats()
        self._session = requests.Session()
        self._session.headers.update({"content-type": "application/json", **(headers or {})})
        self._lock = threading.Lock()

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        body: Any = reqs[0] if len(reqs) == 1 else reqs
        data = json.dumps(body, separators=(",", ":")).encode()
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            with self._lock:
                self.stats.http_requests += 1
                self.stats.bytes_sent += len(data)
                if attempt == 0:
                    self.stats.count(reqs)
            try:
                resp = self._session.post(self.url, data=data, timeout=self.timeout)
            except requests.Timeout as exc:
                last = RpcTimeoutError(f"RPC node at {self.url} did not answer within {self.timeout}s")
                last.__cause__ = exc
                continue
            except requests.ConnectionError as exc:
                last = RpcUnreachableError(f"RPC node at {self.url} is unreachable: {_short(exc)}")
                last.__cause__ = exc
                continue
            with self._lock:
                self.stats.bytes_received += len(resp.content)
            if resp.status_code in self.RETRY_STATUS:
                last = RpcUnreachableError(f"RPC node at {self.url} answered HTTP {resp.status_code}")
                continue
            return _match_responses(reqs, _parse_body(resp))
        assert last is not None  # the loop ran at least once and every path that did not return set it
        raise last

    def close(self) -> None:
        self._session.close()


def _short(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _parse_body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        snippet = resp.text[:200].replace("\n", " ")
        raise RpcResponseError("http", f"HTTP {resp.status_code}, not JSON: {snippet!r}") from None


def _match_responses(reqs: list[JsonObj], body: Any) -> list[JsonObj]:
    """Order a (batch) response like the requests; a node may answer a batch in any order."""
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise RpcResponseError("batch", f"unexpected response of type {type(body).__name__}")
    if len(body) == 1 and len(reqs) > 1 and "error" in body[0] and body[0].get("id") is None:
        # A node that does not accept batches answers the whole batch with one error.
        err = body[0]["error"]
        raise RpcResponseError("batch", str(err.get("message")), err.get("code"))
    by_id = {r.get("id"): r for r in body if isinstance(r, dict)}
    out = []
    for req in reqs:
        r = by_id.get(req["id"])
        if r is None:
            raise RpcResponseError(str(req["method"]), "the node's response has no answer for this call")
        out.append(r)
    return out


def canonical_key(method: str, params: Any) -> str:
    return json.dumps([method, params], sort_keys=True, separators=(",", ":"))


class RecordingTransport:
    """Passes calls to another transport and records every answer, to be saved as a replayable fixture."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.stats = inner.stats
        self.entries: dict[str, JsonObj] = {}

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        resps = self.inner.send(reqs)
        for req, resp in zip(reqs, resps, strict=True):
            answer: JsonObj = {k: resp[k] for k in ("result", "error") if k in resp}
            self.entries[canonical_key(req["method"], req.get("params", []))] = answer
        return resps

    def save(self, path: str | Path) -> None:
        rows = [{"request": json.loads(k), "response": v} for k, v in sorted(self.entries.items())]
        Path(path).write_text(json.dumps({"version": 1, "calls": rows}, indent=1) + "\n")

    def close(self) -> None:
        self.inner.close()


class ReplayTransport:
    """Answers only from a recording; anything not recorded is an error, never a network call."""

    def __init__(self, path: str | Path) -> None:
        doc = json.loads(Path(path).read_text())
        if doc.get("version") != 1:
            raise ReplayMissError(f"{path}: unsupported recording version {doc.get('version')!r}")
        self.path = str(path)
        self.stats = TransportStats()
        self.entries: dict[str, JsonObj] = {}
        for row in doc["calls"]:
            method, params = row["request"]
            self.entries[canonical_key(method, params)] = row["response"]

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        self.stats.http_requests += 1
        self.stats.count(reqs)
        out = []
        for req in reqs:
            key = canonical_key(req["method"], req.get("params", []))
            answer = self.entries.get(key)
            if answer is None:
                raise ReplayMissError(f"{self.path} has no recorded answer for {req['method']} {req.get('params')}")
            out.append({"jsonrpc": "2.0", "id": req["id"], **answer})
        return out

    def close(self) -> None:
        pass
