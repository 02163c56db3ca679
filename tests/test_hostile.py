"""A hostile client or node gets a typed error, never a crash, a bypass or a silently different block (issue 23).

Each test reproduces one attack found by probing (D1-D10): a hostile node is `HostileNode` in front of a real anvil,
a hostile client a raw HTTP request to a real `vlayer serve` process, which must still answer afterwards.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import Chain
from tests.support.corpus import calldata
from tests.support.hostile import HostileNode, on, without
from tests.support.service import ENV, PausableProxy, Serve
from vlayer import jsonsafe
from vlayer.chain.forks import ChainSpec
from vlayer.errors import (
    ChainError,
    InputError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
    UnsupportedForkError,
)
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.preflight.node_check import NodeDisagreementError
from vlayer.preflight.proofdb import MAX_HINT_ACCOUNTS
from vlayer.rpc import HttpTransport, RpcClient
from vlayer.service.settings import ChainConfig, Settings

OSAKA = ChainSpec.dev("osaka")
DEEP = b"[" * 100_000


@pytest.fixture()
def node(osaka_chain: Chain) -> Iterator[HostileNode]:
    n = HostileNode(osaka_chain.anvil.url)
    yield n
    n.close()


def client(node: HostileNode, **kw: Any) -> RpcClient:
    return RpcClient(HttpTransport(node.url, retries=0, **kw))


def balance_call(chain: Chain) -> CallRequest:
    return CallRequest(to=chain.d.corpus, data=calldata("wideSum(uint256)", ["uint256"], [3]))


def raw_for(method: str, body: bytes) -> Any:
    return lambda calls: body if any(c.get("method") == method for c in calls) else None


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vlayer.cli", *args], env=ENV, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


# --- D1: deeply nested JSON ---------------------------------------------------------------------------------------


def test_nesting_is_measured_without_recursion() -> None:
    assert jsonsafe.nesting_depth(b'{"a": ["[[[", {"b": "\\"]]"}]}') == 3
    with pytest.raises(jsonsafe.UntrustedJsonError, match="nested 100000 levels deep, above the limit of 128"):
        jsonsafe.loads(DEEP)
    # An unterminated string full of quotes is scanned once, not once per quote.
    with pytest.raises(jsonsafe.UntrustedJsonError):
        jsonsafe.loads(b'"' + b'\\"' * 200_000)
    # At the limit and one past it; brackets inside strings count toward no depth, however many there are.
    assert jsonsafe.loads(b"[" * 128 + b"]" * 128) is not None
    with pytest.raises(jsonsafe.UntrustedJsonError, match="nested 129 levels deep, above the limit of 128"):
        jsonsafe.loads(b"[" * 129 + b"]" * 129)
    assert jsonsafe.loads(b'["' + b"[{" * 1000 + b'\\"", {"a": "]"}]') == ["[{" * 1000 + '"', {"a": "]"}]


def test_deeply_nested_node_answer_is_a_typed_error(node: HostileNode, osaka_chain: Chain) -> None:
    node.raw = raw_for("eth_getProof", DEEP)
    with pytest.raises(RpcResponseError, match="not usable JSON: nested 100000 levels deep, above the limit of 128"):
        preflight(client(node), balance_call(osaka_chain), chain_spec=OSAKA)
    run = cli("preflight", "--rpc-url", node.url, "--hardfork", "osaka", "--to", "0x" + osaka_chain.d.corpus.hex())
    assert run.returncode == 3, run.stderr
    assert run.stderr.strip().splitlines()[-1].endswith("nested 100000 levels deep, above the limit of 128")


# --- D3: a node that trickles its answer ----------------------------------------------------------------------------


def test_trickling_node_meets_the_deadline(node: HostileNode, osaka_chain: Chain) -> None:
    answer = requests.post(osaka_chain.anvil.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).content
    node.raw = raw_for("eth_chainId", answer + b" " * 4000)  # a byte every 0.2 s: 13 minutes for the whole
    node.trickle = (0.2, 1)
    rpc = client(node, timeout=1.5)
    with pytest.raises(RpcTimeoutError, match=r"did not send its whole answer within 1\.5s"):
        rpc.call("eth_chainId", [])
    # The CLI's --timeout is that deadline too: one line, the RPC exit code.
    run = cli("preflight", "--rpc-url", node.url, "--timeout", "1", "--to", "0x" + osaka_chain.d.corpus.hex())
    assert run.returncode == 3, run.stderr
    assert "did not send its whole answer within 1.0s" in run.stderr.strip().splitlines()[-1]
    assert "Traceback" not in run.stderr


# --- D4, D6: malformed answers fail as RPC errors, before any use -----------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (without("nonce"), "eth_getProof failed: malformed answer: nonce: field required"),
        (without("codeHash"), "eth_getProof failed: malformed answer: codeHash: field required"),
        (lambda r: {**r, "balance": 7}, "malformed answer: balance: input should be a valid string"),
        (lambda r: None, "eth_getProof failed: malformed answer: result: input should be a valid dictionary"),
        (lambda r: "0x12", "eth_getProof failed: malformed answer: result: input should be a valid dictionary"),
        (lambda r: [r], "eth_getProof failed: malformed answer: result: input should be a valid dictionary"),
        (lambda r: {**r, "storageProof": ["0x00"]}, "malformed answer: storageProof.0: input should be a valid dict"),
    ],
)
def test_malformed_proof_answers_are_rpc_errors(
    node: HostileNode, osaka_chain: Chain, change: Any, message: str
) -> None:
    node.answer = on("eth_getProof", change)
    with pytest.raises(RpcResponseError, match=message):
        preflight(client(node), balance_call(osaka_chain), chain_spec=OSAKA, prefetch=False)


def test_unproven_account_is_never_read_as_absent(node: HostileNode, osaka_chain: Chain) -> None:
    """D4 through the CLI: before, `--no-guest` printed 0x with exit 0 for a deployed contract."""
    node.answer = on("eth_getProof", without("balance"))
    data = "0x" + balance_call(osaka_chain).data.hex()
    run = cli("preflight", "--rpc-url", node.url, "--hardfork", "osaka", "--no-guest",
              "--to", "0x" + osaka_chain.d.corpus.hex(), "--data", data)  # fmt: skip
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout == ""
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .startswith("error: eth_getProof failed: malformed answer: balance: field required (got {")
    )


def test_malformed_ancestor_header_is_an_rpc_error(node: HostileNode, osaka_chain: Chain) -> None:
    data = calldata("hashes(uint256[])", ["uint256[]"], [[1, 2]])
    pin = osaka_chain.block
    node.answer = on("eth_getBlockByNumber", lambda r: {}, only=lambda c: c["params"][0] != hex(pin))
    with pytest.raises(RpcResponseError, match="eth_getBlockByNumber failed: malformed answer: hash: field required"):
        preflight(client(node), CallRequest(to=osaka_chain.d.corpus, data=data), pin, chain_spec=OSAKA)


def test_malformed_access_list_hint_is_dropped(node: HostileNode, osaka_chain: Chain) -> None:
    node.answer = on("eth_createAccessList", lambda r: {"accessList": [{"storageKeys": []}]})
    r = preflight(client(node), balance_call(osaka_chain), osaka_chain.block, chain_spec=OSAKA)
    direct = preflight(osaka_chain.client(), balance_call(osaka_chain), osaka_chain.block, chain_spec=OSAKA)
    assert r.success and r.return_data == direct.return_data


def test_answer_cut_mid_stream(node: HostileNode) -> None:
    answer = b'{"jsonrpc":"2.0","id":1,"result":"0x7a69"}'
    node.raw = raw_for("eth_chainId", answer)
    node.cut_after = 20  # the connection closes 20 bytes into a 42-byte answer
    with pytest.raises(RpcUnreachableError, match=r"the answer was cut off"):
        client(node).call("eth_chainId", [])


# --- D5: the block the node serves must be the one asked for -----------------------------------------------------


def test_node_serving_another_block_is_refused(node: HostileNode, osaka_chain: Chain) -> None:
    asked = osaka_chain.block
    node.answer = lambda call, got: (
        requests.post(osaka_chain.anvil.url, json={**call, "params": [hex(asked - 5), False]}).json()
        if call["method"] == "eth_getBlockByNumber" and call["params"][0] == hex(asked)
        else got
    )
    with pytest.raises(RpcResponseError, match=f"asked for block {asked}, the node answered block {asked - 5}"):
        preflight(client(node), balance_call(osaka_chain), asked, chain_spec=OSAKA)


# --- D9: bounded reads and a bounded hint ------------------------------------------------------------------------


def test_oversized_node_answer_is_refused_before_it_is_read_whole(node: HostileNode) -> None:
    big = b'{"jsonrpc":"2.0","id":1,"result":"0x' + b"00" * 3_000_000 + b'"}'
    node.raw = raw_for("eth_chainId", big)
    with pytest.raises(RpcResponseError, match=r"answer is \d+ bytes, above the limit of 1048576"):
        client(node, max_response_bytes=1024 * 1024).call("eth_chainId", [])
    node.trickle = (0, 64 * 1024)  # chunked: no length up front, refused once past the limit
    with pytest.raises(RpcResponseError, match="answer is over the limit of 1048576 bytes"):
        client(node, max_response_bytes=1024 * 1024).call("eth_chainId", [])


def test_huge_access_list_hint_is_dropped_not_fetched(node: HostileNode, osaka_chain: Chain) -> None:
    junk = [{"address": "0x" + i.to_bytes(20, "big").hex(), "storageKeys": []} for i in range(1, 10_001)]
    node.answer = on("eth_createAccessList", lambda r: {**r, "accessList": r["accessList"] + junk})
    rpc = client(node)
    r = preflight(rpc, balance_call(osaka_chain), osaka_chain.block, chain_spec=OSAKA)
    assert r.success and len(junk) > MAX_HINT_ACCOUNTS
    # As many proofs as without any hint: one per account and slot the call reads, not one per junk address.
    lazy = RpcClient.http(osaka_chain.anvil.url)
    preflight(lazy, balance_call(osaka_chain), osaka_chain.block, chain_spec=OSAKA, prefetch=False)
    assert rpc.stats.by_method["eth_getProof"] == lazy.stats.by_method["eth_getProof"] == 4


# --- D10 and unknown rules: the chain id and the node's own view -------------------------------------------------


def test_node_misreporting_its_chain_is_refused(node: HostileNode, osaka_chain: Chain) -> None:
    node.answer = on("eth_chainId", lambda r: hex(31338))
    with pytest.raises(ChainError, match=r"says chain 31338 \(eth_chainId\) but its EVM runs chain 31337"):
        preflight(client(node), balance_call(osaka_chain), chain_spec=ChainSpec.dev("osaka", 31338))
    run = cli("preflight", "--rpc-url", node.url, "--chain-id", "31337", "--to", "0x" + osaka_chain.d.corpus.hex())
    assert run.returncode == 4, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "error: the RPC node serves chain 31338, not chain 31337 (--chain-id)"


def test_header_with_a_field_of_an_unknown_fork_is_refused(node: HostileNode, osaka_chain: Chain) -> None:
    pin = osaka_chain.block
    node.answer = on("eth_getBlockByNumber", lambda r: {**r, "blockAccessListHash": "0x" + "11" * 32})
    got = requests.post(osaka_chain.anvil.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber",
                                                     "params": [hex(pin), False]}).json()["result"]  # fmt: skip
    with pytest.raises(UnsupportedForkError) as err:
        preflight(client(node), balance_call(osaka_chain), pin, chain_spec=OSAKA)
    assert str(err.value) == (
        f"block {pin} ({got['hash']}): its header has field(s) blockAccessListHash that no fork this vlayer knows "
        "has (it knows headers up to Osaka): a later fork's block, refused rather than executed under older rules"
    )


def test_header_of_another_fork_than_the_schedule_says_is_refused(node: HostileNode, osaka_chain: Chain) -> None:
    # A schedule that says Cancun for a chain whose headers carry Prague's fields (anvil's hardfork check is what
    # would catch it first on a dev chain, so the node hides it, as a non-anvil node would).
    node.answer = lambda call, got: (
        {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32601, "message": "method not found"}}
        if call["method"] == "anvil_nodeInfo"
        else got
    )
    pin = osaka_chain.block
    block_hash = osaka_chain.anvil.rpc("eth_getBlockByNumber", hex(pin), False)["hash"]
    with pytest.raises(UnsupportedForkError) as err:
        preflight(client(node), balance_call(osaka_chain), pin, chain_spec=ChainSpec.dev("cancun"))
    assert str(err.value) == (
        f"block {pin} ({block_hash}): its header has the fields of a Prague/Osaka block, but dev-cancun's "
        "schedule puts it under cancun (Cancun fields): the chain runs a fork this vlayer does not know; refused"
    )


def test_node_whose_eth_call_disagrees_is_refused(node: HostileNode, osaka_chain: Chain) -> None:
    call = balance_call(osaka_chain)
    real = preflight(osaka_chain.client(), call, osaka_chain.block, chain_spec=OSAKA)
    other = "0x" + (int.from_bytes(real.return_data, "big") + 1).to_bytes(32, "big").hex()
    node.answer = on("eth_call", lambda r: other, only=lambda c: "to" in c["params"][0])
    with pytest.raises(NodeDisagreementError) as err:
        preflight(client(node), call, osaka_chain.block, chain_spec=OSAKA)
    assert str(err.value) == (
        f"block {osaka_chain.block} (0x{real.block_hash.hex()}): the node computes success with return data "
        f"{other}; this build computes success with return data 0x{real.return_data.hex()}: a fork this vlayer "
        "does not know, or a bug; nothing is proved (--no-node-check skips this check for a node whose eth_call "
        "is unreliable)"
    )
    # Switched off, the node is not asked (and the proven result is the preflight's).
    before = len(node.received)
    skipped = preflight(client(node), call, osaka_chain.block, chain_spec=OSAKA, node_check=False)
    assert skipped.return_data == real.return_data
    assert "eth_call" not in node.received[before:]


def test_revert_agrees_with_the_node(osaka_chain: Chain) -> None:
    call = CallRequest(to=osaka_chain.d.corpus, data=calldata("failWithReason()", [], []))
    r = preflight(osaka_chain.client(), call, osaka_chain.block, chain_spec=OSAKA)
    assert not r.success and r.revert_reason


# --- D2, D7, D8, D9, D1 and D5 against the service process ------------------------------------------------------


def test_empty_auth_token_is_refused_at_start_up(osaka_chain: Chain, tmp_path: Path) -> None:
    for token in ("", "  "):
        with pytest.raises(InputError, match="the auth token is empty"):
            Settings(chains={31337: ChainConfig(osaka_chain.anvil.url, "osaka")}, dev_mode=True, auth_token=token)
    args = ["serve", "--dev", "--rpc-url", f"31337={osaka_chain.anvil.url}", "--db", f"sqlite:///{tmp_path}/j.db"]
    run = cli(*args, "--auth-token", "", timeout=60)
    assert run.returncode == 2 and run.stderr.strip().splitlines()[-1].startswith("error: the auth token is empty")
    run = subprocess.run([sys.executable, "-m", "vlayer.cli", *args], env={**ENV, "VLAYER_AUTH_TOKEN": ""},
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2 and "the auth token is empty" in run.stderr


@pytest.fixture()
def served(osaka_chain: Chain, tmp_path: Path) -> Iterator[tuple[Serve, PausableProxy]]:
    proxy = PausableProxy(osaka_chain.anvil.url)
    with Serve(proxy.url, tmp_path / "jobs.db", "osaka", "--max-body-kb", "256", "--rpc-timeout", "5") as serve:
        yield serve, proxy
    proxy.close()


def post(serve: Serve, body: bytes, timeout: float = 30) -> dict[str, Any]:
    resp = requests.post(serve.url, data=body, headers={"content-type": "application/json"}, timeout=timeout)
    assert resp.status_code == 200, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def alive(serve: Serve) -> bool:
    assert serve.proc is not None
    return serve.proc.poll() is None and requests.get(serve.url + "health", timeout=10).json()["status"] == "ok"


def test_hostile_bodies_get_typed_errors_and_the_service_lives(
    served: tuple[Serve, PausableProxy], osaka_chain: Chain
) -> None:
    serve, _ = served
    # D1: 100,000 nested brackets (a SIGSEGV before).
    assert post(serve, DEEP)["error"] == {
        "code": -32700, "message": "parse error: nested 100000 levels deep, above the limit of 32"}  # fmt: skip
    # D7: integers past CPython's digit limit, in the id and in the block number (HTTP 500 before).
    for body in (
        b'{"jsonrpc":"2.0","id":' + b"9" * 5000 + b',"method":"v_versions"}',
        b'{"jsonrpc":"2.0","id":1,"method":"v_call","params":[{"to":"0x'
        + b"11" * 20
        + b'"},{"chain_id":31337,"block_number":'
        + b"1" * 5000
        + b"}]}",
    ):
        error = post(serve, body)["error"]
        assert error["code"] == -32700 and error["message"].startswith("parse error: Exceeds the limit (4300 digits)")
    # D9: a body over the limit is refused from its declared length, and a chunked one once it passes the limit.
    big = b'{"jsonrpc":"2.0","id":1,"method":"v_versions","pad":"' + b"a" * 300_000 + b'"}'
    limit_error = {"code": -32600, "message": "the request body is over this service's limit of 262144 bytes"}
    assert post(serve, big)["error"] == limit_error
    chunked = requests.post(serve.url, data=iter([big[i : i + 8192] for i in range(0, len(big), 8192)]), timeout=30)
    assert chunked.json()["error"] == limit_error
    # D5: the service pins the block asked for, or refuses (here: one the node does not have).
    to, ahead = "0x" + osaka_chain.d.corpus.hex(), osaka_chain.block + 1000
    v_call = {"jsonrpc": "2.0", "id": 2, "method": "v_call",
              "params": [{"to": to}, {"chain_id": 31337, "block_number": ahead}]}  # fmt: skip
    assert post(serve, json.dumps(v_call).encode())["error"]["code"] == -32003
    assert alive(serve)


def test_job_on_a_trickling_node_fails_typed_and_nothing_is_lost(
    node: HostileNode, osaka_chain: Chain, tmp_path: Path
) -> None:
    """D3 in the service: the job fails with the upstream code (-32000) once the deadline passes, not -32603."""
    with Serve(node.url, tmp_path / "jobs.db", "osaka", "--rpc-timeout", "2") as serve:
        # D5 through the service: a node answering block N-5 for block N is refused at once, nothing accepted.
        asked = osaka_chain.block
        node.answer = lambda call, got: (
            requests.post(osaka_chain.anvil.url, json={**call, "params": [hex(asked - 5), False]}).json()
            if call["method"] == "eth_getBlockByNumber" and call["params"][0] == hex(asked)
            else got
        )
        to = "0x" + osaka_chain.d.corpus.hex()
        pinned = {"jsonrpc": "2.0", "id": 3, "method": "v_call",
                  "params": [{"to": to}, {"chain_id": 31337, "block_number": asked}]}  # fmt: skip
        assert post(serve, json.dumps(pinned).encode())["error"] == {
            "code": -32000,
            "message": f"eth_getBlockByNumber failed: asked for block {asked}, the node answered block {asked - 5}",
        }
        node.answer = None
        v_call = {"jsonrpc": "2.0", "id": 1, "method": "v_call",
                  "params": [{"to": "0x" + osaka_chain.d.corpus.hex()}, {"chain_id": 31337}]}  # fmt: skip
        # v_call reads the target's account (code at the pinned block) itself: that first eth_getProof is answered,
        # the job's preflight's trickle.
        proofs_asked = itertools.count()
        node.raw = lambda calls: (
            (b" " * 2000) if any(c["method"] == "eth_getProof" for c in calls) and next(proofs_asked) > 0 else None
        )
        node.trickle = (0.2, 1)
        job = post(serve, json.dumps(v_call).encode())["result"]
        receipt: dict[str, Any] = {}
        for _ in range(600):
            receipt = post(serve, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "v_getProofReceipt",
                                              "params": {"hash": job}}).encode())["result"]  # fmt: skip
            if receipt["status"] == 0 or receipt["state"] == "done":
                break
            time.sleep(0.1)
        assert receipt["status"] == 0 and receipt["state"] == "preflight"
        assert receipt["error_detail"]["code"] == -32000
        assert "did not send its whole answer within 2.0s" in receipt["error"]
        assert alive(serve)


def test_health_answers_while_calls_wait_on_a_stalled_node(
    served: tuple[Serve, PausableProxy], osaka_chain: Chain
) -> None:
    """D8: 60 v_calls whose block pinning waits on the node do not hold up /health."""
    serve, proxy = served
    proxy.pause(frozenset({"eth_getBlockByNumber"}))
    body = lambda i: json.dumps({"jsonrpc": "2.0", "id": i, "method": "v_call",  # noqa: E731
                                 "params": [{"to": "0x" + osaka_chain.d.corpus.hex()},
                                            {"chain_id": 31337, "block_number": osaka_chain.block}]})  # fmt: skip
    waiting = [
        threading.Thread(target=lambda i=i: requests.post(serve.url, data=body(i), timeout=60)) for i in range(60)
    ]
    for t in waiting:
        t.start()
    try:
        assert requests.get(serve.url + "health", timeout=10).json()["status"] == "ok"
    finally:
        proxy.resume()
        for t in waiting:
            t.join(60)
    assert alive(serve)
