"""A hostile JSON-RPC node: a small proxy in front of anvil whose answers a test rewrites.

Per call (`answer`: the request and anvil's answer in, the answer to send out), or per HTTP request as raw bytes
(`raw`: the calls in, the body to send or None), optionally paced one chunk at a time (`trickle`).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

Answer = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
Raw = Callable[[list[dict[str, Any]]], bytes | None]


class HostileNode:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.answer: Answer | None = None
        self.raw: Raw | None = None
        #: (seconds between chunks, bytes per chunk) for raw bodies, sent chunked.
        self.trickle: tuple[float, int] | None = None
        #: Raw bodies are announced whole (content-length) but the connection closes after this many bytes.
        self.cut_after: int | None = None
        #: Methods of the calls received, in order.
        self.received: list[str] = []
        node = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                calls = body if isinstance(body, list) else [body]
                node.received.extend(str(c.get("method")) for c in calls)
                raw = node.raw(calls) if node.raw else None
                if raw is None:
                    answers = [node._forward(c) for c in calls]
                    raw = json.dumps(answers if isinstance(body, list) else answers[0]).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                elif node.trickle:
                    self._send_chunked(raw, *node.trickle)
                else:
                    self._send_whole(raw)

            def _send_whole(self, raw: bytes) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                if node.cut_after is not None:
                    self.wfile.write(raw[: node.cut_after])
                    self.close_connection = True
                    return
                self.wfile.write(raw)

            def _send_chunked(self, raw: bytes, pause: float, size: int) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    for i in range(0, len(raw), size):
                        part = raw[i : i + size]
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.flush()
                        time.sleep(pause)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the client hung up, as it should on a trickle
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _forward(self, call: dict[str, Any]) -> dict[str, Any]:
        got: dict[str, Any] = requests.post(self.upstream, json=call, timeout=30).json()
        return self.answer(call, got) if self.answer else got

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def on(method: str, change: Callable[[Any], Any], *, only: Callable[[dict[str, Any]], bool] | None = None) -> Answer:
    """An `answer` rewriting the result of `method` (where `only` holds) with `change(result)`."""

    def answer(call: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
        if call.get("method") == method and "result" in got and (only is None or only(call)):
            return {**got, "result": change(got["result"])}
        return got

    return answer


def without(key: str) -> Callable[[Any], Any]:
    return lambda result: {k: v for k, v in result.items() if k != key}
