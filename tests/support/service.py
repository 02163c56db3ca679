"""The prove service as a real process (`vlayer serve`), and a pausable JSON-RPC proxy to stall its chain."""

from __future__ import annotations

import collections
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import requests

from vlayer.devnet import REPO_ROOT, free_port

ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "host")}


class Serve:
    """`vlayer serve` on a free port; stopped (or killed) on exit."""

    def __init__(
        self,
        rpc_url: str,
        db: Path,
        hardfork: str | None = "osaka",
        *extra: str,
        db_url: str | None = None,
        port: int | None = None,
    ) -> None:
        """`db`: the SQLite file (and where the log goes, beside it); `db_url`: another store instead (PostgreSQL);
        `hardfork` None: the service reads the dev chain's hardfork from its node; `port`: a given one (a restart
        where its clients expect it), else a free one."""
        self.rpc_url, self.db, self.hardfork, self.extra = rpc_url, db, hardfork, extra
        self.db_url = db_url or f"sqlite:///{db}"
        self.fixed_port = port
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> Serve:
        self.port = self.fixed_port or free_port()
        fork = ["--hardfork", f"31337={self.hardfork}"] if self.hardfork is not None else []
        args = [sys.executable, "-m", "vlayer.cli", "serve", "--dev", "--port", str(self.port),
                "--rpc-url", f"31337={self.rpc_url}", *fork, "--db", self.db_url, *self.extra]  # fmt: skip
        self.log = open(self.db.with_suffix(f".{self.port}.log"), "wb")  # noqa: SIM115  # closed in stop()
        self.proc = subprocess.Popen(args, env=ENV, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vlayer serve exited: {self.logs()}")
            try:
                if requests.get(self.url + "health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("vlayer serve did not come up")

    def logs(self) -> str:
        self.log.flush()
        return self.db.with_suffix(f".{self.port}.log").read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the crash a restart must survive (no shutdown handler runs)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(e, Exception) and self.proc is not None:
            # A test failing inside the block shows how the service stood: CI keeps no log files.
            code = self.proc.poll()
            state = "still running" if code is None else f"exited with status {code}"
            e.add_note(f"vlayer serve on port {self.port} ({state}); the end of its log:\n{self.logs()[-4000:]}")
        self.stop()


class PausableProxy:
    """Forwards JSON-RPC POSTs to a node; while paused, requests wait (the node looks stalled, not down).

    `pause(methods)` holds only requests that call one of `methods`. `calls` counts every forwarded call by
    (method, "ok" | "error"), as the node answered it: what the service's chain RPC metric must count too."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.running = threading.Event()
        self.running.set()
        self.held: frozenset[str] | None = None
        self.calls: collections.Counter[tuple[str, str]] = collections.Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                held = proxy.held
                if held is None or held & {str(call.get("method")) for call in _calls(body)}:
                    proxy.running.wait()
                resp = requests.post(proxy.target, data=body, headers={"content-type": "application/json"}, timeout=30)
                proxy._tally(body, resp.content)
                self.send_response(resp.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def pause(self, methods: frozenset[str] | None = None) -> None:
        self.held = methods
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    def close(self) -> None:
        self.running.set()
        self.server.shutdown()
        self.server.server_close()

    def _tally(self, request: bytes, response: bytes) -> None:
        try:
            answers = {a.get("id"): a for a in _calls(response)}
        except ValueError:
            answers = {}
        with self._lock:
            for call in _calls(request):
                answer = answers.get(call.get("id"), {})
                ok = answer.get("error") is None and "result" in answer
                self.calls[(str(call.get("method")), "ok" if ok else "error")] += 1


def _calls(body: bytes) -> list[dict[str, object]]:
    """The request or answer objects of a JSON-RPC body, single or batch."""
    doc = json.loads(body)
    return [c for c in (doc if isinstance(doc, list) else [doc]) if isinstance(c, dict)]
