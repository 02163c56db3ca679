"""vlayer.sdk on a real anvil with real web3.py: a prover contract's function proved in this process (dev mode) and
through a real prove service, the result handed to the verifier with `verifier_args()` and web3's `transact`, the
async client, and every failure as a typed error."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3, Web3
from web3.contract import Contract

from tests.support.contracts import CONTRACTS, HARDFORK, App, compile_sources, compiled, deploy_app, selector, send
from tests.support.service import Serve
from vlayer.devnet import Anvil, free_port
from vlayer.errors import (
    InputError,
    ProofMismatchError,
    ProveError,
    ProverRevertedError,
    ProvingError,
    RpcUnreachableError,
    UnknownChainError,
)
from vlayer.guest import call_guest_id
from vlayer.receipts.proof_encoding import PROOF_TYPE, ProofEncodingError, journal_of, verifier_calldata
from vlayer.sdk import AsyncClient, Client, Local, ProofResult
from vlayer.sdk.calls import prover_call
from vlayer.sdk.result import build_result
from vlayer.service.rpc_errors import CALL_REVERTED, CHAIN, INVALID_PARAMS

OWNER_BALANCE, HOLDER_BALANCE = 10**21, 250 * 10**18  # what deploy_app mints
LOCAL = Local(dev=True, hardfork=HARDFORK)

#: A prover whose function reverts with a reason for one input.
PICKY_PROVER = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
import {Proof} from "../../contracts/src/Proof.sol";
import {Prover} from "../../contracts/src/Prover.sol";
contract PickyProver is Prover {
    function balance(address owner) public view returns (Proof memory, address, uint256) {
        require(owner != address(0), "owner is the zero address");
        return (proof(), owner, owner.balance);
    }
}
"""


@dataclass
class Web3App:
    w3: Web3
    app: App
    token: Contract
    prover: Contract
    verifier: Contract
    picky: Contract
    owner: str
    holder: str


@pytest.fixture(scope="module")
def chain() -> Iterator[Web3App]:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        # Proofs name this build's call guest id; the verifier's repository must support it.
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        abis = compiled()
        sources = {f"contracts/src/{name}.sol": (CONTRACTS / "src" / f"{name}.sol").read_text()
                   for name in ("Proof", "Prover", "Seal", "CallAssumptions")}  # fmt: skip
        picky = compile_sources({**sources, "tests/sdk/PickyProver.sol": PICKY_PROVER})["PickyProver"]
        owner = to_checksum_address(app.owner)
        deployed = w3.eth.wait_for_transaction_receipt(
            w3.eth.contract(abi=picky["abi"], bytecode=picky["bytecode"]).constructor().transact({"from": owner})
        )
        app.mine(2)

        def contract(address: bytes | str, name: str) -> Contract:
            return w3.eth.contract(address=to_checksum_address(address), abi=abis[name]["abi"])

        yield Web3App(
            w3,
            app,
            contract(app.token, "ExampleToken"),
            contract(app.prover, "TokenBalanceProver"),
            contract(app.verifier, "TokenBalanceVerifier"),
            w3.eth.contract(address=deployed["contractAddress"], abi=picky["abi"]),
            owner,
            to_checksum_address(app.holder),
        )


@pytest.fixture(scope="module")
def service(chain: Web3App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    with Serve(chain.app.anvil.url, tmp_path_factory.mktemp("sdk") / "jobs.db", HARDFORK) as serve:
        yield serve


def claim(c: Web3App, result: ProofResult, sender: str) -> dict[str, Any]:
    """Submit `claim(proof, owner, balance)` with web3.py and return the verifier's event."""
    call = c.verifier.functions.claim(*result.verifier_args())
    # The proof may be of the latest block, which verifiers accept from the next block on: estimate against that.
    gas = call.estimate_gas({"from": sender}, block_identifier="pending")
    receipt = c.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "gas": gas}))
    assert receipt["status"] == 1
    (event,) = c.verifier.events.BalanceProven().process_receipt(receipt)
    return dict(event["args"])


def test_local_dev_proof_is_accepted_by_the_verifier(chain: Web3App) -> None:
    head = chain.w3.eth.block_number
    states: list[str] = []
    with Client(LOCAL) as client:
        result = client.prove(chain.prover.functions.balance(chain.holder), on_state=states.append)
        assert client.call_guest_id() == call_guest_id()
    assert states == ["preflight", "proving", "done"]
    assert result.mode == "fake" and result.call_hash is None and result.receipt is None
    assert result.outputs == (chain.holder, HOLDER_BALANCE)
    ca = result.call_assumptions
    assert (ca.prover, ca.selector, ca.chain_id, ca.block_number) == (chain.app.prover, selector("balance(address)"),
                                                                      31337, head)  # fmt: skip
    assert result.proof is not None and result.proof.call_assumptions == ca
    assert result.metrics["evm_gas_used"] > 21000
    # An Osaka chain has EIP-2935's history contract: the verifier accepts the proof for 8,191 blocks.
    assert result.last_valid_block(chain.verifier) == head + 8191
    # web3's encoding of verifier_args() is byte for byte the calldata vlayer.receipts.proof_encoding builds.
    encoded = chain.verifier.functions.claim(*result.verifier_args())._encode_transaction_data()
    claim_selector = selector(f"claim({PROOF_TYPE},address,uint256)")
    assert encoded == "0x" + verifier_calldata(claim_selector, result.proof, result.journal).hex()

    assert claim(chain, result, chain.owner) == {"owner": chain.holder, "balance": HOLDER_BALANCE,
                                                 "settleBlockNumber": head}  # fmt: skip
    assert chain.verifier.functions.provenBalance(chain.holder).call() == HOLDER_BALANCE


def test_service_proof_at_an_earlier_block_is_accepted_by_the_verifier(chain: Web3App, service: Serve) -> None:
    block = chain.w3.eth.block_number - 1
    states: list[str] = []
    with Client(service.url) as client:
        assert client.call_guest_id() == call_guest_id()
        result = client.prove(chain.prover.functions.balance(chain.owner), block=block, on_state=states.append)
    assert states[-1] == "done"
    assert result.mode == "fake" and result.call_hash is not None and result.call_hash.startswith("0x")
    assert result.outputs == (chain.owner, OWNER_BALANCE)
    assert result.call_assumptions.block_number == block
    assert result.proof is not None and result.journal == journal_of(result.proof, result.return_data)
    assert result.metrics["evm_gas_used"] > 21000

    assert claim(chain, result, chain.holder) == {"owner": chain.owner, "balance": OWNER_BALANCE,
                                                  "settleBlockNumber": block}  # fmt: skip
    assert chain.verifier.functions.provenBalance(chain.owner).call() == OWNER_BALANCE


def test_a_bearer_token_reaches_the_service(chain: Web3App, tmp_path: Path) -> None:
    with (
        Serve(chain.app.anvil.url, tmp_path / "jobs.db", HARDFORK, "--auth-token", "s3cret") as serve,
        Client(serve.url, token="s3cret") as client,
    ):
        result = client.prove(chain.prover.functions.balance(chain.holder))
    assert result.outputs == (chain.holder, HOLDER_BALANCE)


def test_async_client_proves_dynamic_outputs_locally_and_through_the_service_at_once(
    chain: Web3App, service: Serve
) -> None:
    async def run() -> list[list[tuple[str, int]]]:
        w3 = AsyncWeb3(AsyncHTTPProvider(chain.app.anvil.url))
        prover = w3.eth.contract(address=chain.prover.address, abi=chain.prover.abi)
        verifier = w3.eth.contract(address=chain.verifier.address, abi=chain.verifier.abi)
        owners = [chain.holder, chain.owner]
        async with AsyncClient(LOCAL) as local, AsyncClient(service.url) as remote:
            results = await asyncio.gather(
                local.prove(prover.functions.balances(owners)), remote.prove(prover.functions.balances(owners))
            )
        assert [r.mode for r in results] == ["fake", "fake"]
        assert results[0].call_hash is None and results[1].call_hash is not None
        recorded = []
        for result in results:
            assert result.outputs == (tuple(owners), (HOLDER_BALANCE, OWNER_BALANCE))
            call = verifier.functions.claimAll(*result.verifier_args())
            gas = await call.estimate_gas({"from": chain.owner}, block_identifier="pending")
            receipt = await w3.eth.wait_for_transaction_receipt(await call.transact({"from": chain.owner, "gas": gas}))
            assert receipt["status"] == 1
            events = verifier.events.BalanceProven().process_receipt(receipt)
            recorded.append([(e["args"]["owner"], e["args"]["balance"]) for e in events])
        await w3.provider.disconnect()
        return recorded

    expected = [(chain.holder, HOLDER_BALANCE), (chain.owner, OWNER_BALANCE)]
    assert asyncio.run(run()) == [expected, expected]


@pytest.mark.parametrize("where", ["local", "service"])
def test_a_reverting_prover_raises_its_reason(chain: Web3App, service: Serve, where: str) -> None:
    client = Client(LOCAL if where == "local" else service.url)
    zero = "0x" + "00" * 20
    with pytest.raises(ProverRevertedError) as info:
        client.prove(chain.picky.functions.balance(zero))
    assert info.value.reason == "owner is the zero address"
    assert info.value.code == CALL_REVERTED
    assert info.value.output == selector("Error(string)") + encode(["string"], ["owner is the zero address"])
    # The same prover proves the inputs it accepts.
    result = client.prove(chain.picky.functions.balance(chain.holder))
    wei = chain.w3.eth.get_balance(chain.holder, result.call_assumptions.block_number)
    assert result.outputs == (chain.holder, wei) and wei > 0


@pytest.mark.parametrize("where", ["local", "service"])
def test_unknown_chain_and_missing_block_are_typed_errors(chain: Web3App, service: Serve, where: str) -> None:
    client = Client(LOCAL if where == "local" else service.url)
    function = chain.prover.functions.balance(chain.holder)
    with pytest.raises(UnknownChainError, match=r"unknown chain id 5: .* 31337") as unknown:
        client.prove(function, chain_id=5)
    assert unknown.value.code == INVALID_PARAMS
    with pytest.raises(ProveError, match="does not exist") as missing:
        client.prove(function, block=10**6)
    assert missing.value.code == CHAIN


def test_bad_service_urls_and_unreachable_services(chain: Web3App) -> None:
    for url in ("ftp://127.0.0.1:3000/", "127.0.0.1:3000", "http://"):
        with pytest.raises(InputError, match="prove service URL"):
            Client(url)
    dead = Client(f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(RpcUnreachableError, match="unreachable"):
        dead.prove(chain.prover.functions.balance(chain.holder))
    with pytest.raises(InputError, match="bearer token"):
        Client(LOCAL, token="s3cret")


def test_local_mode_needs_an_explicit_dev_flag_for_fake_proofs() -> None:
    with pytest.raises(InputError, match="dev mode"):
        Local(mode="fake")
    with pytest.raises(InputError, match="unknown proof mode 'nope'"):
        Local(dev=True, mode="nope")
    assert Local().proof_mode == "composite" and Local(dev=True).proof_mode == "fake"


def test_only_bound_prover_functions_of_deployed_contracts_are_proved(chain: Web3App) -> None:
    client = Client(LOCAL)
    with pytest.raises(InputError, match=r"balanceOf\(address\) is not a prover function"):
        client.prove(chain.token.functions.balanceOf(chain.holder))
    with pytest.raises(InputError, match="not bound to its arguments"):
        client.prove(chain.prover.functions.balance)
    factory = chain.w3.eth.contract(abi=chain.prover.abi)
    with pytest.raises(InputError, match="without an address"):
        client.prove(factory.functions.balance(chain.holder))
    with pytest.raises(InputError, match="block must be a block number"):
        client.prove(chain.prover.functions.balance(chain.holder), block=-1)
    async_prover = AsyncWeb3(AsyncHTTPProvider(chain.app.anvil.url)).eth.contract(
        address=chain.prover.address, abi=chain.prover.abi
    )
    with pytest.raises(InputError, match="AsyncClient"):
        client.prove(async_prover.functions.balance(chain.holder))


def test_an_answer_for_another_call_or_a_tampered_journal_is_refused(chain: Web3App) -> None:
    result = Client(LOCAL).prove(chain.prover.functions.balance(chain.holder))
    answer: dict[str, Any] = {"proof": result.proof, "journal": result.journal, "return_data": result.return_data,
                              "mode": result.mode, "metrics": {}}  # fmt: skip
    call = prover_call(chain.prover.functions.balance(chain.holder), chain_id=None, block=None, gas_limit=None,
                       vgas_limit=None)  # fmt: skip
    assert build_result(call, **answer).outputs == result.outputs

    richer = prover_call(chain.prover.functions.richer(chain.holder, chain.owner), chain_id=None, block=None,
                         gas_limit=None, vgas_limit=None)  # fmt: skip
    with pytest.raises(ProofMismatchError, match="function selector"):
        build_result(richer, **answer)
    with pytest.raises(ProofMismatchError, match="chain id 31337, the call asked for 1"):
        build_result(dataclasses.replace(call, chain_id=1), **answer)
    with pytest.raises(ProofMismatchError, match="block number"):
        build_result(dataclasses.replace(call, block=result.call_assumptions.block_number - 1), **answer)

    tampered = result.journal[:-1] + bytes([result.journal[-1] ^ 1])
    with pytest.raises(ProofEncodingError, match="return data"):
        build_result(call, **{**answer, "journal": tampered})
    with pytest.raises(ProofEncodingError, match="seal is not the claim digest"):
        build_result(call, **{**answer, "journal": tampered, "return_data": tampered[160:]})

    with pytest.raises(ProvingError, match="composite receipt carries no on-chain proof"):
        dataclasses.replace(result, proof=None, mode="composite").verifier_args()
