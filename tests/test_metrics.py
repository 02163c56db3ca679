"""`GET /metrics` of a real prove service on a real anvil: after a proved call, a deduplicated repeat, a reverting
call and refused requests, the scrape (parsed by prometheus_client's own parser) counts exactly that; chain RPC
calls match what a proxy in front of anvil forwarded; jobs by state survive a restart; the token guards it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests import test_service as svc
from tests.support.contracts import HARDFORK, App
from tests.support.service import PausableProxy
from vlayer.devnet import free_port
from vlayer.errors import RpcError, RpcUnreachableError
from vlayer.prove import ProofModeName, Proven
from vlayer.rpc import RpcClient
from vlayer.service import rpc_errors as codes
from vlayer.service.app import create_app
from vlayer.service.jobs import JobState, JobStore
from vlayer.service.metrics import ServiceMetrics
from vlayer.service.settings import ChainConfig, Settings

# test_service's app on an anvil of this module's own (the fixture is module-scoped).
app_chain = svc.app_chain

Labels = tuple[tuple[str, str], ...]
Samples = dict[tuple[str, Labels], float]


def parse(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(c: TestClient) -> Samples:
    resp = c.get("/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return parse(resp.text)


def series(samples: Samples, name: str) -> dict[tuple[str, ...], float]:
    """The samples of one name, keyed by their label values (labels in name order: code before source, le before
    stage, method before outcome)."""
    return {tuple(v for _, v in labels): value for (n, labels), value in samples.items() if n == name}


def by_label(samples: Samples, name: str) -> dict[str, float]:
    """The samples of a one-label series, keyed by the label's value."""
    return {key[0]: value for key, value in series(samples, name).items()}


def test_metrics_count_what_the_service_did(app_chain: App, tmp_path: Path) -> None:
    proxy = PausableProxy(app_chain.anvil.url)  # counts the calls the service sends the chain, independently
    config = Settings(chains={31337: ChainConfig(proxy.url, HARDFORK)}, database_url=f"sqlite:///{tmp_path / 'j.db'}",
                      dev_mode=True)  # fmt: skip
    try:
        with TestClient(create_app(config)) as c:
            call = svc.balance_call(app_chain)
            context = {"chain_id": 31337, "block_number": app_chain.head()}
            proved = svc.rpc(c, "v_call", [call, context])["result"]
            assert svc.rpc(c, "v_call", [call, context])["result"] == proved  # the same job: deduplicated
            reverting = svc.rpc(c, "v_call", [{**call, "data": "0xdeadbeef"}, context])["result"]
            assert svc.wait_done(c, proved)["status"] == 1
            assert svc.wait_done(c, reverting)["status"] == 0
            assert svc.error_of(svc.rpc(c, "v_call", [call, {"chain_id": 5}]))[0] == codes.INVALID_PARAMS
            assert svc.error_of(c.post("/", content=b"{oops").json())[0] == codes.PARSE_ERROR
            m = scrape(c)
    finally:
        proxy.close()

    assert by_label(m, "vlayer_jobs_accepted_total") == {"created": 2, "deduplicated": 1}
    assert by_label(m, "vlayer_jobs") == {s.value: {"done": 1, "failed": 1}.get(s.value, 0) for s in JobState}
    # Only the done job is timed, once per stage; fake mode proves no cycles and no segments.
    counts = by_label(m, "vlayer_job_stage_seconds_count")
    assert counts == {"preflight": 1, "guest": 1, "proving": 1, "total": 1}, counts
    sums = by_label(m, "vlayer_job_stage_seconds_sum")
    assert all(v > 0 for v in sums.values()) and sums["total"] >= sums["preflight"] + sums["guest"]
    assert m[("vlayer_zkvm_cycles_proved_total", ())] == 0 and m[("vlayer_zkvm_segments_proved_total", ())] == 0
    assert series(m, "vlayer_errors_total") == {
        (str(codes.CALL_REVERTED), "job"): 1,
        (str(codes.INVALID_PARAMS), "request"): 1,
        (str(codes.PARSE_ERROR), "request"): 1,
    }
    chain = series(m, "vlayer_chain_rpc_requests_total")
    # What the node answered, as the proxy saw it; a hint the node refused, and the node check's eth_call of the
    # reverting call (an answer about the call), are counted apart from errors.
    hints = {
        ("eth_createAccessList", "error"): ("eth_createAccessList", "hint_unusable"),
        ("eth_call", "error"): ("eth_call", "reverted"),
    }
    assert chain == {hints.get(key, key): float(n) for key, n in proxy.calls.items()}
    # Proofs come from eth_getProof; anvil refuses the access list of the reverting call (the preflight goes on
    # without that hint), which is not an error.
    assert chain[("eth_getProof", "ok")] >= 1, chain
    assert chain[("eth_createAccessList", "ok")] == 1 and chain[("eth_createAccessList", "hint_unusable")] == 1, chain

    # A restarted service counts anew, but reads the jobs by state from the store.
    with TestClient(create_app(config)) as c:
        again = scrape(c)
    assert by_label(again, "vlayer_jobs") == by_label(m, "vlayer_jobs")
    assert by_label(again, "vlayer_jobs_accepted_total") == {"created": 0, "deduplicated": 0}


def test_metrics_need_the_token_when_one_is_set(app_chain: App, tmp_path: Path) -> None:
    with TestClient(create_app(svc.settings(app_chain, tmp_path / "j.db", auth_token="s3cret"))) as c:
        denied = c.get("/metrics")
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert denied.json() == {"error": "missing or wrong bearer token"}
        assert c.get("/metrics", headers={"authorization": "Bearer nope"}).status_code == 401
        allowed = c.get("/metrics", headers={"authorization": "Bearer s3cret"})
        assert allowed.status_code == 200 and ("vlayer_jobs", (("state", "queued"),)) in parse(allowed.text)
        assert c.get("/health").status_code == 200


def test_rpc_client_observer_sees_each_call_sent_and_its_outcome(app_chain: App) -> None:
    seen: list[tuple[str, str]] = []
    client = RpcClient.http(app_chain.anvil.url, observer=lambda method, outcome: seen.append((method, outcome)))
    try:
        client.call("eth_chainId", [], cache=True)
        client.call("eth_chainId", [], cache=True)  # answered from the cache: not sent, so not observed
        with pytest.raises(RpcError):
            client.batch([("eth_blockNumber", []), ("vlayer_noSuchMethod", []), ("eth_gasPrice", [])])
    finally:
        client.close()
    # Every call of the batch is observed, also the one after the failing call.
    assert seen == [("eth_chainId", "ok"), ("eth_blockNumber", "ok"), ("vlayer_noSuchMethod", "error"),
                    ("eth_gasPrice", "ok")]  # fmt: skip
    # An eth_call the node ran and saw revert (init code PUSH1 0 PUSH1 0 REVERT) is an answer, not a node failure.
    client = RpcClient.http(app_chain.anvil.url, observer=lambda method, outcome: seen.append((method, outcome)))
    try:
        with pytest.raises(RpcError):
            client.call("eth_call", [{"data": "0x60006000fd"}, "latest"])
        with pytest.raises(RpcError):
            client.call("eth_getBlockByNumber", ["not-a-block", False])
    finally:
        client.close()
    assert seen[-2:] == [("eth_call", "reverted"), ("eth_getBlockByNumber", "error")]
    dead = RpcClient.http(f"http://127.0.0.1:{free_port()}", retries=0, observer=lambda m, ok: seen.append((m, ok)))
    with pytest.raises(RpcUnreachableError):
        dead.call("eth_chainId", [])
    assert seen[-1] == ("eth_chainId", "unanswered")


def test_a_proved_receipt_counts_cycles_and_segments(app_chain: App, tmp_path: Path) -> None:
    """The real modes' accounting, without proving for minutes: what `_run` hands the metrics for a composite
    receipt, and for a fake proof whose cycles were only counted (a vgas budget)."""
    head = app_chain.head()
    preflight = app_chain.preflight(bytes.fromhex(svc.balance_call(app_chain)["data"][2:]), head)
    store = JobStore(f"sqlite:///{tmp_path / 'j.db'}")
    metrics = ServiceMetrics(store)
    try:
        times = {"preflight": 0.2, "guest": 0.01, "zkvm_execute": 1.5, "proving": 55.0}
        composite = Proven(None, b"", preflight, ProofModeName.COMPOSITE, times, cycles=2_500_000, receipt=b"r",
                           segments=3)  # fmt: skip
        metrics.job_done(composite, 62.0)
        counted = Proven(None, b"", preflight, ProofModeName.FAKE, {"preflight": 0.1}, cycles=7_000_000, segments=7)
        metrics.job_done(counted, 0.5)
        m = parse(metrics.render().decode())
    finally:
        store.close()
    assert m[("vlayer_zkvm_cycles_proved_total", ())] == 2_500_000
    assert m[("vlayer_zkvm_segments_proved_total", ())] == 3
    assert by_label(m, "vlayer_job_stage_seconds_count")["zkvm_execute"] == 1
    assert by_label(m, "vlayer_job_stage_seconds_sum")["total"] == 62.5
    buckets = series(m, "vlayer_job_stage_seconds_bucket")
    assert buckets[("30.0", "total")] == 1 and buckets[("60.0", "total")] == 1 and buckets[("120.0", "total")] == 2
