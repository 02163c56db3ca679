"""Differential test: preflight (py-evm over ProofDb) against anvil's own eth_call, on Prague and Osaka rules."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode

from tests.conftest import Chain
from tests.support.corpus import Deployment, corpus_calls
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import ToolError
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.proofs.bundle import verify_bundle

GAS = 16_000_000
_DUMMY = Deployment(b"\x00" * 20, b"\x00" * 20, b"\x00" * 20, b"\x00" * 20)
CALL_NAMES = [c.name for c in corpus_calls(_DUMMY)]


def anvil_reference(chain: Chain, to: bytes, data: bytes) -> tuple[bool, bytes, int]:
    obj = {"from": "0x" + "00" * 20, "to": "0x" + to.hex(), "data": "0x" + data.hex(), "gas": hex(GAS)}
    block = hex(chain.block)
    try:
        out, ok = chain.anvil.rpc("eth_call", obj, block), True
    except ToolError as exc:
        out, ok = getattr(exc, "data", None) or "0x", False
    trace: dict[str, Any] = chain.anvil.rpc(
        "debug_traceCall", obj, block, {"disableStorage": True, "disableStack": True, "disableMemory": True}
    )
    assert trace["failed"] is (not ok)
    return ok, bytes.fromhex(out[2:]), int(trace["gas"])


def run(chain: Chain, to: bytes, data: bytes) -> PreflightResult:
    return preflight(
        chain.client(), CallRequest(to=to, data=data, gas=GAS), chain.block, chain_spec=ChainSpec.dev(chain.hardfork)
    )


def test_corpus_is_large_enough() -> None:
    assert len(CALL_NAMES) >= 15


@pytest.mark.parametrize("name", CALL_NAMES)
def test_preflight_matches_anvil(chain: Chain, name: str) -> None:
    call = next(c for c in corpus_calls(chain.d) if c.name == name)
    ok, ref_out, ref_gas = anvil_reference(chain, call.to, call.data)
    result = run(chain, call.to, call.data)
    assert result.success is ok
    assert result.return_data == ref_out
    assert result.gas_used == ref_gas
    assert result.fork.label == chain.hardfork
    # The bundle re-verifies from scratch: header, ancestors, every account, slot and code.
    verify_bundle(result.bundle)
    assert set(result.access.accounts) == {a.address for a in result.bundle.accounts}
    assert call.to in result.access.accounts


def _result(chain: Chain, name: str) -> PreflightResult:
    call = next(c for c in corpus_calls(chain.d) if c.name == name)
    return run(chain, call.to, call.data)


def test_osaka_features_behave_as_specified(osaka_chain: Chain) -> None:
    """Not just equal to anvil: the Osaka features really ran (CLZ value, P256 accept/reject, MODEXP bound)."""
    assert decode(["uint256"], _result(osaka_chain, "clz").return_data)[0] == 55
    assert decode(["bool", "uint256"], _result(osaka_chain, "p256-valid").return_data) == (True, 32)
    assert decode(["bool", "uint256"], _result(osaka_chain, "p256-invalid").return_data) == (False, 0)
    ok, out, _ = decode(["bool", "bytes", "uint256"], _result(osaka_chain, "modexp-over-1024").return_data)
    assert (ok, out) == (False, b"")
    ok, out, _ = decode(["bool", "bytes", "uint256"], _result(osaka_chain, "modexp-small").return_data)
    assert (ok, out) == (True, bytes([pow(3, 5, 7)]))


def test_reverts_carry_decoded_reasons(osaka_chain: Chain) -> None:
    assert _result(osaka_chain, "revert-reason").revert_reason == "corpus: not allowed"
    assert _result(osaka_chain, "revert-panic").revert_reason == "panic 0x12 (division or modulo by zero)"
    custom = _result(osaka_chain, "revert-custom-error")
    assert custom.revert_reason is not None and custom.revert_reason.startswith("custom error 0xda472023")


def test_blockhash_reads_are_proven_by_ancestor_headers(osaka_chain: Chain) -> None:
    r = _result(osaka_chain, "blockhash")
    # back = [1, 2, 5, 0, 256, 257, 300]: 0 and >256 are outside the window and need no header.
    n = osaka_chain.block
    assert r.access.blockhash_numbers == tuple(sorted({n - 1, n - 2, n - 5, n - 256}))
    assert len(r.bundle.ancestors) == 255  # headers n-1 .. n-255 prove the hash of n-256
    hashes = decode(["bytes32[]"], r.return_data)[0]
    expected = [
        bytes.fromhex(osaka_chain.anvil.rpc("eth_getBlockByNumber", hex(n - k), False)["hash"][2:]) for k in (1, 2, 5)
    ]
    assert list(hashes[:3]) == expected
    assert hashes[3] == hashes[5] == hashes[6] == b"\x00" * 32


def test_absent_accounts_and_zero_slots_are_recorded(osaka_chain: Chain) -> None:
    from tests.support.corpus import ABSENT

    r = _result(osaka_chain, "absent-account-zero-slot")
    claims = {a.address: a for a in r.bundle.accounts}
    assert ABSENT in claims and not claims[ABSENT].exists
    corpus_claim = claims[osaka_chain.d.corpus]
    assert [s.value for s in corpus_claim.storage] == [0]
