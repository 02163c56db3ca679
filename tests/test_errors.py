"""Every failure of the node or of the request is a typed VlayerError with a message a user can act on."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.conftest import Chain
from vlayer.chain.block import header_from_json, parse_block_ref
from vlayer.chain.forks import ChainSpec, spec_for_chain
from vlayer.devnet import Anvil
from vlayer.errors import (
    BlockNotFoundError,
    CallGasError,
    ChainError,
    InputError,
    RpcMethodUnsupportedError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
    UnsupportedForkError,
    VlayerError,
)
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import HttpTransport, RpcClient

CALL = CallRequest(to=b"\x00" * 19 + b"\x01")


def test_every_error_is_a_vlayer_error() -> None:
    for cls in (RpcUnreachableError, RpcTimeoutError, BlockNotFoundError, UnsupportedForkError, CallGasError):
        assert issubclass(cls, VlayerError)


def test_unreachable_node_after_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    client = RpcClient(HttpTransport(f"http://127.0.0.1:{port}", retries=2, backoff=0.01))
    with pytest.raises(RpcUnreachableError, match="connection refused"):
        preflight(client, CALL)
    assert client.stats.http_requests == 3


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


def test_timeout_after_retries(silent_server: str) -> None:
    client = RpcClient(HttpTransport(silent_server, timeout=0.2, retries=1, backoff=0.01))
    with pytest.raises(RpcTimeoutError, match=r"did not send its whole answer within 0\.2s"):
        preflight(client, CALL)


class _Proxy(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to anvil but lets a test rewrite answers per method."""

    upstream = ""
    override: Callable[[dict[str, Any]], dict[str, Any] | None] = staticmethod(lambda req: None)

    def do_POST(self) -> None:
        import requests

        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        reqs = body if isinstance(body, list) else [body]
        out = []
        for req in reqs:
            fake = type(self).override(req)
            if fake is None:
                fake = requests.post(self.upstream, json=req, timeout=10).json()
            out.append(fake)
        data = json.dumps(out if isinstance(body, list) else out[0]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def proxy(osaka_chain: Chain) -> Iterator[type[_Proxy]]:
    handler = type("Handler", (_Proxy,), {"upstream": osaka_chain.anvil.url})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def _not_found(method: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def override(req: dict[str, Any]) -> dict[str, Any] | None:
        if req["method"] == method:
            return {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": "method not found"}}
        return None

    return override


def test_missing_get_proof_names_the_method_and_what_to_enable(proxy: Any, osaka_chain: Chain) -> None:
    proxy.override = staticmethod(_not_found("eth_getProof"))
    with pytest.raises(
        RpcMethodUnsupportedError, match="does not support eth_getProof: use a node that serves EIP-1186"
    ):
        preflight(RpcClient.http(proxy.url), CallRequest(to=osaka_chain.d.corpus), chain_spec=ChainSpec.dev("osaka"))


def test_missing_access_list_falls_back_to_lazy_fetching(proxy: Any, osaka_chain: Chain) -> None:
    proxy.override = staticmethod(_not_found("eth_createAccessList"))
    from tests.support.corpus import calldata

    data = calldata("wideSum(uint256)", ["uint256"], [10])
    r = preflight(RpcClient.http(proxy.url), CallRequest(to=osaka_chain.d.corpus, data=data), osaka_chain.block,
                  chain_spec=ChainSpec.dev("osaka"))  # fmt: skip
    assert r.success and r.access.slot_count == 10


def test_node_error_is_reported_with_its_code(proxy: Any, osaka_chain: Chain) -> None:
    def override(req: dict[str, Any]) -> dict[str, Any] | None:
        if req["method"] == "eth_getProof":
            return {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32000, "message": "missing trie node"}}
        return None

    proxy.override = staticmethod(override)
    with pytest.raises(RpcResponseError, match=r"eth_getProof failed: missing trie node \(code -32000\)"):
        preflight(RpcClient.http(proxy.url), CallRequest(to=osaka_chain.d.corpus), chain_spec=ChainSpec.dev("osaka"))


def test_block_that_does_not_exist(osaka_chain: Chain) -> None:
    with pytest.raises(BlockNotFoundError, match="does not exist"):
        preflight(osaka_chain.client(), CALL, osaka_chain.block + 1000, chain_spec=ChainSpec.dev("osaka"))


def test_dev_chain_hardfork_mismatch_is_refused(osaka_chain: Chain) -> None:
    with pytest.raises(UnsupportedForkError, match="runs hardfork 'osaka' but the chain spec says 'prague'"):
        preflight(osaka_chain.client(), CALL, chain_spec=ChainSpec.dev("prague"))


def test_dev_genesis_block_is_refused(anvil: Anvil) -> None:
    with pytest.raises(ChainError, match="block 0 of a dev chain cannot be proven"):
        preflight(RpcClient.http(anvil.url), CALL, 0)


def test_default_anvil_spec_matches_default_anvil(anvil: Anvil) -> None:
    anvil.rpc("evm_mine")
    r = preflight(RpcClient.http(anvil.url), CALL)
    assert r.success and r.fork.label == "osaka"


def test_pre_cancun_blocks_are_refused() -> None:
    mainnet = spec_for_chain(1)
    with pytest.raises(UnsupportedForkError, match=r"predates cancun .*: it runs shanghai"):
        mainnet.fork_at(1_700_000_000)
    assert mainnet.fork_at(1_746_612_311).label == "prague"
    assert mainnet.fork_at(1_780_000_000).label == "osaka"
    assert mainnet.blob_params_at(1_780_000_000).max == 21


def test_unknown_chain_needs_a_spec() -> None:
    with pytest.raises(UnsupportedForkError, match="no built-in schedule"):
        spec_for_chain(424242)


def test_spec_for_another_chain_is_refused(osaka_chain: Chain) -> None:
    with pytest.raises(UnsupportedForkError, match="is for chain 1"):
        preflight(osaka_chain.client(), CALL, chain_spec=spec_for_chain(1))


def test_gas_above_osaka_cap_is_refused(osaka_chain: Chain) -> None:
    with pytest.raises(CallGasError, match="EIP-7825"):
        preflight(osaka_chain.client(), CallRequest(to=CALL.to, gas=2**24 + 1), chain_spec=ChainSpec.dev("osaka"))


def test_gas_below_intrinsic_is_refused(osaka_chain: Chain) -> None:
    with pytest.raises(CallGasError, match="below the call's intrinsic cost 21000"):
        preflight(osaka_chain.client(), CallRequest(to=CALL.to, gas=20_000), chain_spec=ChainSpec.dev("osaka"))


def test_header_from_a_later_fork_is_refused(osaka_chain: Chain) -> None:
    obj = osaka_chain.anvil.rpc("eth_getBlockByNumber", "latest", False)
    obj["blockAccessListHash"] = "0x" + "00" * 32
    with pytest.raises(UnsupportedForkError, match="that no fork this vlayer knows has"):
        header_from_json(obj)


@pytest.mark.parametrize("bad", ["-1", "soon", "0xzz", "pending"])
def test_bad_block_reference(bad: str) -> None:
    with pytest.raises(InputError):
        parse_block_ref(bad)
