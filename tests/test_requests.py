"""Round trips stay flat as a call grows: the access-list prefetch plus JSON-RPC batches."""

from __future__ import annotations

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata
from vlayer.chain.forks import ChainSpec
from vlayer.preflight.execute import CallRequest, preflight


def _requests(chain: Chain, data: bytes, *, prefetch: bool = True) -> tuple[int, int, int]:
    client = chain.client()
    r = preflight(client, CallRequest(to=chain.d.corpus, data=data), chain.block,
                  chain_spec=ChainSpec.dev(chain.hardfork), prefetch=prefetch)  # fmt: skip
    assert r.success
    return client.stats.http_requests, r.access.slot_count, len(r.access.accounts)


def test_http_requests_do_not_grow_with_slots(osaka_chain: Chain) -> None:
    counts = {}
    for n in (5, 60, 250):
        reqs, slots, accounts = _requests(osaka_chain, calldata("wideSum(uint256)", ["uint256"], [n]))
        assert slots == n and accounts == 1  # the corpus: the sender and coinbase are never read
        counts[n] = reqs
    assert len(set(counts.values())) == 1, counts


def test_http_requests_do_not_grow_with_slots_across_accounts(osaka_chain: Chain) -> None:
    few, slots_few, k_few = _requests(osaka_chain, calldata("sumBalances(address[])", ["address[]"], [HOLDERS[:1]]))
    many, slots_many, k_many = _requests(osaka_chain, calldata("sumBalances(address[])", ["address[]"], [HOLDERS]))
    assert k_few == k_many == 2 and slots_many > slots_few  # corpus, token
    assert few == many


def test_without_prefetch_every_slot_is_a_round_trip(osaka_chain: Chain) -> None:
    """The control for the tests above: the lazy path alone is complete, but costs a request per slot."""
    small, _, _ = _requests(osaka_chain, calldata("wideSum(uint256)", ["uint256"], [5]), prefetch=False)
    large, _, _ = _requests(osaka_chain, calldata("wideSum(uint256)", ["uint256"], [60]), prefetch=False)
    assert large - small == 55


def test_proof_keys_are_chunked_at_1000_per_request(osaka_chain: Chain) -> None:
    from vlayer.chain.block import pin_block
    from vlayer.preflight.proofdb import ProofDb

    client = osaka_chain.client()
    db = ProofDb(client, pin_block(client, osaka_chain.block))
    db.prefetch([], {osaka_chain.d.corpus: set(range(2500))})
    assert client.stats.by_method["eth_getProof"] == 3
    # Keys went out as full 32-byte words, and every one came back usable.
    assert db.stats.prefetch_slots == 2500
    corpus = osaka_chain.d.corpus
    assert db.storage(corpus, 2499) == 0
    assert db.storage(corpus, 0) == int.from_bytes(osaka_chain.d.token, "big")  # slot 0: `token`
    assert db.storage(corpus, 4) == 5  # slot 4: `counter`
    assert db.stats.lazy_slots == 0
