"""A project made by `vlayer init` stands alone: with this checkout out of sight it builds, tests, runs its app
(`vlayer run`) and proves, and the verifier on chain takes the calldata `vlayer prove --calldata-for` prints.

Out of sight means: the CLI runs from a copy of the package outside the checkout (`vlayer.__file__` is checked) with
the tools given through `$VLAYER_TOOLS_DIR` (a copy of node_modules), and, where user namespaces allow it, in a
mount namespace where an empty tmpfs covers the whole checkout (only the virtualenv's site-packages are bound
elsewhere first, as a pip install outside the checkout would have them). Where they do not, the same runs happen
with the checkout in place, and the project is still searched for any path into it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3
from web3.exceptions import ContractLogicError

from vlayer.devnet import REPO_ROOT, TOOLS_DIR_ENV, ToolError, find_tool, tool_dirs
from vlayer.errors import InputError
from vlayer.project import bundle
from vlayer.project.calldata import calldata_for, parse_verified

WHALE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# Inside the namespace: bind the virtualenv out of the checkout, cover the checkout, then run the command.
_HIDE = 'mount --bind "$1/.venv" "$2" && mount -t tmpfs vlayer-hidden "$1" && shift 2 && exec "$@"'


def _link_or_copy(src: str, dst: str) -> object:
    """Hard links where the file system allows (the tools are large), else copies."""
    try:
        os.link(src, dst)
        return dst
    except OSError:
        return shutil.copy2(src, dst)


def _can_hide_checkout() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@dataclass
class Outside:
    """How to run the CLI away from the checkout."""

    root: Path
    env: dict[str, str]
    python: str
    hidden: bool

    def command(self, *args: str) -> list[str]:
        run = [self.python, *args]
        if self.hidden:
            return ["unshare", "-rm", "sh", "-c", _HIDE, "sh", str(REPO_ROOT), str(self.root / "venv"), *run]
        return run

    def vlayer(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command("-m", "vlayer.cli", *args), cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Outside:
    root = tmp_path_factory.mktemp("outside")
    site = root / "site"
    shutil.copytree(REPO_ROOT / "host" / "vlayer", site / "vlayer", copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns("__pycache__", "_bundled"))  # fmt: skip
    # What a wheel carries: the library and templates written into the package, as `python -m vlayer.project.bundle`
    # does before `maturin build`.
    bundle.write(REPO_ROOT, site / "vlayer" / "project" / "_bundled")
    # The pinned tools as bash/setup.sh installs them, in a tools folder of their own.
    shutil.copytree(REPO_ROOT / "node_modules", root / "tools" / "node_modules", symlinks=True,
                    copy_function=_link_or_copy)  # fmt: skip
    (root / "venv").mkdir()
    hidden = _can_hide_checkout()
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not p.startswith(str(REPO_ROOT))]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VLAYER_", "VIRTUAL_ENV"))},
        "PATH": os.pathsep.join(path),
        "PYTHONPATH": str(site),
        "PYTHONUNBUFFERED": "1",
        TOOLS_DIR_ENV: str(root / "tools"),
        "XDG_DATA_HOME": str(root / "data"),
    }
    python = str(root / "venv" / "bin" / "python") if hidden else str(REPO_ROOT / ".venv" / "bin" / "python")
    where = Outside(root, env, python, hidden)
    probe = subprocess.run(
        where.command("-c", "import vlayer, vlayer.devnet as d; print(vlayer.__file__); print(d.find_tool('forge'))"),
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    package, forge = probe.stdout.split()
    assert Path(package) == site / "vlayer" / "__init__.py"
    assert Path(forge) == root / "tools" / "node_modules" / ".bin" / "forge"
    return where


def _paths_into_checkout(project: Path) -> list[str]:
    """Files of the project that name the checkout, and links that point into it."""
    needle = str(REPO_ROOT).encode()
    found = []
    for path in project.rglob("*"):
        if path.is_symlink():
            if os.readlink(path).startswith(str(REPO_ROOT)):
                found.append(f"{path} -> {os.readlink(path)}")
        elif path.is_file() and needle in path.read_bytes():
            found.append(str(path))
    return found


@pytest.fixture(scope="module")
def project(outside: Outside) -> Path:
    """`vlayer init` then `vlayer build`, both away from the checkout."""
    target = outside.root / "my-prover"
    made = outside.vlayer("init", str(target))
    assert made.returncode == 0, made.stderr
    assert "vlayer run --keep" in made.stdout and "vlayer build" in made.stdout
    built = outside.vlayer("build", str(target))
    assert built.returncode == 0, built.stderr
    assert "provers: SimpleProver" in built.stdout
    assert "verified functions (for --calldata-for): SimpleVerifier.claimWhale(address,uint256)" in built.stdout
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_new_project_builds_tests_and_runs_without_the_checkout(outside: Outside, project: Path) -> None:
    lib = project / "lib" / "vlayer"
    assert lib.is_dir() and not lib.is_symlink() and (lib / "src" / "Prover.sol").is_file()
    image_id = (lib / "src" / "ImageID.sol").read_text()
    assert "RISC0_CALL_GUEST_ID = 0x" in image_id
    readme = (project / "README.md").read_text()
    for step in ("vlayer build", "vlayer test", "vlayer run --keep", "cast send VERIFIER"):
        assert step in readme
    assert "--calldata-for 'claimWhale(address,uint256)'" in readme  # the template's own verified function

    anvil_state = Path.home() / ".foundry" / "anvil" / "tmp"
    anvil_before = set(anvil_state.iterdir()) if anvil_state.is_dir() else set()
    tested = outside.vlayer("test", str(project))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed; 0 failed" in tested.stdout
    # The template's VTest suite: calls proven by this vlayer (preflight, native guest) on the test's state, then
    # verified; each private anvil stopped with its state folder.
    assert "9 passed; 0 failed" in tested.stdout and "[PASS] test_aProvenWhaleGetsOneBadge()" in tested.stdout
    assert (set(anvil_state.iterdir()) if anvil_state.is_dir() else set()) <= anvil_before

    ran = outside.vlayer("run", str(project))
    out = ran.stdout + ran.stderr
    assert ran.returncode == 0, out
    assert f"badge #1 minted to {WHALE}" in out and "tampered proof rejected: VerificationFailed()" in out
    assert "done: my-prover proved and verified on chain 31337" in out
    pids = [int(p) for p in re.findall(r", pid (\d+)", out)]
    assert len(pids) == 2  # anvil and the prove service, both stopped at exit
    assert not [p for p in pids if _alive(p)]
    assert _paths_into_checkout(project) == []


@pytest.fixture
def kept(outside: Outside, project: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """`vlayer run --keep`: what it left running (run.json) and its output; stopped by pid afterwards."""
    run_json = project / ".vlayer" / "run.json"
    run_json.unlink(missing_ok=True)
    ran = outside.vlayer("run", str(project), "--keep")
    state = json.loads(run_json.read_text()) if run_json.is_file() else {"kept": []}
    pids = [int(k["pid"]) for k in state["kept"]]
    try:
        assert ran.returncode == 0, ran.stdout + ran.stderr
        yield state, ran.stdout
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)


def test_run_keep_then_prove_calldata_for_a_real_verifier(
    outside: Outside, project: Path, kept: tuple[dict[str, Any], str]
) -> None:
    state, out = kept
    rpc_url, service_url = str(state["rpc_url"]), str(state["service_url"])
    pids = [int(k["pid"]) for k in state["kept"]]
    assert all(_alive(p) for p in pids)
    assert f"stop them: kill {' '.join(map(str, pids))}" in out
    assert f"--rpc-url {rpc_url} --service {service_url}" in out
    assert requests.get(service_url + "health", timeout=10).ok
    deployed = dict(re.findall(r"deployed (\w+)\s+(0x[0-9a-fA-F]{40})", out))

    # A fresh verifier on the kept anvil, so that the whale's claim is its first.
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    artifact = json.loads((project / "out" / "SimpleVerifier.sol" / "SimpleVerifier.json").read_text())
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"]["object"])
    tx = factory.constructor(deployed["FakeProofVerifier"], deployed["SimpleProver"], 1_000 * 10**18).transact(
        {"from": w3.eth.accounts[0]}
    )
    verifier = w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx)["contractAddress"], abi=artifact["abi"])

    data = "0x" + (function_signature_to_4byte_selector("balance(address)") + encode(["address"], [WHALE])).hex()
    proof_file = outside.root / "proof.json"
    proved = outside.vlayer("prove", "--rpc-url", rpc_url, "--hardfork", "osaka", "--dev", "--to",
                            deployed["SimpleProver"], "--data", data, "--out", str(proof_file),
                            "--calldata-for", "claimWhale(address,uint256)")  # fmt: skip
    assert proved.returncode == 0, proved.stderr
    calldata = proved.stdout.strip()
    assert re.fullmatch(r"0x[0-9a-f]+", calldata), proved.stdout
    again = outside.vlayer("calldata", str(proof_file), "claimWhale(Proof,address,uint256)")
    assert again.returncode == 0 and again.stdout.strip() == calldata, again.stderr

    tampered = calldata[:-1] + ("0" if calldata[-1] != "0" else "1")
    with pytest.raises(ContractLogicError):
        w3.eth.call({"to": verifier.address, "data": tampered}, "pending")
    # What `cast send VERIFIER CALLDATA` sends; a gas limit, since estimating on the latest block would see the
    # proven block as not yet settled.
    sent = w3.eth.send_transaction({"from": w3.eth.accounts[2], "to": verifier.address, "data": calldata,
                                    "gas": 1_000_000})  # fmt: skip
    assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    assert verifier.functions.balanceOf(WHALE).call() == 1

    wrong = outside.vlayer("calldata", str(proof_file), "claimWhale(address)")
    assert wrong.returncode == 2
    assert "error: the prover's outputs (64 bytes after the proof) are not (address)" in wrong.stderr
    assert _paths_into_checkout(project) == []


def test_ctrl_c_stops_what_run_started(outside: Outside, project: Path) -> None:
    proc = subprocess.Popen(outside.command("-m", "vlayer.cli", "run", str(project)), cwd=outside.root,
                            env=outside.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("prove service at"):
            break
    pids = [int(p) for p in re.findall(r", pid (\d+)", "".join(lines))]
    assert len(pids) == 2, "".join(lines)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(lines) + rest
    assert "error: interrupted; stopped what it started" in rest
    assert not [p for p in pids if _alive(p)]


def test_a_wheels_bundle_holds_what_init_copies_from_a_checkout(tmp_path: Path) -> None:
    """`vlayer init` copies from the checkout the package runs from, or from the bundle a wheel build writes into
    the package: both hold the same files (the library without the generated ImageID.sol, the examples without
    their build output)."""
    files = bundle.files()
    assert files == bundle.expected(REPO_ROOT)
    assert "contracts/src/Prover.sol" in files and "templates/simple/foundry.toml" in files
    assert "contracts/src/ImageID.sol" not in files
    assert not [p for p in files if p.startswith("templates/") and ("/out/" in p or "/lib/" in p)]
    written = bundle.write(REPO_ROOT, tmp_path / "_bundled")
    assert written == len(files) and bundle.actual(tmp_path / "_bundled") == files
    assert bundle.differences(REPO_ROOT, tmp_path / "_bundled") == []
    (tmp_path / "_bundled" / "contracts" / "src" / "Prover.sol").write_text("// stale")
    assert bundle.differences(REPO_ROOT, tmp_path / "_bundled") == ["differs contracts/src/Prover.sol"]


def test_find_tool_looks_in_the_tools_dir_then_the_user_tools_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools, data = tmp_path / "tools", tmp_path / "data"
    for folder in (tools / "bin", data / "vlayer" / "tools" / "bin"):
        folder.mkdir(parents=True)
        (folder / "vlayer-test-tool").write_text("#!/bin/sh\n")
        (folder / "vlayer-test-tool").chmod(0o755)
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv(TOOLS_DIR_ENV, str(tools))
    assert find_tool("vlayer-test-tool") == str(tools / "bin" / "vlayer-test-tool")
    monkeypatch.delenv(TOOLS_DIR_ENV)
    assert find_tool("vlayer-test-tool") == str(data / "vlayer" / "tools" / "bin" / "vlayer-test-tool")
    # The checkout's pinned tools come before the user's folder.
    assert tool_dirs().index(REPO_ROOT / "node_modules" / ".bin") < tool_dirs().index(data / "vlayer" / "tools" / "bin")
    (data / "vlayer" / "tools" / "bin" / "vlayer-test-tool").chmod(0o644)
    with pytest.raises(ToolError, match=r"vlayer-test-tool not found in .* or PATH"):
        find_tool("vlayer-test-tool")


def test_calldata_needs_an_on_chain_proof_and_a_function_signature() -> None:
    doc = {"mode": "composite", "proof": None, "journal": "0x"}
    with pytest.raises(InputError, match=r"this proof \(mode composite\) has no on-chain proof"):
        calldata_for(doc, "claim(address,uint256)")
    for bad, why in (("claim", "is not a function signature"), ("claim(adress)", "not ABI types: adress")):
        with pytest.raises(InputError, match=re.escape(why)):
            parse_verified(bad)
    # The proof struct may be named or spelled out first; the selector is the full signature's.
    named = parse_verified("claimWhale(Proof, address, uint)")
    assert named == parse_verified("claimWhale(address,uint256)")
    assert named.selector.hex() == "7d19033f"  # SimpleVerifier.claimWhale's, as forge's methodIdentifiers has it
