"""Teleport (`setChain`) from an L1 to an OP-stack L2, on two real anvils: the dev L1 (31337) holds an anchor-state
registry publishing the dev L2's (31338) output roots. The host preflight (py-evm) and the guest (revm, natively and
in the zkVM executor) agree on what the call returns; every L2 state reaches the guest only through the output root
the L1 anchors at the settle block, and each way that binding can fail is a typed error naming it, in the host and
in the guest."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import rlp
from eth.rlp.accounts import Account
from eth_abi import decode, encode
from eth_hash.auto import keccak
from trie import HexaryTrie
from web3 import Web3

from tests.support.contracts import CONTRACTS, compile_sources, selector
from tests.support.corpus import deploy
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import GuestError, TeleportError
from vlayer.guest import execute_native, run_and_check
from vlayer.guest_input import encode_input, expected_journal, input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.preflight.travel import TRAVELER
from vlayer.proofs.bundle import AccountClaim, ProofBundle, StorageClaim, TeleportState
from vlayer.receipts import zkvm
from vlayer.rpc import RpcClient
from vlayer.teleport import dev_registry
from vlayer.teleport.anchor import L2Node
from vlayer.teleport.output_root import output_root

L1, L2 = 31337, 31338
HARDFORK = "osaka"
OWNER_CREDITS = [5, 40, 0, 70]  # on the L2, one block apart
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@dataclass
class Pair:
    l1: Anvil
    l2: Anvil
    owner: bytes
    l1_ledger: bytes
    l2_ledger: bytes
    probe: bytes
    #: L2 block -> the owner's L2 balance after it
    balances: dict[int, int]
    #: The L2 block the registry anchors from L1 block `settle` on.
    anchored: int
    #: L1 blocks: nothing anchored yet; `anchored` anchored; a forged root for L2 block `forged_block` anchored.
    before_anchor: int
    settle: int
    forged_settle: int
    forged_block: int

    def preflight(
        self, sig: str, types: list[str], args: list[object], block: int, *, l2_node: bool = True
    ) -> PreflightResult:
        request = CallRequest(to=self.probe, data=selector(sig) + encode(types, args))
        nodes = {L2: L2Node(RpcClient.http(self.l2.url), ChainSpec.dev(HARDFORK, L2))} if l2_node else {}
        return preflight(
            RpcClient.http(self.l1.url), request, block, chain_spec=ChainSpec.dev(HARDFORK), l2_nodes=nodes
        )

    def balance_on(self, chain: int, number: int, block: int, *, l2_node: bool = True) -> PreflightResult:
        types = ["uint256", "uint256", "address", "address"]
        args: list[object] = [chain, number, self.l2_ledger, self.owner]
        return self.preflight("balanceOn(uint256,uint256,address,address)", types, args, block, l2_node=l2_node)


def _credit(anvil: Anvil, sender: str, ledger: bytes, who: bytes, amount: int) -> int:
    data = selector("credit(address,uint256)") + encode(["address", "uint256"], [who, amount])
    receipt = anvil.transact({"from": sender, "to": "0x" + ledger.hex(), "data": "0x" + data.hex()})
    return int(receipt["blockNumber"], 16)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    files = [CONTRACTS / "src" / "Prover.sol", CONTRACTS / "src" / "Proof.sol", CONTRACTS / "src" / "Seal.sol"]
    files += [CONTRACTS / "src" / "CallAssumptions.sol", REPO_ROOT / "tests" / "contracts" / "TravelProbe.sol"]
    files += [REPO_ROOT / "tests" / "contracts" / "TeleportProbe.sol"]
    built = compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})
    owner = bytes.fromhex("00" * 19 + "0b")
    with Anvil(hardfork=HARDFORK) as l1, Anvil(hardfork=HARDFORK, chain_id=L2) as l2:
        sender = l1.rpc("eth_accounts")[0]
        w3_l1, w3_l2 = Web3(Web3.HTTPProvider(l1.url)), Web3(Web3.HTTPProvider(l2.url))
        registry = dev_registry.install(w3_l1, sender)
        l1_ledger = deploy(l1, built["Ledger"]["bytecode"], sender)
        _credit(l1, sender, l1_ledger, owner, 1000)
        probe = deploy(l1, built["TeleportProbe"]["bytecode"], sender)
        before_anchor = int(l1.rpc("eth_blockNumber"), 16)

        l2_ledger = deploy(l2, built["Ledger"]["bytecode"], sender)
        balances, total = {}, 0
        for amount in OWNER_CREDITS:
            total += amount
            balances[_credit(l2, sender, l2_ledger, owner, amount)] = total
        anchored = _credit(l2, sender, l2_ledger, b"\x0c" * 20, 1)
        balances[anchored] = total
        _, settle = dev_registry.publish(registry, w3_l2, anchored, sender)
        for _ in range(3):  # the L2 moves on past the anchored block
            _credit(l2, sender, l2_ledger, owner, 1000)
        forged_block = int(l2.rpc("eth_blockNumber"), 16)
        forged = bytes(keccak(b"not the L2's output root"))
        tx = registry.functions.anchor(forged, forged_block).transact({"from": Web3.to_checksum_address(sender)})
        forged_settle = w3_l1.eth.wait_for_transaction_receipt(tx)["blockNumber"]
        yield Pair(
            l1, l2, owner, l1_ledger, l2_ledger, probe, balances, anchored, before_anchor, settle, forged_settle,
            forged_block,
        )  # fmt: skip


# --- the host and the guest agree -------------------------------------------------------------------------------


def test_l2_balances_at_and_below_the_anchored_block(pair: Pair) -> None:
    for number, balance in pair.balances.items():
        result = pair.balance_on(L2, number, pair.settle)
        assert result.success, result.revert_reason
        assert decode(["uint256"], result.return_data) == (balance,)
        (l2,) = result.bundle.teleports
        assert (l2.chain_id, l2.bundle.block_number) == (L2, pair.anchored)
        assert [t.block_number for t in l2.bundle.travels] == ([] if number == pair.anchored else [number])
        run_and_check(result)  # the native guest's journal and gas equal the preflight's


def test_the_witness_holds_the_anchor_call_on_l1_and_only_the_ledger_on_l2(pair: Pair) -> None:
    result = pair.balance_on(L2, pair.anchored, pair.settle)
    # The traveler's account is read by the CALL to it, as for time travel.
    assert set(result.access.accounts) == {bytes.fromhex(REGISTRY[2:]), pair.probe, TRAVELER}
    assert result.access.teleported_accounts == {L2: {pair.anchored: (pair.l2_ledger,)}}


def test_a_tour_of_the_l2_and_back_agrees_in_the_zkvm(pair: Pair) -> None:
    earlier = min(pair.balances)
    types = ["uint256", "uint256", "uint256", "address", "address", "address"]
    args: list[object] = [L2, pair.anchored, earlier, pair.l2_ledger, pair.l1_ledger, pair.owner]
    result = pair.preflight("tour(uint256,uint256,uint256,address,address,address)", types, args, pair.settle)
    assert result.success, result.revert_reason
    out = decode(["uint256"] * 4, result.return_data)
    assert out == (pair.balances[pair.anchored], pair.balances[earlier], earlier, 1000)
    run_and_check(result)
    run = zkvm.execute(input_for(result))
    # The settle chain stays the L1: the journal names the pinned L1 block.
    assert run.journal == expected_journal(result)
    assert decode(["uint256", "uint256"], run.journal[64:128]) == (L1, pair.settle)


# --- refused in the host -----------------------------------------------------------------------------------------


def test_an_unknown_chain_pair_is_refused(pair: Pair) -> None:
    with pytest.raises(TeleportError, match=r"^teleport from chain 31337 to chain 5 is not supported: "):
        pair.balance_on(5, 1, pair.settle)


def test_a_block_past_the_anchor_is_refused(pair: Pair) -> None:
    with pytest.raises(TeleportError) as refused:
        pair.balance_on(L2, pair.anchored + 1, pair.settle)
    assert str(refused.value).startswith(
        f"teleport to chain {L2} block {pair.anchored + 1}: chain {L1} at block {pair.settle} anchors chain {L2} "
        f"only up to block {pair.anchored}"
    )


def test_nothing_anchored_at_the_settle_block_is_refused(pair: Pair) -> None:
    with pytest.raises(TeleportError) as refused:
        pair.balance_on(L2, pair.anchored, pair.before_anchor)
    assert str(refused.value).startswith(
        f"teleport to chain {L2}: the anchor-state registry {REGISTRY.lower()} on chain {L1} at block "
        f"{pair.before_anchor}: getAnchorRoot() reverted: 0x"
    )


def test_an_l2_node_whose_state_is_not_the_anchored_one_is_refused(pair: Pair) -> None:
    with pytest.raises(TeleportError) as refused:
        pair.balance_on(L2, pair.forged_block, pair.forged_settle)
    forged = bytes(keccak(b"not the L2's output root"))
    message = str(refused.value)
    assert message.startswith(f"teleport to chain {L2}: the output root of the L2 node's block {pair.forged_block} is")
    assert message.endswith(
        f"not the root chain {L1} anchors at block {pair.forged_settle} (0x{forged.hex()}): the L2 node serves other "
        "state than the L1 anchors"
    )


def test_no_node_for_the_l2_is_refused(pair: Pair) -> None:
    with pytest.raises(TeleportError, match=f"^teleport to chain {L2}: no RPC URL for chain {L2}"):
        pair.balance_on(L2, pair.anchored, pair.settle, l2_node=False)


# --- refused in the guest ----------------------------------------------------------------------------------------


def _with_l2(result: PreflightResult, **changes: object) -> bytes:
    (l2,) = result.bundle.teleports
    bundle = dataclasses.replace(result.bundle, teleports=(dataclasses.replace(l2, **changes),))  # type: ignore[arg-type]
    return encode_input(bundle, result.call, result.gas_limit, result.dev_hardfork)


def _forged_state(l2: TeleportState) -> tuple[ProofBundle, bytes]:
    """The anchored L2 block with a state of the host's making: the ledger account proven under a new state root
    (in a trie holding only it) with the owner's balance raised; every proof checks, only the anchor cannot."""
    (ledger,) = l2.bundle.accounts
    (slot,) = ledger.storage
    storage, state = HexaryTrie({}), HexaryTrie({})
    storage[keccak(slot.slot.to_bytes(32, "big"))] = rlp.encode(slot.value + 10**6)
    account = Account(ledger.nonce, ledger.balance, storage.root_hash, ledger.code_hash)
    state[keccak(ledger.address)] = rlp.encode(account)
    fields = rlp.decode(l2.bundle.header_rlp)
    fields[3] = state.root_hash
    header = rlp.encode(fields)
    claim = AccountClaim(
        ledger.address,
        True,
        ledger.nonce,
        ledger.balance,
        storage.root_hash,
        ledger.code_hash,
        (StorageClaim(slot.slot, slot.value + 10**6),),
    )
    nodes = tuple(storage.db.values()) + tuple(state.db.values())
    forged = dataclasses.replace(
        l2.bundle, header_rlp=header, block_hash=bytes(keccak(header)), accounts=(claim,), nodes=nodes
    )
    return forged, state.root_hash


def test_the_guest_refuses_a_forged_l2_state(pair: Pair) -> None:
    result = pair.balance_on(L2, pair.anchored, pair.settle)
    (l2,) = result.bundle.teleports
    forged, state_root = _forged_state(l2)
    computed = output_root(state_root, l2.message_passer_root, forged.block_hash)
    anchored = output_root(rlp.decode(l2.bundle.header_rlp)[3], l2.message_passer_root, l2.bundle.block_hash)
    with pytest.raises(GuestError) as refused:
        execute_native(_with_l2(result, bundle=forged))
    assert str(refused.value) == (
        f"teleport to chain {L2}: the output root of L2 block {pair.anchored} is 0x{computed.hex()}, not the root "
        f"chain {L1} anchors (0x{anchored.hex()})"
    )


def test_the_guest_refuses_an_l2_block_that_is_not_the_anchored_one(pair: Pair) -> None:
    below = pair.anchored - 1
    result = pair.balance_on(L2, below, pair.settle)
    (l2,) = result.bundle.teleports
    (travel,) = l2.bundle.travels
    moved = dataclasses.replace(
        l2.bundle,
        block_number=below,
        header_rlp=l2.bundle.ancestors[0],
        block_hash=bytes(keccak(l2.bundle.ancestors[0])),
        ancestors=(),
        accounts=travel.accounts,
        travels=(),
    )
    with pytest.raises(GuestError) as refused:
        execute_native(_with_l2(result, bundle=moved))
    assert str(refused.value) == (
        f"teleport to chain {L2}: chain {L1} at block {pair.settle} anchors L2 block {pair.anchored}, not the "
        f"input's {below}"
    )


def test_the_guest_refuses_an_unknown_chain_pair_and_a_missing_l2(pair: Pair) -> None:
    result = pair.balance_on(L2, pair.anchored, pair.settle)
    with pytest.raises(GuestError, match=f"^teleport from chain {L1} to chain 5 is not supported$"):
        execute_native(_with_l2(result, chain_id=5))
    without = dataclasses.replace(result.bundle, teleports=())
    with pytest.raises(GuestError, match=f"^teleport to chain {L2} block {pair.anchored} not in input$"):
        execute_native(encode_input(without, result.call, result.gas_limit, result.dev_hardfork))
