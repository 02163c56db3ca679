"""Local EVM tools from npm (anvil, solc): find them, start anvil on a free loopback port, compile Solidity."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from vlayer.errors import VlayerError

REPO_ROOT = Path(__file__).resolve().parents[2]


class ToolError(VlayerError):
    """A local tool (anvil, solc) is missing or failed."""

    exit_code = 8


#: Names a folder of EVM tools (forge, anvil, solcjs), looked in before any other place.
TOOLS_DIR_ENV = "VLAYER_TOOLS_DIR"


def user_tools_dir() -> Path:
    """The per-user tools folder: `$XDG_DATA_HOME/vlayer/tools`, else `~/.local/share/vlayer/tools` (a relative
    XDG_DATA_HOME is ignored, as the XDG base directory spec says)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "vlayer" / "tools"


def _bin_dirs(prefix: Path) -> list[Path]:
    """A tools folder's places for executables: an npm prefix's `node_modules/.bin`, `bin/`, or the folder itself."""
    return [prefix / "node_modules" / ".bin", prefix / "bin", prefix]


def tool_dirs() -> list[Path]:
    """Where `find_tool` looks, in order, before PATH."""
    dirs = []
    if os.environ.get(TOOLS_DIR_ENV):
        dirs += _bin_dirs(Path(os.environ[TOOLS_DIR_ENV]).expanduser())
    # The pinned tools of the checkout this package runs from (bash/setup.sh installs them); an installed wheel's
    # REPO_ROOT is a folder of site-packages without them.
    dirs.append(REPO_ROOT / "node_modules" / ".bin")
    dirs += _bin_dirs(user_tools_dir())[:2]
    return dirs


def find_tool(name: str) -> str:
    """`$VLAYER_TOOLS_DIR` first, then the checkout's npm-installed tools (pinned by package.json), then the user's
    tools folder, then PATH."""
    for folder in tool_dirs():
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise ToolError(
        f"{name} not found in {', '.join(map(str, tool_dirs()))} or PATH; run `bash bash/setup.sh` in a vlayer "
        f"checkout, or set {TOOLS_DIR_ENV} to a folder holding forge, anvil and solcjs (or their node_modules/.bin)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Anvil:
    """A real anvil on 127.0.0.1 at a free port; a context manager that always stops it."""

    hardfork: str | None = None
    chain_id: int | None = None
    block_time: float | None = None
    #: The genesis block's timestamp (later blocks follow from it): a block of a chain's past fork.
    timestamp: int | None = None
    startup_timeout: float = 20.0
    #: More anvil options, after the ones above (e.g. `--init genesis.json`).
    extra_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._cache_dir: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Anvil:
        last_err = ""
        for _ in range(3):  # a free port can be taken between probing and binding
            self.port = free_port()
            args = [find_tool("anvil"), "--host", "127.0.0.1", "--port", str(self.port), "--silent"]
            if self.hardfork:
                args += ["--hardfork", self.hardfork]
            if self.chain_id is not None:
                args += ["--chain-id", str(self.chain_id)]
            if self.block_time is not None:
                args += ["--block-time", str(self.block_time)]
            if self.timestamp is not None:
                args += ["--timestamp", str(self.timestamp)]
            args += self.extra_args
            if "--cache-path" not in self.extra_args:
                # anvil persists old states under ~/.foundry/anvil/tmp and removes them only on a clean exit: a killed
                # anvil left gigabytes there. A folder of ours, removed by stop() whatever became of the process.
                self._cache_dir = self._cache_dir or tempfile.mkdtemp(prefix="vlayer-anvil-")
                args += ["--cache-path", self._cache_dir]
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + self.startup_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_err = (self.proc.stderr.read() if self.proc.stderr else b"").decode(errors="replace")
                    break
                try:
                    self.rpc("eth_chainId")
                    return self
                except (requests.ConnectionError, requests.Timeout):
                    time.sleep(0.05)
            self.stop()
        raise ToolError(f"anvil did not start: {last_err.strip()[:300] or 'no answer'}")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None
        if self._cache_dir is not None:
            shutil.rmtree(self._cache_dir, ignore_errors=True)
            self._cache_dir = None

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def transact(self, tx: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
        """Send a transaction from an unlocked account and wait for its receipt; a failed one is an error."""
        tx_hash = self.rpc("eth_sendTransaction", tx)
        deadline = time.monotonic() + timeout
        while (receipt := self.rpc("eth_getTransactionReceipt", tx_hash)) is None:
            if time.monotonic() > deadline:
                raise ToolError(f"transaction {tx_hash} was not mined within {timeout}s")
            time.sleep(0.02)
        if receipt.get("status") != "0x1":
            raise ToolError(f"transaction {tx_hash} failed: {receipt}")
        result: dict[str, Any] = receipt
        return result

    def rpc(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        resp = requests.post(self.url, json=body, timeout=30).json()
        if "error" in resp:
            err = ToolError(f"anvil {method}: {resp['error'].get('message')}")
            err.data = resp["error"].get("data")  # type: ignore[attr-defined]  # revert data of eth_call
            raise err
        return resp["result"]


def compile_solidity(
    sources: dict[str, str], *, evm_version: str = "osaka", optimize: bool = True
) -> dict[str, dict[str, Any]]:
    """Compile with the pinned solc (solcjs); returns {contract name: {abi, bytecode, deployed}}."""
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "evmVersion": evm_version,
            "optimizer": {"enabled": optimize, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    proc = subprocess.run(
        [find_tool("solcjs"), "--standard-json"],
        input=json.dumps(std_input).encode(),
        capture_output=True,
        env={**os.environ, "NODE_OPTIONS": ""},
        check=False,
    )
    # solcjs prints a ">>> Cannot retry compilation with SMT..." line before the JSON.
    text = proc.stdout.decode()
    text = text[text.index("{") :] if "{" in text else text
    try:
        out = json.loads(text)
    except ValueError:
        raise ToolError(f"solc failed: {proc.stderr.decode()[:500] or text[:500]}") from None
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ToolError("solc: " + "; ".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    result: dict[str, dict[str, Any]] = {}
    for file_contracts in out.get("contracts", {}).values():
        for name, c in file_contracts.items():
            result[name] = {
                "abi": c["abi"],
                "bytecode": bytes.fromhex(c["evm"]["bytecode"]["object"]),
                "deployed": bytes.fromhex(c["evm"]["deployedBytecode"]["object"]),
            }
    return result
