"""Operations (issue 25): `/ready` against a real `vlayer serve --dev` and anvil; the access-list hint of a
time-travelling call counted apart from errors; a `--to` without code refused up front by the CLI, the service and
the SDK; blocks echoed as typed; forge's diagnostics shown as forge prints them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from eth_abi import encode
from eth_utils import to_checksum_address
from fastapi.testclient import TestClient
from web3 import Web3

from tests import test_metrics as metrics
from tests import test_service as svc
from tests.support.contracts import HARDFORK, App, compiled, deploy, selector
from tests.support.service import ENV, PausableProxy, Serve
from tests.test_cli import VLAYER
from vlayer.devnet import REPO_ROOT, Anvil, free_port
from vlayer.errors import NoCodeError, ProveError
from vlayer.sdk import Client, Local
from vlayer.service import rpc_errors as codes
from vlayer.service.app import create_app
from vlayer.service.settings import ChainConfig, Settings

# test_service's app on an anvil of this module's own (the fixture is module-scoped).
app_chain = svc.app_chain


def run_vlayer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VLAYER, *args], capture_output=True, text=True, env=ENV, timeout=300, check=False)


def no_code_line(address: str, block: int) -> str:
    return f"no code at {to_checksum_address(address)} at block {block}: not a contract"


# --- readiness -------------------------------------------------------------------------------------------------


def test_ready_answers_200_then_503_once_the_chain_node_is_down(tmp_path: Path) -> None:
    anvil = Anvil(hardfork=HARDFORK).start()
    try:
        anvil.rpc("anvil_mine", "0x3")
        with Serve(anvil.url, tmp_path / "jobs.db", HARDFORK) as serve:
            ready = requests.get(serve.url + "ready", timeout=30)
            assert ready.status_code == 200, ready.text
            assert ready.json() == {"status": "ready", "chains": {"31337": {"status": "ok", "block": 3}}}
            anvil.stop()
            down = requests.get(serve.url + "ready", timeout=30)
            assert down.status_code == 503, down.text
            body = down.json()
            assert body["status"] == "not ready" and body["failing"] == ["31337"], body
            chain = body["chains"]["31337"]
            assert chain["status"] == "error" and "unreachable" in chain["error"], chain
            # Liveness is not readiness: the process still answers.
            assert requests.get(serve.url + "health", timeout=30).status_code == 200
    finally:
        anvil.stop()


def test_ready_names_a_node_serving_another_chain_and_hides_url_secrets(tmp_path: Path) -> None:
    gone = f"http://127.0.0.1:{free_port()}/v2/SECRET-KEY"
    with Anvil(hardfork=HARDFORK) as anvil:
        chains = {11155111: ChainConfig(anvil.url), 31337: ChainConfig(anvil.url, HARDFORK)}
        chains[31338] = ChainConfig(gone, HARDFORK)
        db = f"sqlite:///{tmp_path / 'j.db'}"
        config = Settings(chains=chains, database_url=db, dev_mode=True, auth_token="s3cret")
        with TestClient(create_app(config)) as c:
            resp = c.get("/ready")  # open, like /health, although the service has a token
    assert resp.status_code == 503
    body = resp.json()
    assert body["failing"] == ["31338", "11155111"] and body["chains"]["31337"]["status"] == "ok", body
    assert body["chains"]["11155111"]["error"] == f"the node at {anvil.url} serves chain 31337, not 11155111"
    assert "SECRET" not in resp.text and gone.split("/v2")[0] in body["chains"]["31338"]["error"], body


# --- metrics ---------------------------------------------------------------------------------------------------


def test_a_time_travelling_prove_counts_its_refused_hint_apart_from_errors(app_chain: App, tmp_path: Path) -> None:
    proxy = PausableProxy(app_chain.anvil.url)
    config = Settings(chains={31337: ChainConfig(proxy.url, HARDFORK)}, database_url=f"sqlite:///{tmp_path / 'j.db'}",
                      dev_mode=True)  # fmt: skip
    head = app_chain.head()
    data = selector("balanceAt(address,uint256)") + encode(["address", "uint256"], [app_chain.holder, head - 1])
    call = {"to": "0x" + app_chain.prover.hex(), "data": "0x" + data.hex()}
    try:
        with TestClient(create_app(config)) as c:
            job = svc.rpc(c, "v_call", [call, {"chain_id": 31337, "block_number": head}])["result"]
            assert svc.wait_done(c, job)["state"] == "done"
            m = metrics.scrape(c)
    finally:
        proxy.close()
    chain = metrics.series(m, "vlayer_chain_rpc_requests_total")
    # anvil refused the access list (setBlock reverts where no traveler answers it): a hint, not an error.
    assert proxy.calls[("eth_createAccessList", "error")] == 1
    assert chain[("eth_createAccessList", "hint_unusable")] == 1, chain
    assert not [key for key in chain if key[1] == "error"], chain
    # The documented failure ratio reads 0 on this healthy service.
    failed = sum(v for (_, outcome), v in chain.items() if outcome == "error")
    assert failed / sum(chain.values()) == 0
    assert metrics.series(m, "vlayer_errors_total") == {}


# --- a --to without code -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serve(app_chain: App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    with Serve(app_chain.anvil.url, tmp_path_factory.mktemp("ops") / "jobs.db", HARDFORK) as s:
        yield s


def test_cli_refuses_a_to_without_code(app_chain: App) -> None:
    head = app_chain.head()
    holder = "0x" + app_chain.holder.hex()
    data = "0x" + (selector("balance(address)") + encode(["address"], [app_chain.holder])).hex()
    for command in (["preflight", "--hardfork", HARDFORK], ["prove", "--dev", "--hardfork", HARDFORK]):
        p = run_vlayer(*command, "--rpc-url", app_chain.anvil.url, "--block", str(head), "--to", holder,
                       "--data", data)  # fmt: skip
        assert p.returncode == NoCodeError.exit_code == 2, p.stderr
        assert p.stderr.strip().splitlines()[-1] == f"error: {no_code_line(holder, head)}", p.stderr


def test_service_refuses_a_to_without_code_before_accepting_a_job(app_chain: App, serve: Serve) -> None:
    head = app_chain.head()
    holder = "0x" + app_chain.holder.hex()
    body = {"jsonrpc": "2.0", "id": 1, "method": "v_call",
            "params": [{"to": holder, "data": "0x"}, {"chain_id": 31337, "block_number": head}]}  # fmt: skip
    answer = requests.post(serve.url, json=body, timeout=30).json()
    assert answer["error"] == {"code": codes.INVALID_PARAMS, "message": no_code_line(holder, head)}, answer
    # A contract deployed after the block is refused at that block too: the check reads the pinned state.
    before = app_chain.head()
    app_chain.mine()
    late = deploy(app_chain.anvil, "ImageIdRepository", ["address"], [app_chain.owner], app_chain.owner)
    app_chain.mine()
    body["params"] = [{"to": "0x" + late.hex(), "data": "0x"}, {"chain_id": 31337, "block_number": before}]
    answer = requests.post(serve.url, json=body, timeout=30).json()
    assert answer["error"]["message"] == no_code_line("0x" + late.hex(), before), answer


@pytest.mark.parametrize("where", ["local", "service"])
def test_sdk_reports_a_prover_address_without_code(app_chain: App, serve: Serve, where: str) -> None:
    w3 = Web3(Web3.HTTPProvider(app_chain.anvil.url))
    holder = to_checksum_address(app_chain.holder)
    not_a_prover = w3.eth.contract(address=holder, abi=compiled()["TokenBalanceProver"]["abi"])
    head = app_chain.head()
    client = Client(Local(dev=True, hardfork=HARDFORK) if where == "local" else serve.url)
    try:
        with pytest.raises(ProveError) as info:
            client.prove(not_a_prover.functions.balance(holder), block=head)
    finally:
        client.close()
    assert info.value.code == codes.INVALID_PARAMS
    # The service's errors carry their code in the message: "... (JSON-RPC error -32602)".
    assert str(info.value).startswith(no_code_line(holder, head)), info.value


# --- blocks echoed as typed --------------------------------------------------------------------------------------


def test_blocks_are_echoed_as_typed(app_chain: App) -> None:
    head = app_chain.head()
    call = ["--to", "0x" + app_chain.prover.hex(), "--data",
            "0x" + (selector("balance(address)") + encode(["address"], [app_chain.holder])).hex()]  # fmt: skip
    node = ["--hardfork", HARDFORK, "--rpc-url", app_chain.anvil.url]
    text = run_vlayer("preflight", *node, "--block", str(head), *call)
    assert text.returncode == 0, text.stderr
    block_line = next(line for line in text.stdout.splitlines() if line.startswith("block"))
    assert block_line.split()[1] == str(head) and block_line.split()[2].startswith("0x"), text.stdout
    as_json = run_vlayer("preflight", *node, "--block", str(head), "--json", *call)
    assert as_json.returncode == 0, as_json.stderr
    assert f'"block_number": {head},' in as_json.stdout
    missing = 10**6 + 7
    for command in (["preflight", "--hardfork", HARDFORK], ["prove", "--dev", "--hardfork", HARDFORK]):
        for typed in (str(missing), hex(missing)):
            p = run_vlayer(*command, "--rpc-url", app_chain.anvil.url, "--block", typed, *call)
            assert p.returncode == 4, p.stderr
            assert p.stderr.strip().splitlines()[-1] == f"error: block {typed} does not exist on this node", p.stderr


# --- forge's diagnostics -----------------------------------------------------------------------------------------


def test_build_shows_forge_diagnostics_as_forge_prints_them(tmp_path: Path) -> None:
    project = tmp_path / "broken"
    (project / "src").mkdir(parents=True)
    solc = REPO_ROOT / "contracts" / "bin" / "solc"
    (project / "foundry.toml").write_text(f'[profile.default]\nsrc = "src"\nout = "out"\nsolc = "{solc}"\n')
    (project / "src" / "Broken.sol").write_text("pragma solidity ^0.8.28;\ncontract Broken { function f( }\n")
    p = run_vlayer("build", str(project))
    assert p.returncode == 8, p.stderr
    lines = p.stderr.splitlines()
    # forge's own layout, line by line: the message, where, and the source with its caret.
    start = lines.index("Error (3546): Expected type name")
    assert lines[start + 1] == " --> src/Broken.sol:2:31:", p.stderr
    assert lines[start + 3] == "2 | contract Broken { function f( }", p.stderr
    assert lines[start + 4].rstrip().endswith("^"), p.stderr
    assert " | " not in lines[-1] and lines[-1] == "error: forge build failed: 1 compiler error (forge's output above)"
    assert [line for line in lines if line.startswith("error:")] == [lines[-1]]
