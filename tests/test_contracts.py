"""Dev-mode proofs on a real anvil: preflight a prover call at block N, run the native guest for its journal, seal
it as the fake mode does, and send it to a verifier contract (contracts/test/examples) through FakeProofVerifier.

Every rejection is checked by its exact custom error, so a test cannot pass on an unrelated revert.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_abi import decode, encode
from eth_utils import keccak

from tests.support.contracts import (
    HARDFORK,
    TEST_IMAGE_ID,
    App,
    call,
    custom_error,
    deploy,
    deploy_app,
    revert_of,
    selector,
    send,
)
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.guest import run_and_check
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.receipts.proof_encoding import PROOF_TYPE, Proof, ProofMode, Seal, fake_proof, verifier_calldata
from vlayer.rpc import RpcClient

CLAIM = selector(f"claim({PROOF_TYPE},address,uint256)")
CLAIM_ALL = selector(f"claimAll({PROOF_TYPE},address[],uint256[])")
VERIFICATION_FAILED = custom_error("VerificationFailed()", [], [])


@pytest.fixture(scope="module")
def app_chain() -> Iterator[App]:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        anvil.rpc("anvil_mine", hex(3))
        yield app


@pytest.fixture()
def app(app_chain: App) -> Iterator[App]:
    """Each test starts from the same chain: blocks it mines and state it changes are reverted after it."""
    snapshot = app_chain.anvil.rpc("evm_snapshot")
    yield app_chain
    assert app_chain.anvil.rpc("evm_revert", snapshot) is True


def balance_call(owner: bytes) -> bytes:
    return selector("balance(address)") + encode(["address"], [owner])


def test_dev_proof_is_accepted_from_block_n_plus_1_on(app: App) -> None:
    n = app.head()
    proof, journal = app.dev_proof(balance_call(app.holder), n)
    assert proof.call_assumptions.block_number == n
    assert proof.call_assumptions.block_hash == app.block_hash(n)
    data = verifier_calldata(CLAIM, proof, journal)

    # A real transaction, mined at N+1, acts on the proven output.
    receipt = send(app.anvil, app.owner, app.verifier, data)
    assert int(receipt["blockNumber"], 16) == n + 1
    assert app.proven_balance(app.holder) == 250 * 10**18
    (log,) = receipt["logs"]
    assert log["topics"][0] == "0x" + keccak(text="BalanceProven(address,uint256,uint256)").hex()
    assert decode(["uint256", "uint256"], bytes.fromhex(log["data"][2:])) == (250 * 10**18, n)
    future = custom_error("BlockFromFuture(uint256,uint256)", ["uint256", "uint256"], [n, n])
    assert revert_of(app.anvil, app.verifier, data, n) == future


def mine(anvil: Anvil, blocks: int) -> None:
    """In steps: anvil's time per block grows with the chain (EIP-2935's ring buffer fills a storage trie)."""
    for done in range(0, blocks, 500):
        anvil.rpc("anvil_mine", hex(min(500, blocks - done)))


def test_dev_proof_lives_8191_blocks_through_the_history_contract() -> None:
    """On Prague and later chains (an Osaka anvil has EIP-2935's history contract from genesis) a proof lives 8,191
    blocks: BLOCKHASH answers for 256, the history contract for the rest (issue 24)."""
    # anvil writes the states of older blocks to disk as it mines; keeping the last 400 in memory and dropping the
    # rest mines the 8,200 blocks in about half the time, and the checks below only read recent states.
    with Anvil(hardfork=HARDFORK, extra_args=("--prune-history", "400")) as anvil:
        app = deploy_app(anvil)
        app.mine(3)
        n = app.head()
        proof, journal = app.dev_proof(balance_call(app.holder), n)
        data = verifier_calldata(CLAIM, proof, journal)
        window = selector("settlementWindow()")
        assert decode(["uint256"], call(anvil, app.fake_verifier, window))[0] == 8191
        # anvil keeps the states of recent blocks only: each age is checked while its block is recent.
        for upto, ages in ((300, (1, 256, 257, 300)), (4100, (4096,)), (8200, (8191,))):
            mine(anvil, n + upto - app.head())
            for k in ages:
                assert call(anvil, app.verifier, data, n + k) == b"", f"rejected at N+{k}"
        for k in (8192, 8200):
            too_old = custom_error("BlockTooOld(uint256,uint256)", ["uint256", "uint256"], [n, n + k])
            assert revert_of(anvil, app.verifier, data, n + k) == too_old


def test_a_wrong_hash_past_blockhash_is_refused_through_the_history_contract(app: App) -> None:
    n = app.head()
    proof, journal = app.dev_proof(balance_call(app.holder), n)
    # The journal's settle block hash (its fifth word) swapped for another: a fake seal over that claim.
    forked = journal[:128] + keccak(text="fork") + journal[160:]
    assert journal[128:160] == proof.call_assumptions.block_hash
    app.mine(300)
    error = custom_error(
        "InvalidBlockHash(uint256,bytes32,bytes32)",
        ["uint256", "bytes32", "bytes32"],
        [n, app.block_hash(n), keccak(text="fork")],
    )
    data = verifier_calldata(CLAIM, fake_proof(TEST_IMAGE_ID, forked), forked)
    assert revert_of(app.anvil, app.verifier, data) == error


def test_without_the_history_contract_a_proof_lives_256_blocks() -> None:
    """A Cancun chain has no EIP-2935 contract: BLOCKHASH's 256 blocks, and the window says so."""
    with Anvil(hardfork="cancun") as anvil:
        app = deploy_app(anvil)
        app.mine(3)
        n = app.head()
        result = preflight(RpcClient.http(anvil.url), CallRequest(to=app.prover, data=balance_call(app.holder)), n,
                           chain_spec=ChainSpec.dev("cancun"))  # fmt: skip
        journal = run_and_check(result).journal
        data = verifier_calldata(CLAIM, fake_proof(TEST_IMAGE_ID, journal), journal)
        app.mine(300)
        assert decode(["uint256"], call(anvil, app.fake_verifier, selector("settlementWindow()")))[0] == 256
        assert call(anvil, app.verifier, data, n + 256) == b""
        too_old = custom_error("BlockTooOld(uint256,uint256)", ["uint256", "uint256"], [n, n + 257])
        assert revert_of(anvil, app.verifier, data, n + 257) == too_old


def test_dynamic_outputs_verify_byte_for_byte(app: App) -> None:
    owner = bytes.fromhex(app.owner[2:])
    data = selector("balances(address[])") + encode(["address[]"], [[app.holder, owner]])
    proof, journal = app.dev_proof(data, app.head())
    send(app.anvil, app.owner, app.verifier, verifier_calldata(CLAIM_ALL, proof, journal))
    assert app.proven_balance(owner) == 10**21
    assert app.proven_balance(app.holder) == 250 * 10**18


def test_rejected_on_another_chain(app: App) -> None:
    proof, journal = app.dev_proof(balance_call(app.holder), app.head())
    with Anvil(hardfork=HARDFORK, chain_id=1337) as other:
        # The same app on chain 1337, trusting the prover of chain 31337.
        elsewhere = deploy_app(other, verifier_prover=app.prover)
        elsewhere.mine(3)
        error = custom_error("InvalidChainId(uint256,uint256)", ["uint256", "uint256"], [1337, 31337])
        assert revert_of(other, elsewhere.verifier, verifier_calldata(CLAIM, proof, journal)) == error


def test_rejected_for_another_prover_address(app: App) -> None:
    twin = deploy(app.anvil, "TokenBalanceProver", ["address"], [app.token], app.owner)
    proof, journal = app.dev_proof(balance_call(app.holder), app.head(), prover=twin)
    error = custom_error("InvalidProver(address,address)", ["address", "address"], [app.prover, twin])
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, proof, journal)) == error


def test_rejected_for_another_selector(app: App) -> None:
    owner = bytes.fromhex(app.owner[2:])
    data = selector("richer(address,address)") + encode(["address", "address"], [app.holder, owner])
    proof, journal = app.dev_proof(data, app.head())
    error = custom_error(
        "InvalidSelector(bytes4,bytes4)", ["bytes4", "bytes4"], [selector("balance(address)"), data[:4]]
    )
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, proof, journal)) == error


def test_rejected_for_a_tampered_return_value(app: App) -> None:
    proof, journal = app.dev_proof(balance_call(app.holder), app.head())
    app.mine()
    data = bytearray(verifier_calldata(CLAIM, proof, journal))
    data[-1] ^= 1  # the proven balance, plus or minus one wei
    assert revert_of(app.anvil, app.verifier, bytes(data)) == VERIFICATION_FAILED
    # Re-sealing the tampered journal does not help: the seal is checked against the journal the calldata implies,
    # so only a seal over the same bytes passes, and that is a proof of the original journal.
    tampered = journal[:-1] + bytes([journal[-1] ^ 1])
    forged = fake_proof(TEST_IMAGE_ID, journal)
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, forged, tampered)) == VERIFICATION_FAILED


def test_rejected_for_an_unsupported_image_id(app: App) -> None:
    other_image = keccak(text="a guest nobody registered")
    proof, journal = app.dev_proof(balance_call(app.holder), app.head(), image_id=other_image)
    app.mine()
    error = custom_error("UnsupportedImageId(bytes32)", ["bytes32"], [other_image])
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, proof, journal)) == error

    good, journal = app.dev_proof(balance_call(app.holder), app.head())
    send(app.anvil, app.owner, app.repository, selector("revokeImageIdSupport(bytes32)") + TEST_IMAGE_ID)
    revoked = custom_error("UnsupportedImageId(bytes32)", ["bytes32"], [TEST_IMAGE_ID])
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, good, journal)) == revoked


def test_rejected_for_a_block_hash_from_a_fork(app: App) -> None:
    fork_point = app.anvil.rpc("evm_snapshot")
    app.mine()
    n = app.head()
    proof, journal = app.dev_proof(balance_call(app.holder), n)
    # Reorg: block N is replaced by a sibling with another timestamp, hence another hash.
    assert app.anvil.rpc("evm_revert", fork_point) is True
    parent = app.anvil.rpc("eth_getBlockByNumber", "latest", False)
    app.anvil.rpc("evm_setNextBlockTimestamp", hex(int(parent["timestamp"], 16) + 1000))
    app.mine(3)
    canonical = app.block_hash(n)
    assert canonical != proof.call_assumptions.block_hash
    error = custom_error(
        "InvalidBlockHash(uint256,bytes32,bytes32)",
        ["uint256", "bytes32", "bytes32"],
        [n, canonical, proof.call_assumptions.block_hash],
    )
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, proof, journal)) == error


def test_rejected_in_groth16_mode(app: App) -> None:
    """The fake verifier takes FAKE proofs only: the same seal claimed as GROTH16 is refused by mode."""
    proof, journal = app.dev_proof(balance_call(app.holder), app.head())
    seal = Seal(proof.seal.verifier_selector, proof.seal.words, ProofMode.GROTH16)
    relabelled = Proof(seal, proof.call_guest_id, proof.length, proof.call_assumptions)
    error = custom_error("InvalidProofMode(uint8,uint8)", ["uint8", "uint8"], [ProofMode.FAKE, ProofMode.GROTH16])
    assert revert_of(app.anvil, app.verifier, verifier_calldata(CLAIM, relabelled, journal)) == error


def test_time_travel_runs_on_the_host_and_fails_clearly_on_a_plain_node(app: App) -> None:
    n = app.head()
    data = selector("balanceAt(address,uint256)") + encode(["address", "uint256"], [app.holder, n - 1])
    result = app.preflight(data, n)
    assert result.success, result.revert_reason
    assert decode(["uint256"], result.return_data[-32:]) == (250 * 10**18,)
    run_and_check(result)
    message = "vlayer: setBlock (time travel) is not supported by this executor"
    revert = revert_of(app.anvil, app.prover, data, n)
    assert revert == selector("Error(string)") + encode(["string"], [message])
