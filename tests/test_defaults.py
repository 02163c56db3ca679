"""One set of defaults (issue 25): a dev chain's hardfork read from its node, the chain id from the prove service,
and the SQLite stores of `serve` and `worker` kept out of the cwd. Against real anvil and `vlayer serve` processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi import decode, encode

from tests.support.contracts import deploy_app, selector
from tests.support.corpus import deploy
from tests.support.hostile import HostileNode, on
from tests.support.service import ENV, Serve
from vlayer.chain.detect import node_hardfork, resolve_spec
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil, free_port
from vlayer.errors import RpcResponseError, UnsupportedForkError
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import HttpTransport, RpcClient
from vlayer.state_dir import default_db_path, default_db_url, project_dir

#: Init code of a contract whose every call returns the word 42 (runtime: PUSH1 42, MSTORE at 0, RETURN 32 bytes).
RUNTIME = bytes.fromhex("602a60005260206000f3")
ANSWER = bytes.fromhex("600a600c600039600a6000f3") + RUNTIME
FORTY_TWO = "0x" + (42).to_bytes(32, "big").hex()


def vlayer(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vlayer.cli", *args], capture_output=True, text=True,
                          env=env or ENV, cwd=cwd, timeout=120, check=False)  # fmt: skip


def deploy_answer(anvil: Anvil) -> str:
    """The 42 contract, with a block mined after it (block 0 of a dev chain cannot be proven)."""
    address = deploy(anvil, ANSWER, anvil.rpc("eth_accounts")[0])
    anvil.rpc("anvil_mine", "0x1")
    return "0x" + address.hex()


# --- the dev chain's hardfork, read from anvil ----------------------------------------------------------------


@pytest.mark.parametrize("hardfork", ["osaka", "prague"])
def test_the_dev_chains_hardfork_is_the_one_anvil_runs(hardfork: str) -> None:
    with Anvil(hardfork=hardfork) as anvil:
        address = deploy_answer(anvil)
        client = RpcClient.http(anvil.url)
        assert node_hardfork(client) == hardfork
        assert resolve_spec(client, 31337) == ChainSpec.dev(hardfork)
        # No --hardfork: the preflight runs the fork anvil runs (before, a dev chain was taken to run bpo1 and a
        # Prague anvil was refused with "pass --hardfork prague").
        result = preflight(client, CallRequest(to=bytes.fromhex(address[2:]), data=b""))
        assert result.success and result.dev_hardfork == hardfork
        assert result.return_data.hex() == FORTY_TWO[2:]
        client.close()


def test_an_explicit_hardfork_still_overrides_and_is_checked() -> None:
    with Anvil(hardfork="prague") as anvil:
        client = RpcClient.http(anvil.url)
        assert resolve_spec(client, 31337, ChainSpec.dev("prague")) == ChainSpec.dev("prague")
        with pytest.raises(UnsupportedForkError) as err:
            resolve_spec(client, 31337, ChainSpec.dev("osaka"))
        assert str(err.value) == (
            "the dev chain runs hardfork 'prague' but the chain spec says 'osaka'; pass --hardfork prague"
        )
        client.close()


@pytest.fixture()
def hostile(osaka_chain: Any) -> Iterator[HostileNode]:
    node = HostileNode(osaka_chain.anvil.url)
    yield node
    node.close()


def hostile_client(node: HostileNode) -> RpcClient:
    return RpcClient(HttpTransport(node.url, retries=0))


def test_a_hardfork_vlayer_does_not_run_is_refused_by_name(hostile: HostileNode) -> None:
    hostile.answer = on("anvil_nodeInfo", lambda r: {**r, "hardFork": "Amsterdam"})
    with pytest.raises(UnsupportedForkError) as err:
        resolve_spec(hostile_client(hostile), 31337)
    assert str(err.value) == (
        "the dev chain's node runs hardfork 'Amsterdam' (anvil_nodeInfo), which vlayer does not execute; start it "
        "with --hardfork one of cancun, prague, osaka, bpo1, bpo2 (vlayer devnet runs osaka)"
    )


def test_a_long_hardfork_name_is_quoted_cut(hostile: HostileNode) -> None:
    hostile.answer = on("anvil_nodeInfo", lambda r: {**r, "hardFork": "x" * 5000})
    with pytest.raises(UnsupportedForkError) as err:
        node_hardfork(hostile_client(hostile))
    assert f"runs hardfork '{'x' * 40}...' (anvil_nodeInfo)" in str(err.value)
    assert len(str(err.value)) < 300


def test_a_malformed_node_info_is_an_rpc_error(hostile: HostileNode) -> None:
    hostile.answer = on("anvil_nodeInfo", lambda r: {**r, "hardFork": 7})
    with pytest.raises(RpcResponseError) as err:
        node_hardfork(hostile_client(hostile))
    assert str(err.value).startswith("anvil_nodeInfo failed: malformed answer: hardFork: input should be a valid")


def test_a_dev_chain_node_that_is_not_anvil_keeps_the_default_schedule(hostile: HostileNode) -> None:
    hostile.answer = lambda call, got: (
        {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32601, "message": "method not found"}}
        if call["method"] == "anvil_nodeInfo"
        else got
    )
    assert node_hardfork(hostile_client(hostile)) is None
    assert resolve_spec(hostile_client(hostile), 31337) == ChainSpec.dev("bpo1")


def test_preflight_on_vlayer_devnet_needs_no_hardfork(tmp_path: Path) -> None:
    port = free_port()
    devnet = subprocess.Popen([sys.executable, "-m", "vlayer.cli", "devnet", "--port", str(port)], env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        anvil = Anvil()
        anvil.port = port
        deadline = time.monotonic() + 60  # the CLI's start-up, then anvil's, on a loaded machine
        while True:
            assert devnet.poll() is None, "vlayer devnet exited"
            try:
                anvil.rpc("eth_chainId")
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "vlayer devnet did not answer"
                time.sleep(0.1)
        address = deploy_answer(anvil)
        run = vlayer("preflight", "--rpc-url", anvil.url, "--to", address, "--json")
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        assert out["success"] and out["fork"] == "osaka" and out["return_data"] == FORTY_TWO
        assert out["guest"]["journal_matches"]
    finally:
        devnet.terminate()
        devnet.wait(10)


# --- the prove service: its dev chain's hardfork and its chain id -------------------------------------------------


def test_prove_through_a_service_without_hardfork_or_chain_id(tmp_path: Path) -> None:
    # A Prague anvil: the service must read that from the node (the old bpo1 default refused it).
    with Anvil(hardfork="prague") as anvil:
        app = deploy_app(anvil)
        app.mine()
        data = selector("balance(address)") + encode(["address"], [app.holder])
        with Serve(anvil.url, tmp_path / "jobs.db", None) as serve:
            out = tmp_path / "proof.json"
            run = vlayer("prove", "--service", serve.url, "--to", "0x" + app.prover.hex(), "--data",
                         "0x" + data.hex(), "--out", str(out))  # fmt: skip
            assert run.returncode == 0, run.stderr + serve.logs()
            doc = json.loads(out.read_text())
            assert doc["mode"] == "fake"
            assert decode(["uint256"], bytes.fromhex(doc["evm_call_result"][2:])[-32:])[0] == 250 * 10**18


def test_prove_through_a_service_of_several_chains_needs_a_chain_id(tmp_path: Path) -> None:
    with (
        Anvil(hardfork="osaka") as l1,
        Anvil(hardfork="osaka", chain_id=31338) as l2,
        Serve(l1.url, tmp_path / "jobs.db", "osaka", "--rpc-url", f"31338={l2.url}") as serve,
    ):
        run = vlayer("prove", "--service", serve.url, "--to", "0x" + "11" * 20)
        assert run.returncode == 2
        assert run.stderr.strip().splitlines()[-1] == (
            f"error: the prove service at {serve.url} proves chains 31337, 31338; pass --chain-id one of them"
        )


def test_hardfork_with_service_is_refused_with_the_reason() -> None:
    run = vlayer("prove", "--service", "http://127.0.0.1:1/", "--hardfork", "osaka", "--to", "0x" + "11" * 20)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "error: --hardfork applies to local proving; a prove service runs each dev chain on the hardfork it was "
        "started with (vlayer serve --hardfork CHAIN_ID=NAME) or, without one, the hardfork its node reports"
    )


# --- where the stores go ----------------------------------------------------------------------------------------


def test_store_paths_in_a_project_and_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "app"
    (project / "src" / "deep").mkdir(parents=True)
    (project / "foundry.toml").write_text("[profile.default]\n")
    assert project_dir(project / "src" / "deep") == project
    assert default_db_path("worker.sqlite3", project / "src") == project / ".vlayer" / "worker.sqlite3"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert project_dir(outside) is None
    assert default_db_url("jobs.sqlite3", outside) == f"sqlite:///{tmp_path}/data/vlayer/jobs.sqlite3"
    assert (tmp_path / "data" / "vlayer").is_dir()
    # The XDG spec: a relative XDG_DATA_HOME is invalid and ignored.
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        default_db_path("jobs.sqlite3", outside) == tmp_path / "home" / ".local" / "share" / "vlayer" / "jobs.sqlite3"
    )
    monkeypatch.delenv("XDG_DATA_HOME")
    assert (
        default_db_path("jobs.sqlite3", outside) == tmp_path / "home" / ".local" / "share" / "vlayer" / "jobs.sqlite3"
    )


def help_text(command: str, cwd: Path, env: dict[str, str]) -> str:
    """`vlayer COMMAND --help` without whitespace: click wraps the help, long paths included, at any character."""
    return "".join(vlayer(command, "--help", cwd=cwd, env=env).stdout.split())


def test_help_names_the_store_each_command_would_use_here(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "foundry.toml").write_text("[profile.default]\n")
    env = {**ENV, "XDG_DATA_HOME": str(tmp_path / "data")}
    assert f"[default:sqlite:///{project}/.vlayer/jobs.sqlite3,inthisproject's.vlayer/]" in help_text(
        "serve", project, env
    )
    assert f"[default:sqlite:///{project}/.vlayer/worker.sqlite3,inthisproject's.vlayer/]" in help_text(
        "worker", project, env
    )
    assert f"[default:sqlite:///{tmp_path}/data/vlayer/jobs.sqlite3,intheuserdatadirectory]" in help_text(
        "serve", tmp_path, env
    )
    # Help shows the store; it creates no folder for it.
    assert not (project / ".vlayer").exists() and not (tmp_path / "data").exists()


def serve_in(cwd: Path, env: dict[str, str], rpc_url: str) -> str:
    """Start `vlayer serve --dev` without --db in `cwd`, wait until it answers, stop it; its start-up output."""
    port = free_port()
    args = [sys.executable, "-m", "vlayer.cli", "serve", "--dev", "--port", str(port), "--rpc-url", f"31337={rpc_url}"]
    log = cwd / f"serve.{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    assert time.monotonic() < deadline, "vlayer serve did not answer"
                    time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(20)
    text = log.read_text()
    log.unlink()
    return text


def test_serve_keeps_its_store_in_the_project_or_the_data_dir(tmp_path: Path, osaka_chain: Any) -> None:
    project = tmp_path / "app"
    (project / "src").mkdir(parents=True)
    (project / "foundry.toml").write_text("[profile.default]\n")
    env = {**ENV, "XDG_DATA_HOME": str(tmp_path / "data")}
    out = serve_in(project / "src", env, osaka_chain.anvil.url)
    store = project / ".vlayer" / "jobs.sqlite3"
    assert f"job store sqlite:///{store} (the default here; --db chooses another)" in out
    assert store.is_file() and list((project / "src").iterdir()) == []
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = serve_in(outside, env, osaka_chain.anvil.url)
    assert f"job store sqlite:///{tmp_path}/data/vlayer/jobs.sqlite3" in out
    assert (tmp_path / "data" / "vlayer" / "jobs.sqlite3").is_file() and list(outside.iterdir()) == []
