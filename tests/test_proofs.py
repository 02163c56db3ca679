"""Distrust the node: every lie in a proof, an echoed field or a header is caught before it can be used."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import rlp

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata
from vlayer.chain.forks import ChainSpec
from vlayer.errors import HeaderMismatchError, ProofMismatchError, ProofVerificationError
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.proofs.bundle import ProofBundle, StorageClaim, verify_bundle
from vlayer.rpc import HttpTransport, RpcClient
from vlayer.rpc.transport import JsonObj

Mutator = Callable[[JsonObj, JsonObj], None]


class TamperTransport(HttpTransport):
    """A node that lies: `mutate(request, response)` edits answers before the client sees them."""

    def __init__(self, url: str, mutate: Mutator) -> None:
        super().__init__(url)
        self.mutate = mutate

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        resps = super().send(reqs)
        for req, resp in zip(reqs, resps, strict=True):
            self.mutate(req, resp)
        return resps


def _flip_hex(h: str, at: int = -1) -> str:
    digits = list(h)
    digits[at] = "0" if digits[at] != "0" else "1"
    return "".join(digits)


def _balance_call(chain: Chain) -> CallRequest:
    return CallRequest(to=chain.d.corpus, data=calldata("balanceOf(address)", ["address"], [HOLDERS[1]]))


def _run(chain: Chain, mutate: Mutator, call: CallRequest | None = None) -> PreflightResult:
    client = RpcClient(TamperTransport(chain.anvil.url, mutate))
    return preflight(client, call or _balance_call(chain), chain.block, chain_spec=ChainSpec.dev(chain.hardfork))


def _on(method: str, edit: Callable[[Any], None]) -> Mutator:
    def mutate(req: JsonObj, resp: JsonObj) -> None:
        if req["method"] == method and "result" in resp:
            edit(resp["result"])

    return mutate


def test_honest_node_passes(osaka_chain: Chain) -> None:
    assert _run(osaka_chain, lambda req, resp: None).success


def test_lying_balance_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        res["balance"] = hex(int(res["balance"], 16) + 1)

    with pytest.raises(ProofMismatchError, match="echoed fields differ"):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_corrupt_account_proof_node_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        res["accountProof"][-1] = _flip_hex(res["accountProof"][-1], 40)

    with pytest.raises((ProofVerificationError, ProofMismatchError)):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_truncated_account_proof_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        res["accountProof"] = res["accountProof"][:-1]

    with pytest.raises(ProofVerificationError, match="proof lacks trie node"):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_lying_storage_value_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        for entry in res["storageProof"]:
            entry["value"] = hex(int(entry["value"], 16) + 1)

    with pytest.raises(ProofMismatchError, match="echoed value differs"):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_corrupt_storage_proof_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        for entry in res["storageProof"]:
            entry["proof"][0] = _flip_hex(entry["proof"][0], 20)

    with pytest.raises(ProofVerificationError):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_wrong_echoed_key_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        for entry in res["storageProof"]:
            entry["key"] = hex(int(entry["key"], 16) + 1)

    with pytest.raises(ProofMismatchError, match="echoed key"):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_wrong_echoed_address_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        res["address"] = "0x" + "00" * 19 + "01"

    with pytest.raises(ProofMismatchError, match="echoed address"):
        _run(osaka_chain, _on("eth_getProof", edit))


def test_wrong_code_is_caught(osaka_chain: Chain) -> None:
    def mutate(req: JsonObj, resp: JsonObj) -> None:
        if req["method"] == "eth_getCode" and resp.get("result", "0x") != "0x":
            resp["result"] = resp["result"][:-2] + "00"

    with pytest.raises(ProofMismatchError, match="does not hash to its proven code hash"):
        _run(osaka_chain, mutate)


def test_header_that_does_not_hash_is_caught(osaka_chain: Chain) -> None:
    def edit(res: JsonObj) -> None:
        res["gasUsed"] = hex(int(res["gasUsed"], 16) + 1)

    with pytest.raises(HeaderMismatchError, match="keccak"):
        _run(osaka_chain, _on("eth_getBlockByNumber", edit))


def test_broken_ancestor_chain_is_caught(osaka_chain: Chain) -> None:
    def mutate(req: JsonObj, resp: JsonObj) -> None:
        # A self-consistent header (its own hash matches) that is not the pinned block's ancestor.
        if req["method"] == "eth_getBlockByNumber" and req["params"][0] == hex(osaka_chain.block - 3):
            other = osaka_chain.anvil.rpc("eth_getBlockByNumber", hex(osaka_chain.block - 40), False)
            resp["result"] = other

    call = CallRequest(to=osaka_chain.d.corpus, data=calldata("hashes(uint256[])", ["uint256[]"], [[5]]))
    with pytest.raises(HeaderMismatchError, match="is not the parent"):
        _run(osaka_chain, mutate, call)


# --- bundle re-verification: mutate one field of a good bundle ------------------------------------------------


@pytest.fixture(scope="module")
def bundle(osaka_chain: Chain) -> ProofBundle:
    call = CallRequest(to=osaka_chain.d.corpus, data=calldata("hashes(uint256[])", ["uint256[]"], [[2]]))
    r = preflight(osaka_chain.client(), call, osaka_chain.block, chain_spec=ChainSpec.dev("osaka"))
    big = preflight(osaka_chain.client(), _balance_call(osaka_chain), osaka_chain.block,
                    chain_spec=ChainSpec.dev("osaka"))  # fmt: skip
    # One bundle with ancestors, storage and code: merge the two (same block, same state root).
    merged = dataclasses.replace(
        big.bundle,
        ancestors=r.bundle.ancestors,
        nodes=tuple(dict.fromkeys(big.bundle.nodes + r.bundle.nodes)),
    )
    verify_bundle(merged)
    return merged


def test_bundle_with_changed_slot_value_fails(bundle: ProofBundle) -> None:
    accounts = list(bundle.accounts)
    i = next(i for i, a in enumerate(accounts) if a.storage)
    st = accounts[i].storage[0]
    accounts[i] = dataclasses.replace(accounts[i], storage=(StorageClaim(st.slot, st.value + 1),))
    with pytest.raises(ProofMismatchError, match="proven value"):
        verify_bundle(dataclasses.replace(bundle, accounts=tuple(accounts)))


def test_bundle_with_changed_balance_fails(bundle: ProofBundle) -> None:
    accounts = list(bundle.accounts)
    accounts[0] = dataclasses.replace(accounts[0], balance=accounts[0].balance + 1)
    with pytest.raises(ProofMismatchError, match="proven state differs"):
        verify_bundle(dataclasses.replace(bundle, accounts=tuple(accounts)))


def test_bundle_missing_a_node_fails(bundle: ProofBundle) -> None:
    with pytest.raises(ProofVerificationError, match="lacks trie node"):
        verify_bundle(dataclasses.replace(bundle, nodes=bundle.nodes[1:]))


def test_bundle_with_tampered_code_fails(bundle: ProofBundle) -> None:
    """A missing code is the guest's to refuse when the code runs (`code 0x... not in input`); a code no proven
    account has is refused here."""
    tampered = (b"\x00" + bundle.codes[0], *bundle.codes[1:])
    with pytest.raises(ProofMismatchError, match="is no proven account's"):
        verify_bundle(dataclasses.replace(bundle, codes=tampered))


def test_bundle_with_changed_header_fails(bundle: ProofBundle) -> None:
    fields = rlp.decode(bundle.header_rlp)
    fields[10] = b"\x01" + bytes(fields[10])  # gasUsed
    with pytest.raises(HeaderMismatchError, match="does not hash"):
        verify_bundle(dataclasses.replace(bundle, header_rlp=rlp.encode(fields)))


def test_bundle_with_changed_ancestor_fails(bundle: ProofBundle) -> None:
    fields = rlp.decode(bundle.ancestors[0])
    fields[12] = b"tampered"  # extraData
    ancestors = (rlp.encode(fields), *bundle.ancestors[1:])
    with pytest.raises(HeaderMismatchError, match="does not hash to its child's parent"):
        verify_bundle(dataclasses.replace(bundle, ancestors=ancestors))
