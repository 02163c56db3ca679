"""JSON-RPC's HTTP exchange over a plain socket, for an `http://` node reached directly (no proxy, no TLS).

A local node answers a small call in about 0.1 ms, and requests, urllib3 and http.client spend about 0.2 ms more on
each request (the pool and response wrappers, headers parsed through the email package): a sixth of a small
preflight, which makes four requests. Here the request is bytes this module writes itself, and the answer, which is
untrusted, is framed and parsed by llhttp (httptools, the parser of Node.js): its status line, headers, content
length or chunks. What this module adds is the node's budget: the whole answer within one deadline however it is
paced (each read waits only for the time left), at most `max_bytes` of body, counted as it arrives, and no
compressed answer (none is asked for).

TLS, proxies and URLs with credentials stay with requests (`HttpTransport`), whose handling of them is complete and
where the network, not the parser, is the cost.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Mapping

import httptools

from vlayer.errors import RpcResponseError, RpcTimeoutError, RpcUnreachableError

#: Bytes read from the socket at a time.
READ_SIZE = 64 * 1024


class PlainHttp:
    """Keep-alive connections to one `http://` origin, each carrying one request at a time."""

    def __init__(self, url: str, headers: Mapping[str, str]) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None or parts.username or parts.password:
            raise ValueError(f"not a plain http:// URL without credentials: {url}")
        self.url = url
        self._address = (parts.hostname, parts.port or 80)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        # requests validated these headers when it prepared them (no CR or LF can split one); the compression it
        # offers is left out, so a node answers uncompressed.
        lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in {"host", "accept-encoding"}]
        self._head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def post(self, data: bytes, timeout: float, max_bytes: int) -> tuple[int, bytes]:
        """One request, answered whole within `timeout` seconds: (status, body)."""
        end = time.monotonic() + timeout
        sock, reused = self._connection(end, timeout)
        try:
            try:
                status, body, keep = self._exchange(sock, data, end, timeout, max_bytes)
            except _NotAnswered:
                if not reused:
                    raise
                # The node closed an idle connection as the request went out: once more on a new one.
                sock.close()
                sock, _ = self._connection(end, timeout, idle=False)
                status, body, keep = self._exchange(sock, data, end, timeout, max_bytes)
        except BaseException:
            sock.close()  # what is left of the answer must never be read as the next one's
            raise
        if keep:
            with self._lock:
                self._idle.append(sock)
        else:
            sock.close()
        return status, body

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()

    def _connection(self, end: float, timeout: float, *, idle: bool = True) -> tuple[socket.socket, bool]:
        """A connection, and whether it carried an answer before: an idle one if there is, else a new one."""
        with self._lock:
            if self._pid != os.getpid():
                self._idle, self._pid = [], os.getpid()  # a forked child: those sockets are the parent's
            while idle and self._idle:
                sock = self._idle.pop()
                # An idle connection with something to read was closed by the node (or it sent what nobody asked).
                if not select.select([sock], [], [], 0)[0]:
                    return sock, True
                sock.close()
        try:
            sock = socket.create_connection(self._address, timeout=max(end - time.monotonic(), 0.001))
        except TimeoutError as exc:
            raise self._timed_out(timeout) from exc
        except OSError as exc:
            raise RpcUnreachableError(f"RPC node at {self.url} is unreachable: {short_reason(exc)}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, False

    def _exchange(
        self, sock: socket.socket, data: bytes, end: float, timeout: float, max_bytes: int
    ) -> tuple[int, bytes, bool]:
        self._send(sock, data, end, timeout)
        return self._answer(sock, end, timeout, max_bytes)

    def _send(self, sock: socket.socket, data: bytes, end: float, timeout: float) -> None:
        self._wait_at_most(sock, end, timeout)
        try:
            sock.sendall(self._head + b"Content-Length: %d\r\n\r\n" % len(data) + data)
        except TimeoutError as exc:
            raise self._timed_out(timeout) from exc
        except OSError as exc:
            raise _NotAnswered(f"RPC node at {self.url} is unreachable: {short_reason(exc)}") from exc

    def _answer(self, sock: socket.socket, end: float, timeout: float, max_bytes: int) -> tuple[int, bytes, bool]:
        answer = _Answer(max_bytes)
        parser = httptools.HttpResponseParser(answer)
        answer.parser = parser
        received = False
        while not answer.complete:
            self._wait_at_most(sock, end, timeout)
            try:
                chunk = sock.recv(READ_SIZE)
            except TimeoutError as exc:
                raise self._timed_out(timeout) from exc
            except OSError as exc:
                raise self._cut_off(short_reason(exc), received) from exc
            if not chunk:
                if answer.until_close:
                    break  # a body without a length ends where the node closes the connection
                raise self._cut_off("the node closed the connection", received)
            received = True
            try:
                parser.feed_data(chunk)
            except httptools.HttpParserError as exc:
                raise RpcUnreachableError(f"RPC node at {self.url} did not answer in HTTP: {exc}") from exc
            if answer.refusal is not None:
                raise RpcResponseError("http", answer.refusal)
        keep = answer.complete and answer.keep_alive
        return parser.get_status_code(), b"".join(answer.body), keep

    def _wait_at_most(self, sock: socket.socket, end: float, timeout: float) -> None:
        """The socket's next operation may wait only for what is left until `end` (the error is built only then)."""
        left = end - time.monotonic()
        if left <= 0:
            raise self._timed_out(timeout)
        sock.settimeout(left)

    def _timed_out(self, timeout: float) -> RpcTimeoutError:
        return RpcTimeoutError(f"RPC node at {self.url} did not send its whole answer within {timeout}s")

    def _cut_off(self, why: str, received: bool) -> RpcUnreachableError:
        if not received:
            return _NotAnswered(f"RPC node at {self.url} is unreachable: {why} before answering")
        return RpcUnreachableError(f"RPC node at {self.url}: the answer was cut off ({why})")


class _NotAnswered(RpcUnreachableError):
    """The connection failed before any byte of the answer arrived."""


class _Answer:
    """llhttp's callbacks for one answer. They only take note: an exception raised here would come back wrapped."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.body: list[bytes] = []
        self.size = 0
        self.complete = False
        self.chunked = False
        self.length: int | None = None
        self.until_close = False
        self.refusal: str | None = None
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.lower()
        if key == b"content-length" and value.strip().isdigit():
            self.length = int(value)
            if self.length > self.max_bytes:
                self._refuse(f"the node's answer is {self.length} bytes, above the limit of {self.max_bytes}")
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            self.chunked = True
        elif key == b"content-encoding" and value.strip().lower() not in {b"", b"identity"}:
            self._refuse(f"the node's answer is compressed ({value.decode('latin-1')[:40]}), which was not asked for")

    def on_headers_complete(self) -> None:
        self.until_close = self.length is None and not self.chunked

    def on_body(self, body: bytes) -> None:
        if self.refusal is not None:
            return
        self.size += len(body)
        if self.size > self.max_bytes:
            self._refuse(f"the node's answer is over the limit of {self.max_bytes} bytes")
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.parser is not None and 100 <= self.parser.get_status_code() < 200:
            return  # an interim answer (100 Continue): the real one follows on the same connection
        self.complete = True
        self.until_close = False
        # Asked here: once the message is complete llhttp starts on the next one and forgets this one's.
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()

    def _refuse(self, why: str) -> None:
        if self.refusal is None:
            self.refusal = why


def short_reason(exc: Exception) -> str:
    """The first line of a transport error, for a message; both HTTP paths name a refused connection the same."""
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0][:200] if text else type(exc).__name__
