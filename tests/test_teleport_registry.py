"""The dev L1's anchor-state registry (`vlayer.teleport.dev_registry`) on two real anvils, an L1 (31337) and an L2
(31338): installed at the table's address whatever the L1's nonces, an L2 block's output root published and read back
with `getAnchorRoot()` at the L1 block that mined it, and every refusal typed: a backward anchor, a stranger, a node
that is not an anvil."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3
from web3.exceptions import ContractCustomError

from vlayer.devnet import REPO_ROOT, Anvil, ToolError
from vlayer.errors import BlockNotFoundError, InputError, RpcMethodUnsupportedError
from vlayer.project import build_project
from vlayer.teleport.dev_registry import (
    DEV_REGISTRY_ADDRESS,
    AnchorRefusedError,
    install,
    load_artifact,
    publish,
)
from vlayer.teleport.output_root import MESSAGE_PASSER, output_root

HARDFORK = "osaka"
EMPTY_TRIE_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
NOTHING_ANCHORED = bytes(function_signature_to_4byte_selector("NothingAnchored()"))


@dataclass
class Pair:
    l1: Anvil
    l2: Anvil
    w3_l1: Web3
    w3_l2: Web3
    owner: str
    stranger: str


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    # contracts/out is what `install` reads by default; forge rebuilds only what changed.
    build_project(REPO_ROOT / "contracts")
    with Anvil(hardfork=HARDFORK) as l1, Anvil(hardfork=HARDFORK, chain_id=31338) as l2:
        w3_l1, w3_l2 = Web3(Web3.HTTPProvider(l1.url)), Web3(Web3.HTTPProvider(l2.url))
        owner, stranger = list(w3_l1.eth.accounts)[:2]
        # Account 0's first CREATE address is the registry's: the installer must not depend on its nonce.
        for _ in range(3):
            l1.transact({"from": owner, "to": stranger, "value": "0x1"})
            l2.transact({"from": owner, "to": stranger, "value": "0x1"})
        yield Pair(l1, l2, w3_l1, w3_l2, str(owner), str(stranger))


def _anchor_root(w3: Web3, block: int) -> tuple[bytes, int]:
    registry = w3.eth.contract(address=DEV_REGISTRY_ADDRESS, abi=load_artifact()["abi"])
    root, number = registry.functions.getAnchorRoot().call(block_identifier=block)
    return bytes(root), int(number)


def _expected_root(l2: Anvil, block: int) -> bytes:
    header = l2.rpc("eth_getBlockByNumber", hex(block), False)
    passer = l2.rpc("eth_getProof", "0x" + MESSAGE_PASSER.hex(), [], hex(block))
    # A plain anvil has no predeploys: the message passer's storage is the empty trie.
    assert bytes.fromhex(passer["storageHash"][2:]) == EMPTY_TRIE_ROOT
    return output_root(bytes.fromhex(header["stateRoot"][2:]), EMPTY_TRIE_ROOT, bytes.fromhex(header["hash"][2:]))


def test_the_address_is_the_tables() -> None:
    """chains/chains.json, which the guest is built from and the host reads, names this registry for 31337 -> 31338."""
    table = json.loads((REPO_ROOT / "chains" / "chains.json").read_text())
    (dev,) = [p for p in table["teleports"] if (p["l1"], p["l2"]) == (31337, 31338)]
    assert dev["anchor_state_registry"] == DEV_REGISTRY_ADDRESS


def test_install_publish_and_read_back(pair: Pair) -> None:
    registry = install(pair.w3_l1, pair.owner)
    assert registry.address == DEV_REGISTRY_ADDRESS
    assert registry.functions.owner().call() == pair.owner
    installed_at = pair.w3_l1.eth.block_number
    with pytest.raises(ContractCustomError) as nothing:
        registry.functions.getAnchorRoot().call()
    assert nothing.value.data == "0x" + NOTHING_ANCHORED.hex()

    l2_block = pair.w3_l2.eth.block_number
    root, mined = publish(registry, pair.w3_l2, l2_block, pair.owner)
    assert root == _expected_root(pair.l2, l2_block)
    assert mined > installed_at
    assert _anchor_root(pair.w3_l1, mined) == (root, l2_block)
    with pytest.raises(ContractCustomError):  # the L1 block before it anchors nothing yet
        _anchor_root(pair.w3_l1, mined - 1)

    pair.l2.rpc("anvil_mine", hex(2))
    later, mined_later = publish(registry, pair.w3_l2, l2_block + 2, pair.owner)
    assert later == _expected_root(pair.l2, l2_block + 2) != root
    assert _anchor_root(pair.w3_l1, mined_later) == (later, l2_block + 2)
    assert _anchor_root(pair.w3_l1, mined) == (root, l2_block), "the earlier L1 block keeps its anchor"


def test_a_backward_anchor_is_refused(pair: Pair) -> None:
    registry = install(pair.w3_l1, pair.owner)
    pair.l2.rpc("anvil_mine", hex(2))
    top = pair.w3_l2.eth.block_number
    root, _ = publish(registry, pair.w3_l2, top, pair.owner)
    for number in (top - 1, top):
        with pytest.raises(AnchorRefusedError) as refused:
            publish(registry, pair.w3_l2, number, pair.owner)
        assert refused.value.error == "AnchorNotNewer(uint256,uint256)"
        assert refused.value.revert == bytes(function_signature_to_4byte_selector(refused.value.error)) + encode(
            ["uint256", "uint256"], [number, top]
        )
        assert f"refused it with AnchorNotNewer({number}, {top})" in str(refused.value)
    assert _anchor_root(pair.w3_l1, pair.w3_l1.eth.block_number) == (root, top)


def test_a_stranger_cannot_anchor(pair: Pair) -> None:
    registry = install(pair.w3_l1, pair.owner)
    with pytest.raises(AnchorRefusedError) as refused:
        publish(registry, pair.w3_l2, pair.w3_l2.eth.block_number, pair.stranger)
    assert refused.value.error == "NotOwner(address)"
    assert f"NotOwner({pair.stranger.lower()})" in str(refused.value)


def test_install_again_starts_afresh(pair: Pair) -> None:
    registry = install(pair.w3_l1, pair.owner)
    publish(registry, pair.w3_l2, pair.w3_l2.eth.block_number, pair.owner)
    registry = install(pair.w3_l1, pair.stranger)
    assert registry.functions.owner().call() == pair.stranger
    assert registry.functions.pendingOwner().call() == "0x" + "00" * 20
    with pytest.raises(ContractCustomError):
        registry.functions.getAnchorRoot().call()
    publish(registry, pair.w3_l2, 1, pair.stranger)  # the old anchor no longer bounds the new one


def test_an_l2_block_the_node_lacks_is_refused(pair: Pair) -> None:
    registry = install(pair.w3_l1, pair.owner)
    with pytest.raises(BlockNotFoundError, match="the L2 node has no block 1000000"):
        publish(registry, pair.w3_l2, 1_000_000, pair.owner)


def test_bad_owners_and_missing_artifacts_are_refused(pair: Pair, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nonzero address"):
        install(pair.w3_l1, "0x" + "00" * 20)
    with pytest.raises(InputError, match="nonzero address"):
        install(pair.w3_l1, "alice")
    with pytest.raises(ToolError, match="forge build --offline"):
        load_artifact(tmp_path / "out" / "DevAnchorStateRegistry.sol" / "DevAnchorStateRegistry.json")


class _NotAnvil(BaseHTTPRequestHandler):
    """A node with only the standard namespaces, answering as geth does for a method it lacks."""

    def do_POST(self) -> None:  # http.server's handler name
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if request["method"] == "eth_chainId":
            body = {"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}
        else:
            message = f"the method {request['method']} does not exist/is not available"
            body = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": message}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # http.server's signature
        pass


def test_a_node_without_anvil_methods_is_refused() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotAnvil)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{server.server_address[1]}"))
        with pytest.raises(RpcMethodUnsupportedError) as refused:
            install(w3, "0x" + "11" * 20)
        assert refused.value.method == "anvil_setCode"
        assert "the L1 must be an anvil" in str(refused.value)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
