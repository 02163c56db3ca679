"""Ways to move JSON-RPC messages: over HTTP, or recorded to / replayed from a JSON file.

A transport takes a list of request objects and returns the matching response objects in the same order. The HTTP
transport sends a list of more than one as a JSON-RPC batch (one HTTP request); the recording transports work per
call, so a recording made with one batching strategy replays under another.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
import requests.adapters
import urllib3
import urllib3.connection

from vlayer import jsonsafe
from vlayer.errors import ReplayMissError, RpcResponseError, RpcTimeoutError, RpcUnreachableError
from vlayer.rpc.plain_http import PlainHttp, short_reason

JsonObj = dict[str, Any]

#: The largest node answer read: far above any eth_getProof batch a call makes, far below this machine's memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


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
    """JSON-RPC over HTTP(S) with retries and exponential backoff on transient failures.

    Every node answer is untrusted: one HTTP request (connect, headers and body) must finish within `timeout`
    seconds however the node paces its bytes (a watchdog closes the socket at the deadline), its body may be at most
    `max_response_bytes` long (counted as it arrives, decompressed), and it is parsed only if it nests at most
    `jsonsafe.MAX_DEPTH` levels deep. A request that times out, cannot connect, is cut off or gets HTTP 429/5xx is
    sent again up to `retries` times, so one call takes at most about (retries + 1) x timeout plus the backoff.

    A node reached directly over plain HTTP (no TLS, proxy or credentials in the URL) is asked through
    `plain_http.PlainHttp`, under the same limits and errors; everything else goes through requests and urllib3.
    """

    RETRY_STATUS = {429, 502, 503, 504}

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        headers: dict[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_response_bytes = max_response_bytes
        self.stats = TransportStats()
        self._session = requests.Session()
        adapter = _WatchedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"content-type": "application/json", **(headers or {})})
        # requests settles the proxy, TLS, auth and header settings for the URL (from the environment too), and
        # builds the connection pool; each request then goes straight to that pool. requests' per-request machinery
        # (re-reading the environment, preparing, hooks, cookies) cost more than a small call to a local node.
        env = self._session.merge_environment_settings(url, {}, None, None, None)
        prepared = self._session.prepare_request(requests.Request("POST", url, data=b"{}"))
        self._headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
        self._pool: urllib3.HTTPConnectionPool = adapter.get_connection_with_tls_context(  # type: ignore[assignment]
            prepared, env["verify"], env["proxies"], env["cert"]
        )
        adapter.cert_verify(self._pool, url, env["verify"], env["cert"])  # type: ignore[no-untyped-call]
        self._target = adapter.request_url(prepared, env["proxies"])
        self._lock = threading.Lock()
        #: A node reached directly over plain HTTP skips requests' machinery for each request (`plain_http`).
        self._plain: PlainHttp | None = None
        if url.lower().startswith("http://") and requests.utils.select_proxy(url, env["proxies"]) is None:
            with contextlib.suppress(ValueError):  # credentials in the URL, a header outside latin-1: requests'
                self._plain = PlainHttp(url, self._headers)

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
                status, content = self._post(data)
            except (RpcTimeoutError, RpcUnreachableError) as exc:
                last = exc
                continue
            with self._lock:
                self.stats.bytes_received += len(content)
            if status in self.RETRY_STATUS:
                last = RpcUnreachableError(f"RPC node at {self.url} answered HTTP {status}")
                continue
            return _match_responses(reqs, _parse_body(status, content))
        assert last is not None  # the loop ran at least once and every path that did not return set it
        raise last

    def _post(self, data: bytes) -> tuple[int, bytes]:
        """One HTTP request within the deadline: (status, body)."""
        if self._plain is not None:
            return self._plain.post(data, self.timeout, self.max_response_bytes)
        watch = _Deadline(self.timeout)
        _current.deadline = watch
        answered = False
        try:
            with watch:
                resp = self._pool.urlopen(
                    "POST",
                    self._target,
                    body=data,
                    headers=self._headers,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=False,
                    retries=False,
                    timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                )
                answered = True
                read = False
                try:
                    body = self._read_body(resp)
                    read = True
                    return resp.status, body
                finally:
                    if not read:
                        resp.close()  # what is left of the answer must not be read as the next one's
                    resp.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError by inheritance only.
            timed_out = isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError) and not isinstance(
                exc, urllib3.exceptions.NewConnectionError
            )
            if watch.expired or timed_out:
                raise RpcTimeoutError(
                    f"RPC node at {self.url} did not send its whole answer within {self.timeout}s"
                ) from exc
            if not answered and not isinstance(exc, urllib3.exceptions.SSLError):
                raise RpcUnreachableError(f"RPC node at {self.url} is unreachable: {short_reason(exc)}") from exc
            raise RpcUnreachableError(f"RPC node at {self.url}: the answer was cut off ({short_reason(exc)})") from exc
        finally:
            _current.deadline = None

    def _read_body(self, resp: urllib3.BaseHTTPResponse) -> bytes:
        limit = self.max_response_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RpcResponseError("http", f"the node's answer is {int(declared)} bytes, above the limit of {limit}")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.stream(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise RpcResponseError("http", f"the node's answer is over the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        if self._plain is not None:
            self._plain.close()
        self._session.close()


_current = threading.local()


class _Deadline:
    """Shuts down the socket of the request in flight when its time is up, so no read outlasts the deadline."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.at = 0.0
        self._conn: Any = None
        self._lock = threading.Lock()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            if self.expired:
                _shutdown(conn)

    def fire(self) -> None:
        with self._lock:
            self.expired = True
            if self._conn is not None:
                _shutdown(self._conn)

    def __enter__(self) -> _Deadline:
        self.at = time.monotonic() + self.seconds
        _WATCHDOG.arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _WATCHDOG.disarm(self)


class _Watchdog:
    """One thread for the whole process that fires the deadlines of the requests in flight.

    A timer thread per request cost more than a small call to a local node (starting a thread waits for it to run,
    which under load takes a scheduler slice); this one thread sleeps until the earliest deadline armed.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, _Deadline] = {}
        #: When the thread wakes next (None: it waits for a deadline to be armed).
        self._wakes_at: float | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def arm(self, watch: _Deadline) -> None:
        with self._cond:
            self._armed[id(watch)] = watch
            if self._thread is None or self._pid != os.getpid():  # none yet, or this is a forked child
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="vlayer-rpc-deadline", daemon=True)
                self._thread.start()
            elif self._wakes_at is None or watch.at < self._wakes_at:
                self._cond.notify()

    def disarm(self, watch: _Deadline) -> None:
        with self._cond:
            self._armed.pop(id(watch), None)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._armed:
                    self._wakes_at = None
                    self._cond.wait()
                    continue
                now = time.monotonic()
                for key, watch in list(self._armed.items()):
                    if watch.at <= now:
                        del self._armed[key]
                        watch.fire()
                if self._armed:
                    self._wakes_at = min(w.at for w in self._armed.values())
                    self._cond.wait(self._wakes_at - now)


_WATCHDOG = _Watchdog()


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """Tells the deadline of the request in flight on this thread which connection carries it; and sends a request's
    head and body in one write (urllib3 writes them apart: two wake-ups of the node, and of us, per request)."""

    _holding = False
    _head: bytes | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._head = None  # a request that failed half-written leaves nothing for the next
        watch = getattr(_current, "deadline", None)
        if watch is not None:
            watch.attach(self)
        super().request(*args, **kwargs)  # type: ignore[misc]
        self._flush()

    def endheaders(self, *args: Any, **kwargs: Any) -> None:
        self._holding = True
        try:
            super().endheaders(*args, **kwargs)  # type: ignore[misc]
        finally:
            self._holding = False

    def send(self, data: Any) -> None:
        if self._holding and self._head is None and isinstance(data, bytes):
            self._head = data
            return
        if self._head is not None and isinstance(data, bytes):
            data, self._head = self._head + data, None
        self._flush()
        super().send(data)  # type: ignore[misc]

    def _flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            super().send(head)  # type: ignore[misc]


class _WatchedConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter over connections the deadline watchdog can reach."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


def _parse_body(status: int, content: bytes) -> Any:
    try:
        return jsonsafe.loads(content)
    except jsonsafe.UntrustedJsonError as exc:
        if status != 200:
            snippet = content[:200].decode(errors="replace").replace("\n", " ")
            raise RpcResponseError("http", f"HTTP {status}, not JSON: {snippet!r}") from None
        raise RpcResponseError("http", f"the node's answer is not usable JSON: {exc}") from None


def _match_responses(reqs: list[JsonObj], body: Any) -> list[JsonObj]:
    """Order a (batch) response like the requests; a node may answer a batch in any order."""
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise RpcResponseError("batch", f"unexpected response of type {type(body).__name__}")
    first = body[0] if len(body) == 1 and isinstance(body[0], dict) else None
    if first is not None and len(reqs) > 1 and "error" in first and first.get("id") is None:
        # A node that does not accept batches answers the whole batch with one error.
        err = first["error"]
        message = str(err.get("message") if isinstance(err, dict) else err)[:500]
        code = err.get("code") if isinstance(err, dict) else None
        raise RpcResponseError("batch", message, code if isinstance(code, int) else None)
    by_id = {r.get("id"): r for r in body if isinstance(r, dict) and isinstance(r.get("id"), int | str)}
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
