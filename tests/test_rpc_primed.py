"""Questions sent ahead in one batch (`RpcClient.primed`): each answered once, from that batch, with its own result or
its own error, in one HTTP request; and nothing sent ahead outlives its block."""

from __future__ import annotations

import pytest

from tests.conftest import Chain
from tests.support.corpus import calldata
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.errors import RpcMethodUnsupportedError
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import RpcClient


def test_answers_come_from_one_request_with_their_own_errors(osaka_chain: Chain) -> None:
    client = RpcClient.http(osaka_chain.anvil.url)
    calls = [("eth_chainId", []), ("eth_blockNumber", []), ("no_suchMethod", [])]
    with client.primed(calls):
        assert client.stats.http_requests == 1
        assert int(client.call("eth_chainId", []), 16) == 31337
        assert int(client.call("eth_blockNumber", []), 16) >= osaka_chain.block
        with pytest.raises(RpcMethodUnsupportedError):
            client.call("no_suchMethod", [])
        assert client.stats.http_requests == 1
        # Each answer is given once: asked again, the question goes to the node.
        client.call("eth_chainId", [])
        assert client.stats.http_requests == 2


def test_an_answer_not_asked_for_is_dropped_with_its_block(anvil: Anvil) -> None:
    client = RpcClient.http(anvil.url)
    with client.primed([("eth_blockNumber", [])]):
        pass
    before = int(client.call("eth_blockNumber", []), 16)
    assert client.stats.http_requests == 2  # asked anew, not served from the dropped answer
    anvil.rpc("evm_mine")
    with client.primed():
        client.prime([("eth_blockNumber", [])])
    assert int(client.call("eth_blockNumber", []), 16) == before + 1


def test_a_preflight_leaves_nothing_sent_ahead(osaka_chain: Chain) -> None:
    client = RpcClient.http(osaka_chain.anvil.url)
    call = CallRequest(to=osaka_chain.d.corpus, data=calldata("wideSum(uint256)", ["uint256"], [3]))
    r = preflight(client, call, osaka_chain.block, chain_spec=ChainSpec.dev("osaka"))
    assert r.success
    assert not client._primed.__dict__.get("answers")
    assert client._primed.__dict__.get("scopes") == []
