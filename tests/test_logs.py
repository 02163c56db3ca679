"""Logs as inputs (`Logs.get`) on a real anvil: the preflight's answers equal eth_getLogs, the native guest and the
zkVM executor agree with the preflight (journal and gas), the witness holds the receipts of bloom-positive blocks
only, doctored receipts are refused by the guest with exact messages, and every query the host cannot answer is a
typed error before any proving."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import rlp
from eth_abi import decode, encode
from eth_hash.auto import keccak

from tests.support.contracts import CONTRACTS, compile_sources, selector
from tests.support.corpus import deploy
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import REPO_ROOT, Anvil, ToolError
from vlayer.errors import GuestError, LogsError, ProofMismatchError, RpcResponseError
from vlayer.guest import execute_native, native_module, run_and_check
from vlayer.guest_input import encode_input, expected_journal, input_for
from vlayer.logs.oracle import LOGS
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.proofs.bundle import receipts_root
from vlayer.rpc import RpcClient
from vlayer.rpc.transport import HttpTransport, JsonObj

TRANSFER = keccak(b"Transfer(address,address,uint256)")
QUERY = "(uint256,uint256,address[],bytes32[][])"
LOG_LIST = "(uint256,uint256,uint256,address,bytes32[],bytes)[]"
#: Blocks mined before the events, so that a query can span more blocks than the bound allows.
PADDING = 2050


def word(address: bytes) -> bytes:
    return b"\x00" * 12 + address


@dataclass
class Chain:
    anvil: Anvil
    sender: bytes
    token: bytes
    other: bytes
    probe: bytes
    holder: bytes
    first: int
    busy: int  # the block holding three transactions
    head: int

    def preflight(self, sig: str, types: list[str], args: list[Any], **kwargs: Any) -> PreflightResult:
        request = CallRequest(to=self.probe, data=selector(sig) + encode(types, args))
        client = kwargs.pop("client", None) or RpcClient.http(self.anvil.url)
        return preflight(client, request, self.head, chain_spec=ChainSpec.dev("osaka"), **kwargs)

    def raw(self, query: tuple[Any, ...], **kwargs: Any) -> PreflightResult:
        return self.preflight(f"raw({QUERY})", [QUERY], [query], **kwargs)


def _call(sig: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (selector(sig) + encode(types, args)).hex()


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    files = [CONTRACTS / "src" / n for n in ("Prover.sol", "Proof.sol", "Seal.sol", "CallAssumptions.sol", "Logs.sol")]
    files.append(REPO_ROOT / "tests" / "contracts" / "LogsProbe.sol")
    built = compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})
    with Anvil(hardfork="osaka") as anvil:
        sender_hex = anvil.rpc("eth_accounts")[0]
        sender = bytes.fromhex(sender_hex[2:])
        anvil.rpc("anvil_mine", hex(PADDING))
        token = deploy(anvil, built["TransferEmitter"]["bytecode"], sender_hex)
        other = deploy(anvil, built["TransferEmitter"]["bytecode"], sender_hex)
        probe = deploy(anvil, built["LogsProbe"]["bytecode"], sender_hex)
        anvil.transact({"from": sender_hex, "to": "0x" + probe.hex(), "value": hex(10**18)})
        holder, elsewhere = b"\x0a" * 20, b"\x0e" * 20
        move = "transfer(address,address,uint256)"
        move_types = ["address", "address", "uint256"]

        def send(to: bytes, data: str, legacy: bool) -> dict[str, Any]:
            tx: dict[str, Any] = {"from": sender_hex, "to": "0x" + to.hex(), "data": data, "gas": hex(200_000)}
            tx.update({"gasPrice": hex(2 * 10**9)} if legacy else {"maxFeePerGas": hex(3 * 10**9)})
            return tx

        first = int(anvil.transact(send(token, _call(move, move_types, [sender, holder, 5]), True))["blockNumber"], 16)
        anvil.transact(send(token, _call(move, move_types, [sender, elsewhere, 7]), False))
        anvil.transact(send(other, _call(move, move_types, [sender, holder, 11]), False))
        anvil.rpc("anvil_mine", hex(3))
        # One block with three transactions (legacy and EIP-1559 receipts, several logs in one receipt), each from
        # its own account: anvil's pool drops one sender's transactions of mixed types queued for one block.
        anvil.rpc("evm_setAutomine", False)
        txs = [
            send(token, _call(move, move_types, [sender, holder, 13]), True),
            send(token, _call("burst(address,uint256)", ["address", "uint256"], [holder, 17]), False),
            send(other, _call(move, move_types, [sender, holder, 19]), True),
        ]
        senders = anvil.rpc("eth_accounts")[:3]
        hashes = [anvil.rpc("eth_sendTransaction", {**tx, "from": s}) for tx, s in zip(txs, senders, strict=True)]
        anvil.rpc("evm_mine")
        anvil.rpc("evm_setAutomine", True)
        receipts = [anvil.rpc("eth_getTransactionReceipt", h) for h in hashes]
        assert {r["status"] for r in receipts} == {"0x1"}
        busy = int(receipts[0]["blockNumber"], 16)
        assert {int(r["blockNumber"], 16) for r in receipts} == {busy}
        anvil.transact(send(token, _call(move, move_types, [sender, holder, 23]), False))
        anvil.rpc("anvil_mine", hex(2))
        head = int(anvil.rpc("eth_blockNumber"), 16)
        yield Chain(anvil, sender, token, other, probe, holder, first, busy, head)


def node_logs(chain: Chain, query: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """What eth_getLogs answers for the query, in the prover's `Log` layout."""
    from_block, to_block, emitters, topics = query
    flt: dict[str, Any] = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
    if emitters:
        flt["address"] = ["0x" + a.hex() for a in emitters]
    flt["topics"] = [["0x" + t.hex() for t in pos] or None for pos in topics]
    return [
        (
            int(log["blockNumber"], 16),
            int(log["logIndex"], 16),
            int(log["transactionIndex"], 16),
            log["address"].lower(),
            tuple(bytes.fromhex(t[2:]) for t in log["topics"]),
            bytes.fromhex(log["data"][2:]),
        )
        for log in chain.anvil.rpc("eth_getLogs", flt)
    ]


def answered_logs(result: PreflightResult) -> list[tuple[Any, ...]]:
    (logs,) = decode([LOG_LIST], result.return_data)
    return [(b, li, ti, e.lower(), tuple(t), bytes(d)) for b, li, ti, e, t, d in logs]


def test_the_address_and_selector_are_the_guests() -> None:
    consts = native_module().logs_constants()
    assert bytes(consts["address"]) == LOGS == keccak(b"vlayer.logs")[12:]
    assert bytes(consts["selector"]) == keccak(b"getLogs((uint256,uint256,address[],bytes32[][]))")[:4]


def test_a_sum_of_transfers_matches_eth_getLogs(chain: Chain) -> None:
    result = chain.preflight(
        "sumTransfersTo(address,address,uint256,uint256)",
        ["address", "address", "uint256", "uint256"],
        [chain.token, chain.holder, chain.first, chain.head],
    )
    assert result.success, result.revert_reason
    expected = node_logs(chain, (chain.first, chain.head, [chain.token], [[TRANSFER], [], [word(chain.holder)]]))
    assert decode(["uint256", "uint256"], result.return_data) == (
        sum(int.from_bytes(log[5], "big") for log in expected),
        len(expected),
    )
    assert len(expected) == 4  # 5, 13, 17 (in the burst) and 23
    # The witness: the receipts of exactly the blocks whose bloom may match, and the headers down to the range.
    blooms = {n for n, _ in result.bundle.logs}
    assert blooms >= {log[0] for log in expected} and chain.busy in blooms
    assert len(result.bundle.ancestors) == chain.head - chain.first
    run = run_and_check(result)  # the native guest: same journal, same gas
    assert run.gas_used == result.gas_used


QUERIES = {
    "everything from both emitters": lambda c: (c.first, c.head, [c.token, c.other], []),
    "any emitter, an OR-list in position 2": lambda c: (
        c.first,
        c.head,
        [],
        [[TRANSFER], [], [word(c.holder), word(b"\x0e" * 20)]],
    ),
    "the fourth topic of the burst's log4": lambda c: (
        c.first,
        c.head,
        [c.token],
        [[], [], [], [(17).to_bytes(32, "big")]],
    ),
    "one block only": lambda c: (c.busy, c.busy, [], []),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_raw_answers_are_eth_getLogs(chain: Chain, name: str) -> None:
    query = QUERIES[name](chain)
    result = chain.raw(query)
    assert result.success, result.revert_reason
    expected = node_logs(chain, query)
    assert expected, "the query must match something"
    assert answered_logs(result) == expected
    run_and_check(result)


def test_receipts_of_both_types_are_proven(chain: Chain) -> None:
    result = chain.raw((chain.busy, chain.busy, [], []))
    ((number, receipts),) = result.bundle.logs
    assert number == chain.busy
    assert sorted(2 if r[0] == 2 else 0 if r[0] >= 0xC0 else -1 for r in receipts) == [0, 0, 2]
    assert len(answered_logs(result)) == 6  # one, four in the burst, one


def test_an_empty_answer_proves_with_no_receipts(chain: Chain) -> None:
    result = chain.raw((chain.first, chain.head, [b"\x77" * 20], []))
    assert result.success, result.revert_reason
    assert answered_logs(result) == [] and result.bundle.logs == ()
    run_and_check(result)


def test_a_query_after_time_travel_reads_the_same_blocks(chain: Chain) -> None:
    query = (chain.first, chain.busy, [chain.token], [])
    result = chain.preflight(f"rawAfterTravel(uint256,{QUERY})", ["uint256", QUERY], [chain.first + 1, query])
    assert result.success, result.revert_reason
    assert answered_logs(result) == node_logs(chain, query)
    assert [t.block_number for t in result.bundle.travels] == [chain.first + 1]
    run_and_check(result)


def test_the_zkvm_executor_commits_the_preflights_journal(chain: Chain) -> None:
    from vlayer.receipts import zkvm

    result = chain.raw((chain.busy - 1, chain.busy, [chain.token], [[TRANSFER]]))
    run = zkvm.execute(input_for(result))
    assert run.journal == expected_journal(result)


def test_a_query_without_enough_gas_runs_out_of_gas_in_both(chain: Chain) -> None:
    query = (chain.first, chain.head, [chain.token], [])
    for gas, ok in ((3_000, False), (1_000_000, True)):
        result = chain.preflight(f"withGas({QUERY},uint256)", [QUERY, "uint256"], [query, gas])
        assert result.success, result.revert_reason
        assert decode(["bool", "uint256", "uint256"], result.return_data)[0] is ok
        run_and_check(result)  # gasleft() after the query is in the return data


def test_a_plain_node_reverts_with_logs_not_supported(chain: Chain) -> None:
    data = selector(f"raw({QUERY})") + encode([QUERY], [(chain.first, chain.head, [], [])])
    with pytest.raises(ToolError) as err:
        chain.anvil.rpc("eth_call", {"to": "0x" + chain.probe.hex(), "data": "0x" + data.hex()}, hex(chain.head))
    assert getattr(err.value, "data", "").startswith("0x" + keccak(b"LogsNotSupported()")[:4].hex())


def _doctored(result: PreflightResult, logs: tuple[tuple[int, tuple[bytes, ...]], ...]) -> bytes:
    bundle = dataclasses.replace(result.bundle, logs=logs)
    return encode_input(bundle, result.call, result.gas_limit, result.dev_hardfork)


def _header_root(result: PreflightResult, number: int) -> bytes:
    return bytes(rlp.decode(result.bundle.ancestors[result.block_number - 1 - number])[5])


@pytest.mark.parametrize("change", ["drop", "reorder", "alter"])
def test_the_guest_refuses_doctored_receipts(chain: Chain, change: str) -> None:
    result = chain.raw((chain.first, chain.head, [chain.token], []))
    logs = dict(result.bundle.logs)
    receipts = list(logs[chain.busy])
    if change == "drop":
        receipts.pop()
    elif change == "reorder":
        receipts.reverse()
    else:
        receipts[1] = receipts[1][:-1] + bytes([receipts[1][-1] ^ 1])
    logs[chain.busy] = tuple(receipts)
    root = receipts_root(receipts)
    message = (
        f"logs: block {chain.busy}: the receipts' root is 0x{root.hex()}, "
        f"not the header's 0x{_header_root(result, chain.busy).hex()}"
    )
    with pytest.raises(GuestError) as err:
        execute_native(_doctored(result, tuple(sorted(logs.items()))))
    assert str(err.value) == message


def test_the_guest_refuses_a_hidden_bloom_positive_block(chain: Chain) -> None:
    result = chain.raw((chain.first, chain.head, [chain.token], []))
    hidden = tuple((n, r) for n, r in result.bundle.logs if n != chain.busy)
    with pytest.raises(GuestError) as err:
        execute_native(_doctored(result, hidden))
    assert str(err.value) == (
        f"logs: block {chain.busy} may hold matching logs (its logsBloom) but its receipts are not in input"
    )
    # Receipts out of order, or of a block whose header the input lacks.
    with pytest.raises(GuestError, match=r"^logs: receipts must be strictly ascending by block$"):
        execute_native(_doctored(result, tuple(reversed(result.bundle.logs))))
    with pytest.raises(GuestError, match=rf"^logs: block {chain.first - 1}: header not in input$"):
        execute_native(_doctored(result, ((chain.first - 1, ()), *result.bundle.logs)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c: (c.head - 3, c.head + 1, [], []), "logs: toBlock {h1} is after the settle block {h}"),
        (lambda c: (c.first + 1, c.first, [], []), "logs: fromBlock {f1} is after toBlock {f}"),
        (
            lambda c: (1, c.head, [], []),
            "logs: blocks 1..{h} are {h} blocks, more than the 2048 one query may span",
        ),
        (lambda c: (c.first, c.head, [], [[]] * 5), "logs: 5 topic positions; a log has at most 4"),
    ],
)
def test_queries_the_host_refuses_before_proving(chain: Chain, make: Any, message: str) -> None:
    expected = message.format(h=chain.head, h1=chain.head + 1, f=chain.first, f1=chain.first + 1)
    with pytest.raises(LogsError) as err:
        chain.raw(make(chain))
    assert str(err.value) == expected


def test_a_query_sending_value_is_refused(chain: Chain) -> None:
    with pytest.raises(LogsError, match=r"^logs: a query must not send value$"):
        chain.preflight(f"withValue({QUERY})", [QUERY], [(chain.first, chain.head, [], [])])


def test_the_receipt_budget_is_enforced_on_the_host(chain: Chain) -> None:
    with pytest.raises(LogsError, match="more than 64 bytes of receipts"):
        chain.raw((chain.first, chain.head, [chain.token], []), max_receipt_bytes=64)


class LyingReceipts(HttpTransport):
    """A node whose block receipts lose their last log."""

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        answers = super().send(reqs)
        for req, ans in zip(reqs, answers, strict=True):
            if req.get("method") == "eth_getBlockReceipts" and ans.get("result"):
                for receipt in reversed(ans["result"]):
                    if receipt["logs"]:
                        receipt["logs"].pop()
                        break
        return answers


class WideReceiptType(HttpTransport):
    """A node naming a receipt type no EIP-2718 transaction has (it would not fit the encoding's type byte)."""

    def send(self, reqs: list[JsonObj]) -> list[JsonObj]:
        answers = super().send(reqs)
        for req, ans in zip(reqs, answers, strict=True):
            if req.get("method") == "eth_getBlockReceipts" and ans.get("result"):
                ans["result"][0]["type"] = "0x100"
        return answers


def test_a_receipt_type_past_eip_2718_is_a_malformed_answer(chain: Chain) -> None:
    client = RpcClient(WideReceiptType(chain.anvil.url))
    with pytest.raises(RpcResponseError, match=r"^eth_getBlockReceipts failed: malformed answer: 0\.type: "):
        chain.raw((chain.first, chain.head, [chain.token], []), client=client)


def test_receipts_a_node_doctored_are_refused_on_the_host(chain: Chain) -> None:
    client = RpcClient(LyingReceipts(chain.anvil.url))
    with pytest.raises(ProofMismatchError, match=r"the node's receipts for block \d+ do not hash to its receipts root"):
        chain.raw((chain.first, chain.head, [chain.token], []), client=client)
