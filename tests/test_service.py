"""The prove service against a real anvil: the whole v_call -> proof -> on-chain verification path, vlayer v1's
shapes (vgas budget, receipt states, errors), every error code, deduplication, 50 concurrent calls, and a crash in
the middle of a job (SIGKILL) that loses nothing."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi import encode
from fastapi.testclient import TestClient

from tests.support.contracts import HARDFORK, App, deploy_app, selector, send
from tests.support.service import PausableProxy, Serve
from vlayer.devnet import Anvil, free_port
from vlayer.errors import InputError, RpcUnreachableError
from vlayer.guest import call_guest_id
from vlayer.prove import ProofModeName
from vlayer.receipts import shrink_wrap
from vlayer.receipts.proof_encoding import PROOF_TYPE, journal_of, proof_from_json, verifier_calldata
from vlayer.service import rpc_errors as codes
from vlayer.service.app import create_app
from vlayer.service.client import RETRY_DELAYS, ProveClient, ServiceAuthError, ServiceError
from vlayer.service.settings import ChainConfig, Settings

CLAIM = selector(f"claim({PROOF_TYPE},address,uint256)")


@pytest.fixture(scope="module")
def app_chain() -> Iterator[App]:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        # Fake proofs name the call guest id of this build; the repository must support it.
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        app.mine(2)
        yield app


def settings(app: App, db: Path, **kw: Any) -> Settings:
    return Settings(chains={31337: ChainConfig(app.anvil.url, HARDFORK)}, database_url=f"sqlite:///{db}",
                    dev_mode=True, **kw)  # fmt: skip


@pytest.fixture()
def client(app_chain: App, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings(app_chain, tmp_path / "jobs.db"))) as c:
        yield c


def rpc(c: TestClient, method: str, params: Any = None, **headers: str) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        body["params"] = params
    resp = c.post("/", json=body, headers=headers)
    doc: dict[str, Any] = resp.json()
    return doc


def balance_call(app: App, owner: bytes | None = None) -> dict[str, str]:
    data = selector("balance(address)") + encode(["address"], [owner or app.holder])
    return {"to": "0x" + app.prover.hex(), "data": "0x" + data.hex()}


def wait_done(c: TestClient, job: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result: dict[str, Any] = rpc(c, "v_getProofReceipt", {"hash": job})["result"]
        if result["state"] == "done" or result["status"] == 0:
            return result
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not finish")


def test_v_call_proof_is_accepted_on_chain(client: TestClient, app_chain: App) -> None:
    job = rpc(client, "v_call", [balance_call(app_chain), {"chain_id": 31337}])["result"]
    receipt = wait_done(client, job)
    assert receipt["state"] == "done" and receipt["status"] == 1, receipt
    assert "error" not in receipt and "error_detail" not in receipt
    metrics = receipt["metrics"]
    assert metrics["gas"] == metrics["evm_gas_used"] > 21000 and metrics["cycles"] == 0  # no budget: no count
    assert isinstance(metrics["times"]["preflight"], int) and metrics["times"]["preflight"] > 0  # milliseconds
    seal = receipt["data"]["proof"]["seal"]
    assert seal["mode"] == 1 and seal["verifierSelector"] == "0xdeafbeef"  # vlayer v1: FAKE is the number 1
    assumptions = receipt["data"]["proof"]["callAssumptions"]
    assert assumptions["settleChainId"] == "0x7a69" and assumptions["settleBlockNumber"] == hex(app_chain.head())
    proof = proof_from_json(receipt["data"]["proof"])
    journal = journal_of(proof, bytes.fromhex(receipt["data"]["evm_call_result"][2:]))
    assert "0x" + journal.hex() == receipt["data"]["journal"]
    assert proof.call_assumptions.block_number == app_chain.head()
    send(app_chain.anvil, app_chain.owner, app_chain.verifier, verifier_calldata(CLAIM, proof, journal))
    assert app_chain.proven_balance(app_chain.holder) == 250 * 10**18


def test_same_call_twice_is_one_job(client: TestClient, app_chain: App) -> None:
    params = [balance_call(app_chain), {"chain_id": 31337, "block_number": app_chain.head()}]
    first = rpc(client, "v_call", params)["result"]
    second = rpc(client, "v_call", params)["result"]
    assert first == second
    wait_done(client, first)
    service = client.app.state.service  # type: ignore[attr-defined]
    assert service.store.get(first).attempts == 1
    other_block = rpc(client, "v_call", [params[0], {"chain_id": 31337, "block_number": app_chain.head() - 1}])
    assert other_block["result"] != first


def test_v_versions(client: TestClient) -> None:
    result = rpc(client, "v_versions")["result"]
    # Every field vlayer's SDK requires, api_version as semver with major 1.
    assert result["api_version"] == "1.3.0" and result["proof_mode"] == "fake" and result["chains"] == [31337]
    assert result["call_guest_id"] == result["chain_guest_id"] == "0x" + call_guest_id().hex()
    assert result["guest_embedded"] is True and result["risc0_version"] == "3.1.0-rc.1"
    # groth16 where a shrink-wrap backend (cuda, docker, podman) is available on this machine: none on CI's.
    groth16 = ["groth16"] if shrink_wrap.available() is None else []
    assert result["proof_modes_available"] == ["fake", "composite", "succinct", *groth16]


def error_of(doc: dict[str, Any]) -> tuple[int, str]:
    assert "error" in doc, doc
    return doc["error"]["code"], doc["error"]["message"]


def test_malformed_requests_get_standard_codes(client: TestClient, app_chain: App) -> None:
    assert error_of(client.post("/", content=b"{not json").json())[0] == codes.PARSE_ERROR
    assert error_of(client.post("/", json={"id": 1, "method": "v_call"}).json())[0] == codes.INVALID_REQUEST
    assert error_of(client.post("/", json=[]).json())[0] == codes.INVALID_REQUEST
    code, message = error_of(rpc(client, "eth_call", []))
    assert code == codes.METHOD_NOT_FOUND and "'eth_call' not found" in message
    code, message = error_of(rpc(client, "v_call", [{**balance_call(app_chain), "value": "0x1"}, {"chain_id": 31337}]))
    assert code == codes.INVALID_PARAMS and "value" in message and "Extra inputs" in message
    code, _ = error_of(rpc(client, "v_call", [{"to": "0x12", "data": "0x"}, {"chain_id": 31337}]))
    assert code == codes.INVALID_PARAMS
    code, _ = error_of(rpc(client, "v_call", [balance_call(app_chain), {"chain_id": "31337"}]))
    assert code == codes.INVALID_PARAMS
    code, message = error_of(rpc(client, "v_getProofReceipt", {"hash": "0x" + "ab" * 32}))
    assert (code, message) == (codes.INVALID_REQUEST, "Hash not found: 0x" + "ab" * 32)  # vlayer v1's answer
    batch = client.post("/", json=[{"jsonrpc": "2.0", "id": 1, "method": "v_versions"}, {"id": 2}]).json()
    assert "result" in batch[0] and batch[1]["error"]["code"] == codes.INVALID_REQUEST


def test_request_errors_get_their_codes(client: TestClient, app_chain: App) -> None:
    call = balance_call(app_chain)
    code, message = error_of(rpc(client, "v_call", [call, {"chain_id": 1}]))
    assert (code, message) == (codes.INVALID_PARAMS, "unknown chain id 1; this service proves chains 31337")
    big = {**call, "data": "0x" + "00" * (128 * 1024 + 1)}
    code, message = error_of(rpc(client, "v_call", [big, {"chain_id": 31337}]))
    assert code == codes.INVALID_PARAMS and "calldata is 131073 bytes" in message
    code, message = error_of(rpc(client, "v_call", [{**call, "evm_gas_limit": 2**25}, {"chain_id": 31337}]))
    assert code == codes.GAS_LIMIT and "EIP-7825" in message
    code, message = error_of(rpc(client, "v_call", [{**call, "evm_gas_limit": 100}, {"chain_id": 31337}]))
    assert code == codes.GAS_LIMIT and "intrinsic" in message
    both = {**call, "gas_limit": 500, "vgas_limit": 400}
    code, message = error_of(rpc(client, "v_call", [both, {"chain_id": 31337}]))
    assert code == codes.INVALID_PARAMS and "alias of vgas_limit" in message
    code, message = error_of(rpc(client, "v_call", [call, {"chain_id": 31337, "block_number": 10**6}]))
    assert code == codes.CHAIN and "does not exist" in message


def test_reverting_call_fails_its_job_with_the_reason(client: TestClient, app_chain: App) -> None:
    data = bytes.fromhex("deadbeef")  # no such function and no fallback: Solidity reverts with no data
    job = rpc(client, "v_call", [{"to": "0x" + app_chain.prover.hex(), "data": "0x" + data.hex()},
                                 {"chain_id": 31337}])["result"]  # fmt: skip
    receipt = wait_done(client, job)
    # vlayer v1: the state names the stage that failed, `error` is its message, `data` is absent.
    assert receipt["state"] == "preflight" and receipt["status"] == 0
    assert receipt["error"] == "call reverted: reverted without a reason"
    assert receipt["error_detail"]["code"] == codes.CALL_REVERTED
    assert receipt["error_detail"]["data"]["reason"] == "reverted without a reason"
    assert "data" not in receipt


def test_a_time_travel_the_host_cannot_serve_fails_its_job_with_the_reason(client: TestClient, app_chain: App) -> None:
    future = app_chain.head() + 100
    data = selector("balanceAt(address,uint256)") + encode(["address", "uint256"], [app_chain.holder, future])
    job = rpc(client, "v_call", [{"to": "0x" + app_chain.prover.hex(), "data": "0x" + data.hex()},
                                 {"chain_id": 31337}])["result"]  # fmt: skip
    receipt = wait_done(client, job)
    assert receipt["state"] == "preflight" and receipt["status"] == 0
    assert receipt["error_detail"]["code"] == codes.CHAIN
    assert f"time travel to block {future}: it is not before the pinned block" in receipt["error"]


def test_unreachable_rpc_and_bad_settings(app_chain: App, tmp_path: Path) -> None:
    dead = Settings(chains={31337: ChainConfig(f"http://127.0.0.1:{free_port()}", HARDFORK)},
                    database_url=f"sqlite:///{tmp_path / 'j.db'}", dev_mode=True, rpc_timeout=2)  # fmt: skip
    with TestClient(create_app(dead)) as c:
        code, message = error_of(rpc(c, "v_call", [balance_call(app_chain), {"chain_id": 31337}]))
    assert code == codes.UPSTREAM_RPC and "unreachable" in message
    with pytest.raises(InputError, match="dev mode"):
        Settings(chains={31337: ChainConfig(app_chain.anvil.url)}, dev_mode=False)
    with pytest.raises(InputError, match="mainnet chain ids: \\[1\\]"):
        Settings(chains={1: ChainConfig("http://127.0.0.1:1")}, dev_mode=True)
    # groth16 needs a shrink-wrap backend: none on the CPU build without docker or podman on PATH
    # (tests/test_receipts.py shows a command backend accepted).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(tmp_path))
        with pytest.raises(InputError, match="groth16 needs a shrink-wrap backend and none is available here"):
            Settings(chains={1: ChainConfig("http://127.0.0.1:1")}, proof_mode=ProofModeName.GROTH16)
    # A real mode needs no dev mode and may serve mainnets.
    Settings(chains={1: ChainConfig("http://127.0.0.1:1")}, proof_mode=ProofModeName.COMPOSITE)


def test_bearer_token(app_chain: App, tmp_path: Path) -> None:
    with TestClient(create_app(settings(app_chain, tmp_path / "j.db", auth_token="s3cret"))) as c:
        # vlayer v1's 401 body, which its SDK reports as an authorization error.
        denied = c.post("/", json={"jsonrpc": "2.0", "id": 1, "method": "v_versions"})
        assert denied.status_code == 401 and denied.json() == {"error": "missing or wrong bearer token"}
        wrong = rpc(c, "v_versions", authorization="Bearer nope")
        assert wrong == {"error": "missing or wrong bearer token"}
        assert "result" in rpc(c, "v_versions", authorization="Bearer s3cret")
        assert c.get("/health").status_code == 200
    with Serve(app_chain.anvil.url, tmp_path / "jobs.db", HARDFORK, "--auth-token", "s3cret") as serve:
        with pytest.raises(ServiceAuthError, match="refused the token: missing or wrong bearer token"):
            ProveClient(serve.url, "nope").request("v_versions", [])
        assert ProveClient(serve.url, "s3cret").request("v_versions", [])["api_version"] == "1.3.0"


def test_fifty_concurrent_distinct_calls_all_finish(app_chain: App, tmp_path: Path) -> None:
    owners = [(0x1000 + i).to_bytes(20, "big") for i in range(50)]
    with Serve(app_chain.anvil.url, tmp_path / "jobs.db", HARDFORK, "--workers", "2") as serve:
        client = ProveClient(serve.url)
        head = app_chain.head()

        def one(owner: bytes) -> str:
            c = balance_call(app_chain, owner)
            mine = ProveClient(serve.url)  # a client per thread: a requests.Session is not thread-safe
            try:
                return mine.call(c["to"], c["data"], 31337, head)
            finally:
                mine.close()

        with ThreadPoolExecutor(max_workers=50) as pool:
            jobs = list(pool.map(one, owners))
        assert len(set(jobs)) == 50
        receipts = [client.wait(job, timeout=300) for job in jobs]
        assert all(r["state"] == "done" for r in receipts)
        health = requests.get(serve.url + "health", timeout=5).json()
        assert health["jobs"] == {"done": 50}


def job_in_flight(app_chain: App, proxy: PausableProxy, db: Path) -> tuple[Serve, ProveClient, dict[str, str], str]:
    """A service whose chain node is behind `proxy`, with one job accepted; the proxy is then paused, so the job's
    preflight waits on the chain. Returns the service, its client, the call and the job's hash."""
    service = Serve(proxy.url, db, HARDFORK).start()
    client = ProveClient(service.url)
    call = balance_call(app_chain)
    job = client.call(call["to"], call["data"], 31337)
    proxy.pause()
    return service, client, call, job


def test_restart_mid_job_loses_nothing(app_chain: App, tmp_path: Path) -> None:
    proxy = PausableProxy(app_chain.anvil.url)
    db = tmp_path / "jobs.db"
    try:
        first, client, call, job = job_in_flight(app_chain, proxy, db)  # its preflight now waits on the chain ...
        time.sleep(0.5)
        running = client.receipt(job)
        # vlayer v1: status 1 while a job runs; neither data nor error until it ends.
        assert running["state"] in ("queued", "preflight") and running["status"] == 1
        assert "data" not in running and "error" not in running
        first.kill()  # ... and the process dies under it
        proxy.resume()
        with Serve(proxy.url, db, HARDFORK) as second:
            again = ProveClient(second.url)
            receipt = again.wait(job, timeout=60)
            assert receipt["state"] == "done"
            settled = int(receipt["data"]["proof"]["callAssumptions"]["settleBlockNumber"], 16)
            assert again.call(call["to"], call["data"], 31337, settled) == job
            assert '"event": "resume"' in second.logs()
    finally:
        proxy.close()


def test_a_waiting_client_rides_out_a_service_restart(app_chain: App, tmp_path: Path) -> None:
    """`vlayer prove --service` (the SDK, the worker) waits on through a restart of the service on its port: the job
    was accepted, and the new process resumes it."""
    proxy = PausableProxy(app_chain.anvil.url)
    try:
        first, client, _, job = job_in_flight(app_chain, proxy, tmp_path / "jobs.db")  # waits while the service dies
        outcome: dict[str, Any] = {}

        def wait() -> None:
            try:
                outcome["receipt"] = client.wait(job, timeout=120)
            except Exception as exc:  # the assertion below shows it
                outcome["error"] = exc

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.5)
        first.kill()
        proxy.resume()
        time.sleep(3)  # longer than one request's own retries: only wait()'s grace keeps it polling
        assert waiter.is_alive() and not outcome
        with Serve(proxy.url, first.db, HARDFORK, port=first.port):
            waiter.join(90)
        assert outcome.get("receipt", {}).get("state") == "done", outcome
    finally:
        proxy.close()


def test_a_waiting_client_gives_up_after_its_grace_and_says_the_job_is_kept() -> None:
    job = "0x" + "ab" * 32
    client = ProveClient(f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(RpcUnreachableError) as info:
        client.wait(job, unreachable_grace=1.0)
    assert str(info.value).startswith(f"prove service at {client.url} unreachable: connection refused, for ")
    assert str(info.value).endswith(
        f"s while waiting for job {job}; the job stays with the service, whose v_getProofReceipt answers for that "
        "hash once it is back"
    )


def test_client_raises_job_errors(app_chain: App, tmp_path: Path) -> None:
    with Serve(app_chain.anvil.url, tmp_path / "jobs.db", HARDFORK) as serve:
        client = ProveClient(serve.url)
        with pytest.raises(ServiceError, match="unknown chain id 5") as info:
            client.call("0x" + app_chain.prover.hex(), "0x", 5)
        assert info.value.code == codes.INVALID_PARAMS


def test_vgas_budget_as_vlayer_v1(client: TestClient, app_chain: App) -> None:
    """`gas_limit` is vlayer v1's vgas (1 vgas = 1,000,000 zkVM cycles): the SDK's default 500 proves, a budget
    below the call's cycles fails the job at `estimating_vgas` with v1's message; `vgas_limit` is the same field."""
    call = balance_call(app_chain)
    head = app_chain.head()
    job = rpc(client, "v_call", [{**call, "gas_limit": 500}, {"chain_id": 31337, "block_number": head}])["result"]
    receipt = wait_done(client, job)
    assert receipt["state"] == "done" and receipt["status"] == 1, receipt
    metrics = receipt["metrics"]
    assert metrics["cycles"] > 0 and metrics["vgas"] == -(-metrics["cycles"] // 1_000_000)
    assert metrics["gas"] == metrics["vgas"] and metrics["evm_gas_used"] > 21000  # v1: gas becomes vgas
    assert metrics["segments"] >= 1 and metrics["times"]["estimating_vgas"] > 0
    same = rpc(client, "v_call", [{**call, "vgas_limit": 500}, {"chain_id": 31337, "block_number": head}])
    assert same["result"] == job

    short = rpc(client, "v_call", [{**call, "gas_limit": 1}, {"chain_id": 31337, "block_number": head}])["result"]
    failed = wait_done(client, short)
    assert failed["state"] == "estimating_vgas" and failed["status"] == 0 and "data" not in failed
    assert failed["error"] == f"Insufficient vgas_limit: provided 1, estimated vgas: {metrics['vgas']}"
    assert failed["error_detail"]["code"] == codes.GAS_LIMIT


class _Dropping:
    """An HTTP server on a raw socket that closes the first `drops` connections without answering (as a service does
    to an idle keep-alive connection, or while it restarts), then answers every request with `result`."""

    def __init__(self, drops: int, result: str) -> None:
        self.drops, self.result, self.connections = drops, result, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.connections += 1
                request = conn.recv(65536)
                if self.connections <= self.drops or not request:
                    continue
                body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": self.result}).encode()
                head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
                conn.sendall(head.encode() + b"connection: close\r\n\r\n" + body)

    def close(self) -> None:
        self.sock.close()


def test_client_repeats_a_request_whose_connection_dropped_and_names_why_it_gave_up() -> None:
    flaky = _Dropping(drops=2, result="0xabc")
    try:
        assert ProveClient(flaky.url).request("v_versions", []) == "0xabc"
        assert flaky.connections == 3
    finally:
        flaky.close()
    dead = _Dropping(drops=10**6, result="never")
    try:
        with pytest.raises(RpcUnreachableError, match=r"unreachable: the connection was closed without an answer$"):
            ProveClient(dead.url).receipt("0x" + "00" * 32)
        assert dead.connections == 1 + len(RETRY_DELAYS)
    finally:
        dead.close()
    with pytest.raises(RpcUnreachableError, match=r"unreachable: connection refused$"):
        ProveClient(f"http://127.0.0.1:{free_port()}/").receipt("0x" + "00" * 32)
