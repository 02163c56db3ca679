"""`vlayer run`: a project's app end to end, with no checkout's scripts: build, anvil, the prove service, the app.

What it starts (anvil, an L2 anvil for a project with `vlayer/l2-chain-id`, `vlayer serve --dev`) runs in its own
session, so a Ctrl-C in the terminal reaches only `vlayer run`, which then stops each of them by pid. With `keep`
they stay up for the next command (their URLs and pids are printed and kept in `.vlayer/run.json`); a node or a
service given by URL is used as it is and never stopped.
"""

from __future__ import annotations

import functools
import json
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import requests
from web3.exceptions import Web3Exception

from vlayer.app_kit import AppError, Kit, load_app
from vlayer.devnet import ToolError, find_tool, free_port
from vlayer.errors import InputError
from vlayer.project import build_project

DEFAULT_HARDFORK = "osaka"
#: anvil's default chain id, the dev L1's.
DEV_CHAIN_ID = 31337
STATE = ".vlayer"


@dataclass
class Started:
    """A process `vlayer run` started, and where it answers."""

    what: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class RunResult:
    rpc_url: str
    service_url: str
    l2_rpc_url: str | None
    #: What this run started and left running (`keep`); empty otherwise.
    kept: list[Started] = field(default_factory=list)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    return " | ".join(text[-lines:])


def _chain_id(url: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    return int(requests.post(url, json=body, timeout=5).json()["result"], 16)


def _answers(url: str) -> bool:
    return _chain_id(url) >= 0


class Processes:
    """The processes of one run; `stop_all` ends each one by its pid."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.started: list[Started] = []

    @staticmethod
    def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        out: IO[bytes]
        with log.open("ab") as out:
            # Its own session: the terminal's Ctrl-C goes to `vlayer run` alone, which stops it (or keeps it).
            return subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @staticmethod
    def _wait(proc: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float) -> bool:
        """Until `ready()` holds (True), the process exits or `limit` seconds pass (False)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                if ready():
                    return True
            except (requests.ConnectionError, requests.Timeout, ValueError, KeyError):
                pass
            time.sleep(0.1)
        return False

    def anvil(self, hardfork: str, chain_id: int | None = None) -> Started:
        what = "anvil" if chain_id is None else f"anvil (L2, chain {chain_id})"
        log = self.state / ("anvil.log" if chain_id is None else f"anvil-{chain_id}.log")
        for _ in range(3):  # a free port can be taken between probing and binding
            port = free_port()
            args = [find_tool("anvil"), "--host", "127.0.0.1", "--port", str(port), "--hardfork", hardfork, "--silent"]
            if chain_id is not None:
                args += ["--chain-id", str(chain_id)]
            proc = self._spawn(args, log)
            url = f"http://127.0.0.1:{port}"
            started = Started(what, url, proc, log)
            self.started.append(started)
            if self._wait(proc, functools.partial(_answers, url), 30.0):
                return started
            self.stop(started)
        raise ToolError(f"{what} did not start: {_tail(log) or 'no answer'} (log: {log})")

    def service(self, chains: list[tuple[int, str, str | None]]) -> Started:
        """`vlayer serve --dev` on a free port, by this interpreter, for (chain id, node URL, hardfork) chains."""
        log = self.state / "service.log"
        port = free_port()
        args = [sys.executable, "-m", "vlayer.cli", "serve", "--dev", "--port", str(port),
                "--db", f"sqlite:///{self.state / 'jobs.sqlite3'}"]  # fmt: skip
        for chain_id, url, hardfork in chains:
            args += ["--rpc-url", f"{chain_id}={url}"]
            if hardfork:
                args += ["--hardfork", f"{chain_id}={hardfork}"]
        proc = self._spawn(args, log)
        url = f"http://127.0.0.1:{port}/"
        started = Started("prove service", url, proc, log)
        self.started.append(started)
        if not self._wait(proc, lambda: requests.get(url + "health", timeout=5).ok, 120.0):
            self.stop(started)
            raise ToolError(f"the prove service did not start: {_tail(log) or 'no answer'} (log: {log})")
        return started

    def stop(self, started: Started) -> None:
        proc = started.proc
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.started.remove(started)

    def stop_all(self) -> None:
        for started in reversed(list(self.started)):
            self.stop(started)


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """SIGTERM ends a run as Ctrl-C does, so what it started is stopped too. SIGINT gets the same handler explicitly
    (as `vlayer prove`, `serve` and `worker` do): a process started from a non-interactive shell's `&` inherits SIGINT
    ignored, and Python then never installs its own handler, so a SIGINT sent to it would do nothing."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_project(
    root: Path,
    *,
    keep: bool = False,
    hardfork: str | None = None,
    rpc_url: str | None = None,
    service_url: str | None = None,
    l2_rpc_url: str | None = None,
    echo: Callable[[str], None] = print,
) -> RunResult:
    """Build the project, start what was not given (anvil, an L2 anvil, the dev prove service), run its app."""
    root = root.resolve()
    if not (root / "foundry.toml").is_file() or not (root / "vlayer" / "app.py").is_file():
        raise InputError(f"{root} is not a vlayer project with an app (foundry.toml and vlayer/app.py)")
    l2_file = root / "vlayer" / "l2-chain-id"
    l2_chain_id: int | None = None
    if l2_file.is_file():
        text = l2_file.read_text().strip()
        if not text.isdigit():
            raise InputError(f"{l2_file} must hold the L2's chain id, not {text!r}")
        l2_chain_id = int(text)
    elif l2_rpc_url:
        raise InputError(f"--l2-rpc-url: {root.name} has no vlayer/l2-chain-id, so its app uses no L2")
    built = build_project(root)
    echo(f"built {built.artifacts} contract artifacts; provers: {', '.join(built.provers) or 'none'}")
    state = root / STATE
    state.mkdir(exist_ok=True)
    procs = Processes(state)
    kept: list[Started] = []
    with _stop_signals_as_interrupt():
        try:
            node_fork: str | None
            if rpc_url is None:
                node = procs.anvil(hardfork or DEFAULT_HARDFORK)
                rpc_url, node_fork = node.url, hardfork or DEFAULT_HARDFORK
                echo(f"{node.what} ({node_fork}) at {rpc_url}, pid {node.proc.pid}")
            else:
                node_fork = hardfork
            try:
                chain_id = _chain_id(rpc_url)
            except (requests.RequestException, ValueError, KeyError):
                raise InputError(f"no node answers eth_chainId at {rpc_url}") from None
            chains: list[tuple[int, str, str | None]] = [(chain_id, rpc_url, node_fork)]
            if l2_chain_id is not None:
                if l2_chain_id == chain_id:
                    raise InputError(f"{l2_file} names chain {l2_chain_id}, the L1's own")
                l2_fork: str | None = hardfork
                if l2_rpc_url is None:
                    l2 = procs.anvil(hardfork or DEFAULT_HARDFORK, l2_chain_id)
                    l2_rpc_url, l2_fork = l2.url, hardfork or DEFAULT_HARDFORK
                    echo(f"{l2.what} ({l2_fork}) at {l2_rpc_url}, pid {l2.proc.pid}")
                chains.append((l2_chain_id, l2_rpc_url, l2_fork))
            if service_url is None:
                service = procs.service(chains)
                service_url = service.url
                echo(f"prove service at {service_url}, pid {service.proc.pid} (dev mode: FAKE proofs; "
                     f"log: {service.log})")  # fmt: skip
            echo(f"deploy, prove, verify on chain {chain_id}")
            try:
                kit = Kit(root, rpc_url, service_url, echo, l2_rpc_url=l2_rpc_url)
                load_app(root).run(kit)
            except Web3Exception as exc:  # the app's own web3.py calls (a claim transaction, a view) failed
                raise AppError(f"{type(exc).__name__}: {exc}") from None
            echo(f"done: {root.name} proved and verified on chain {chain_id}")
        finally:
            # Also after a failure or a Ctrl-C: what --keep keeps is there to look into.
            if keep:
                kept = list(procs.started)
                result = RunResult(rpc_url or "", service_url or "", l2_rpc_url, kept)
                _write_state(state, result)
                for line in kept_lines(root, result):
                    echo(line)
            else:
                procs.stop_all()
    return RunResult(rpc_url, service_url, l2_rpc_url, kept)


def _write_state(state: Path, result: RunResult) -> None:
    doc = {
        "rpc_url": result.rpc_url,
        "service_url": result.service_url,
        "l2_rpc_url": result.l2_rpc_url,
        "kept": [{"what": s.what, "url": s.url, "pid": s.proc.pid, "log": str(s.log)} for s in result.kept],
    }
    (state / "run.json").write_text(json.dumps(doc, indent=2) + "\n")


def kept_lines(root: Path, result: RunResult) -> list[str]:
    """What `--keep` left running, how to reuse it and how to stop it."""
    if not result.kept:
        return []
    lines = ["kept running:"]
    lines += [f"  {s.what:26} {s.url:24} pid {s.proc.pid}  (log: {s.log})" for s in result.kept]
    if result.rpc_url and result.service_url:
        reuse = f"vlayer run {shlex.quote(str(root))} --rpc-url {result.rpc_url} --service {result.service_url}"
        if result.l2_rpc_url:
            reuse += f" --l2-rpc-url {result.l2_rpc_url}"
        lines.append(f"run the app again on them: {reuse}")
    lines.append(f"stop them: kill {' '.join(str(s.proc.pid) for s in result.kept)}")
    return lines
