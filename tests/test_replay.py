"""Record/replay: a preflight session replays from a JSON recording with no node, and any miss fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata
from vlayer.chain.forks import ChainSpec
from vlayer.errors import ReplayMissError
from vlayer.hexutil import parse_address, parse_hex_bytes
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import HttpTransport, RecordingTransport, ReplayTransport, RpcClient

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize("name", ["erc20_balance_osaka", "blockhash_osaka", "travel_history_osaka"])
def test_committed_fixture_replays_without_a_node(name: str) -> None:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text())
    call = CallRequest(to=parse_address(meta["to"]), data=parse_hex_bytes(meta["data"]))
    client = RpcClient(ReplayTransport(FIXTURES / f"{name}.json"))
    r = preflight(client, call, meta["block"], chain_spec=ChainSpec.dev("osaka"), node_check=False)
    assert "0x" + r.return_data.hex() == meta["return_data"]
    assert r.gas_used == meta["gas_used"]


def test_fixture_replay_fails_on_a_miss() -> None:
    meta = json.loads((FIXTURES / "erc20_balance_osaka.meta.json").read_text())
    other = CallRequest(to=parse_address(meta["to"]), data=calldata("balanceOf(address)", ["address"], [HOLDERS[3]]))
    client = RpcClient(ReplayTransport(FIXTURES / "erc20_balance_osaka.json"))
    with pytest.raises(ReplayMissError, match="no recorded answer for eth_createAccessList"):
        preflight(client, other, meta["block"], chain_spec=ChainSpec.dev("osaka"), node_check=False)


def test_record_then_replay_gives_the_same_result(osaka_chain: Chain, tmp_path: Path) -> None:
    call = CallRequest(to=osaka_chain.d.corpus, data=calldata("sumBalances(address[])", ["address[]"], [HOLDERS]))
    recorder = RecordingTransport(HttpTransport(osaka_chain.anvil.url))
    live = preflight(RpcClient(recorder), call, osaka_chain.block, chain_spec=ChainSpec.dev("osaka"))
    recorder.save(tmp_path / "session.json")
    replayed = preflight(
        RpcClient(ReplayTransport(tmp_path / "session.json")), call, osaka_chain.block,
        chain_spec=ChainSpec.dev("osaka"),
    )  # fmt: skip
    assert replayed.return_data == live.return_data
    assert replayed.gas_used == live.gas_used
    assert replayed.bundle == live.bundle


def test_replay_rejects_an_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"version": 99, "calls": []}))
    with pytest.raises(ReplayMissError, match="unsupported recording version"):
        ReplayTransport(tmp_path / "bad.json")
