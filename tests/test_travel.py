"""Time travel (`setBlock`/`setChain`) on a real anvil: preflight (py-evm) and the native guest (revm) agree on
return data and gas for calls made at past blocks, the witness proves every travelled block's state under its own
header, and every request the traveler cannot honour is a typed error naming it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_abi import decode, encode
from eth_utils import to_checksum_address

from tests.support.contracts import CONTRACTS, compile_sources, selector
from tests.support.corpus import deploy
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import GuestError, ProofMismatchError, TravelError
from vlayer.guest import execute_native, run_and_check
from vlayer.guest_input import encode_input
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.proofs.bundle import verify_bundle
from vlayer.rpc import RpcClient

OWNER_CREDITS = [5, 40, 0, 70, 200]  # credited one block apart


@dataclass
class Travel:
    anvil: Anvil
    sender: str
    owner: bytes
    ledger: bytes
    probe: bytes
    #: block number -> the owner's balance after that block
    balances: dict[int, int]
    head: int

    def preflight(self, sig: str, types: list[str], args: list[object]) -> PreflightResult:
        request = CallRequest(to=self.probe, data=selector(sig) + encode(types, args))
        return preflight(RpcClient.http(self.anvil.url), request, self.head, chain_spec=ChainSpec.dev("osaka"))


@pytest.fixture(scope="module")
def travel() -> Iterator[Travel]:
    files = [CONTRACTS / "src" / "Prover.sol", CONTRACTS / "src" / "Proof.sol", CONTRACTS / "src" / "Seal.sol"]
    files += [CONTRACTS / "src" / "CallAssumptions.sol", REPO_ROOT / "tests" / "contracts" / "TravelProbe.sol"]
    built = compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})
    with Anvil(hardfork="osaka") as anvil:
        sender = anvil.rpc("eth_accounts")[0]
        owner = bytes.fromhex("00" * 19 + "0b")
        ledger = deploy(anvil, built["Ledger"]["bytecode"], sender)
        probe = deploy(anvil, built["TravelProbe"]["bytecode"] + encode(["address"], [ledger]), sender)
        # Funded by a transaction (anvil_setBalance would change state under the head block's state root).
        anvil.transact({"from": sender, "to": "0x" + probe.hex(), "value": hex(10**18)})
        balances, total = {}, 0
        for amount in OWNER_CREDITS:
            data = selector("credit(address,uint256)") + encode(["address", "uint256"], [owner, amount])
            receipt = anvil.transact({"from": sender, "to": "0x" + ledger.hex(), "data": "0x" + data.hex()})
            total += amount
            balances[int(receipt["blockNumber"], 16)] = total
        for _ in range(3):  # the pinned block is a few blocks after the owner's last credit
            data = selector("credit(address,uint256)") + encode(["address", "uint256"], [b"\x0c" * 20, 1])
            anvil.transact({"from": sender, "to": "0x" + ledger.hex(), "data": "0x" + data.hex()})
        yield Travel(anvil, sender, owner, ledger, probe, balances, int(anvil.rpc("eth_blockNumber"), 16))


def test_balances_at_past_blocks_match_the_node_and_the_guest(travel: Travel) -> None:
    for number, balance in travel.balances.items():
        result = travel.preflight("balanceAt(address,uint256)", ["address", "uint256"], [travel.owner, number])
        assert result.success, result.revert_reason
        assert decode(["uint256"], result.return_data) == (balance,)
        assert [t.block_number for t in result.bundle.travels] == [number]
        run_and_check(result)  # journal and gas equal the preflight's


def test_a_history_travels_to_each_block_and_back(travel: Travel) -> None:
    blocks = sorted(travel.balances)[::2]
    result = travel.preflight(
        "history(address,uint256[],uint256)", ["address", "uint256[]", "uint256"], [travel.owner, blocks, travel.head]
    )
    assert result.success, result.revert_reason
    out, current = decode(["uint256[]", "uint256"], result.return_data)
    assert list(out) == [travel.balances[b] for b in blocks]
    assert current == sum(OWNER_CREDITS)
    assert [t.block_number for t in result.bundle.travels] == blocks
    # Headers from the pinned block down to the oldest travel target, and no further.
    assert len(result.bundle.ancestors) == travel.head - blocks[0]
    run_and_check(result)


def test_the_block_environment_and_blockhash_are_the_travelled_blocks(travel: Travel) -> None:
    number = min(travel.balances) + 1
    result = travel.preflight("envAt(uint256)", ["uint256"], [number])
    assert result.success, result.revert_reason
    got_number, timestamp, parent, _ = decode(["uint256", "uint256", "bytes32", "address"], result.return_data)
    block = travel.anvil.rpc("eth_getBlockByNumber", hex(number), False)
    assert (got_number, timestamp, "0x" + parent.hex()) == (number, int(block["timestamp"], 16), block["parentHash"])
    assert number - 1 in result.bundle.blockhash_numbers
    run_and_check(result)


def test_reverts_and_discarded_writes_in_travelled_calls_agree_on_gas(travel: Travel) -> None:
    poor, rich = sorted(travel.balances)[1], sorted(travel.balances)[-1]
    for number, expected in ((poor, (False, "Ledger: too poor")), (rich, (True, ""))):
        result = travel.preflight("richAt(address,uint256)", ["address", "uint256"], [travel.owner, number])
        assert result.success, result.revert_reason
        assert decode(["bool", "string", "uint256"], result.return_data)[:2] == expected
        run_and_check(result)  # gasleft() after the travelled call is in the return data
    result = travel.preflight("scratchAt(uint256)", ["uint256"], [sorted(travel.balances)[2]])
    assert result.success, result.revert_reason
    assert decode(["uint256", "uint256"], result.return_data)[0] == 3
    run_and_check(result)


@pytest.mark.parametrize(
    ("sig", "types", "args", "message"),
    [
        ("balanceAt(address,uint256)", ["address", "uint256"], ["OWNER", "HEAD+1"], "is not before the pinned block"),
        ("balanceAt(address,uint256)", ["address", "uint256"], ["OWNER", 0], "block 0 of a dev chain"),
        (
            "teleport(uint256,uint256,address)",
            ["uint256", "uint256", "address"],
            [1, 5, "OWNER"],
            "teleport from chain 31337 to chain 1 is not supported",
        ),
        ("unknownRequest()", [], [], "traveler: unknown request 0xdeadbeef"),
        ("payAt(uint256)", ["uint256"], [3], "a call with value at block 3 is not supported"),
    ],
)
def test_requests_the_traveler_cannot_honour_are_typed_errors(
    travel: Travel, sig: str, types: list[str], args: list[object], message: str
) -> None:
    resolved = [travel.owner if a == "OWNER" else travel.head + 1 if a == "HEAD+1" else a for a in args]
    with pytest.raises(TravelError, match=message):
        travel.preflight(sig, types, resolved)


def test_a_teleport_to_the_same_chain_is_a_time_travel(travel: Travel) -> None:
    number = sorted(travel.balances)[1]
    result = travel.preflight(
        "teleport(uint256,uint256,address)", ["uint256", "uint256", "address"], [31337, number, travel.owner]
    )
    assert decode(["uint256"], result.return_data) == (travel.balances[number],)
    run_and_check(result)


def test_a_travelled_claim_that_differs_from_its_proof_is_refused_by_host_and_guest(travel: Travel) -> None:
    number = sorted(travel.balances)[2]
    result = travel.preflight("balanceAt(address,uint256)", ["address", "uint256"], [travel.owner, number])
    bundle = result.bundle
    (state,) = bundle.travels
    ledger = next(a for a in state.accounts if a.address == travel.ledger)
    slot = ledger.storage[0]
    forged_ledger = dataclasses.replace(ledger, storage=(dataclasses.replace(slot, value=slot.value + 1),))
    forged_state = dataclasses.replace(
        state, accounts=tuple(forged_ledger if a is ledger else a for a in state.accounts)
    )
    forged = dataclasses.replace(bundle, travels=(forged_state,))
    with pytest.raises(ProofMismatchError, match=f"at block {number}: proven value"):
        verify_bundle(forged)
    message = f"storage slot 0x{slot.slot:064x} of {to_checksum_address(travel.ledger)}: input value {slot.value + 1}"
    with pytest.raises(GuestError, match=f"{message} differs from proven value {slot.value}"):
        execute_native(encode_input(forged, result.call, result.gas_limit, result.dev_hardfork))
    # Without the travelled block's header the guest cannot place its state.
    cut = dataclasses.replace(bundle, ancestors=bundle.ancestors[: travel.head - 1 - number])
    with pytest.raises(GuestError, match=f"travel block {number}: header not in input"):
        execute_native(encode_input(cut, result.call, result.gas_limit, result.dev_hardfork))
