"""Reverts people can read (`vlayer.reverts.decode`): Error(string), Panic(uint256) and custom errors by name with
their arguments, from vlayer's own contracts' errors and the ABIs a user adds, through the SDK (`submit`, proving
errors, web3.py's `ContractCustomError`), the CLI (`--abi`, `--project`) and the prove service; on a real anvil with
contracts compiled by the pinned solc."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi import encode
from eth_utils import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

from tests.support.contracts import (
    CONTRACTS,
    HARDFORK,
    App,
    compile_sources,
    compiled,
    custom_error,
    deploy,
    deploy_app,
    selector,
    send,
)
from tests.support.service import Serve
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import InputError, ProverRevertedError, TransactionRevertedError
from vlayer.guest import call_guest_id
from vlayer.reverts.decode import (
    VLAYER,
    DecodedRevert,
    decode_revert,
    load_abi,
    project_abis,
    revert_data,
)
from vlayer.reverts.vlayer_errors import ENUMS, ERRORS
from vlayer.reverts.vlayer_errors_gen import enum_members, error_entries
from vlayer.sdk import Client, Local, explain, readable_reverts, submit
from vlayer.service.client import ProveClient, ServiceError
from vlayer.service.rpc_errors import CALL_REVERTED

LOCAL = Local(dev=True, hardfork=HARDFORK)
VLAYER_CLI = [sys.executable, "-m", "vlayer.cli"]
ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "host")}
NOT_ENOUGH = 10**30  # more wei than any anvil account holds: `BalanceTooLow`
BALANCE_TOO_LOW = selector("BalanceTooLow(address,uint256,uint256)")


def error_string(message: str) -> bytes:
    return selector("Error(string)") + encode(["string"], [message])


def panic(code: int) -> bytes:
    return selector("Panic(uint256)") + encode(["uint256"], [code])


# --- decoding ------------------------------------------------------------------------------------------------------


def test_error_string_and_panic_read_as_their_message_and_meaning() -> None:
    assert str(decode_revert(error_string("owner is the zero address"))) == "owner is the zero address"
    assert decode_revert(error_string("x")).name == "Error"
    assert str(decode_revert(panic(0x11))) == "panic 0x11 (arithmetic overflow or underflow)"
    assert str(decode_revert(panic(0x12))) == "panic 0x12 (division or modulo by zero)"
    assert str(decode_revert(panic(0x99))) == "panic 0x99 (unknown panic)"
    assert str(decode_revert(b"")) == "reverted without a reason"


def test_vlayer_errors_are_named_with_their_arguments() -> None:
    future = custom_error("BlockFromFuture(uint256,uint256)", ["uint256", "uint256"], [7, 7])
    decoded = decode_revert(future)
    assert str(decoded) == "BlockFromFuture(settleBlockNumber=7, currentBlockNumber=7)"
    assert decoded.arguments == {"settleBlockNumber": 7, "currentBlockNumber": 7}
    prover = "0x" + "ab" * 20
    invalid = custom_error("InvalidProver(address,address)", ["address", "address"], [prover, "0x" + "00" * 20])
    assert str(decode_revert(invalid)) == (
        f"InvalidProver(expected={to_checksum_address(prover)}, received=0x0000000000000000000000000000000000000000)"
    )
    # Enum arguments read as their members; a value past the last member stays a number.
    not_open = custom_error("NotOpen(uint256,uint8)", ["uint256", "uint8"], [5, 2])
    assert str(decode_revert(not_open)) == "NotOpen(id=5, status=Fulfilled)"
    assert str(decode_revert(not_open[:-1] + b"\x09")) == "NotOpen(id=5, status=9)"
    stale = custom_error("StaleRead(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"], [b"\x01" * 32, 1, 2])
    assert str(decode_revert(stale)) == f"StaleRead(key=0x{'01' * 32}, proven=1, current=2)"
    assert str(decode_revert(selector("VerificationFailed()"))) == "VerificationFailed()"


def test_a_callers_abi_names_its_errors_and_wins_over_vlayers() -> None:
    def error(name: str, *inputs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "error", "name": name, "inputs": list(inputs)}

    def param(name: str, kind: str, *components: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "type": kind, **({"components": list(components)} if components else {})}

    abi = [
        error("TooMany", param("count", "uint8"), param("", "string")),
        error("Pair", param("p", "tuple", param("a", "bool"), param("b", "bytes")), param("list", "uint16[]")),
        # The proof verifier's error under other names: the caller's ABI is what the caller reads.
        error("BlockFromFuture", param("at", "uint256"), param("now", "uint256")),
    ]
    too_many = custom_error("TooMany(uint8,string)", ["uint8", "string"], [3, 'a "b"'])
    assert str(decode_revert(too_many)) == "custom error 0x" + too_many.hex()
    assert str(decode_revert(too_many, abi)) == 'TooMany(count=3, "a \\"b\\"")'
    pair = custom_error("Pair((bool,bytes),uint16[])", ["(bool,bytes)", "uint16[]"], [(True, b"\xbe\xef"), [1, 2]])
    assert str(decode_revert(pair, abi)) == "Pair(p=(true, 0xbeef), list=[1, 2])"
    future = custom_error("BlockFromFuture(uint256,uint256)", ["uint256", "uint256"], [7, 8])
    assert str(VLAYER.with_abis(abi).decode(future)) == "BlockFromFuture(at=7, now=8)"
    assert str(VLAYER.decode(future)) == "BlockFromFuture(settleBlockNumber=7, currentBlockNumber=8)"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (bytes.fromhex("08c379a0"), "custom error 0x08c379a0"),  # Error(string) without its string
        (error_string("cut")[:40], "custom error 0x" + error_string("cut")[:40].hex()),
        (bytes.fromhex("4e487b71") + b"\x00" * 5, "custom error 0x4e487b710000000000"),
        (selector("BlockFromFuture(uint256,uint256)") + b"\x01" * 33,
         "custom error 0x" + selector("BlockFromFuture(uint256,uint256)").hex() + "01" * 33),
        (b"\x01\x02", "custom error 0x0102"),  # shorter than a selector
        (bytes.fromhex("deadbeef") + encode(["uint256"], [1]), "custom error 0xdeadbeef" + "00" * 31 + "01"),
        # A string that is not UTF-8, and an offset pointing far past the data.
        (selector("Error(string)") + encode(["uint256", "uint256"], [32, 2]) + b"\xff\xfe" + b"\x00" * 30,
         "custom error 0x08c379a0" + encode(["uint256", "uint256"], [32, 2]).hex() + "fffe" + "00" * 30),
        (selector("Error(string)") + encode(["uint256"], [2**255]), "custom error 0x08c379a08" + "0" * 63),
    ],
)  # fmt: skip
def test_garbage_and_truncated_data_fall_back_to_hex_without_raising(data: bytes, text: str) -> None:
    decoded = decode_revert(data)
    assert (str(decoded), decoded.name, decoded.args) == (text, "", ())


def test_revert_data_is_found_where_web3_and_nodes_put_it() -> None:
    data = "0x" + error_string("no").hex()
    assert revert_data(ContractLogicError("execution reverted: no", data=data)) == error_string("no")
    assert revert_data(ContractCustomError("0xb24c7d99", data="0xb24c7d99")) == bytes.fromhex("b24c7d99")
    assert revert_data(ContractPanicError("panic", data="0x" + panic(1).hex())) == panic(1)
    assert revert_data(ContractLogicError("x", data={"data": "0x01"})) == b"\x01"
    assert revert_data(ContractLogicError("x", data="Reverted 0x0102")) == b"\x01\x02"
    assert revert_data(ContractLogicError("execution reverted", data=None)) is None
    assert revert_data(ContractLogicError("x", data="0xzz")) is None
    out_of_bounds = ContractCustomError("0x", data="0x" + panic(0x32).hex())
    assert explain(out_of_bounds) == DecodedRevert(panic(0x32), "Panic", (0x32,))


def test_abi_files_and_projects_are_read_or_refused_by_name(tmp_path: Path) -> None:
    abi = [{"type": "error", "name": "E", "inputs": []}]
    (tmp_path / "abi.json").write_text(json.dumps(abi))
    (tmp_path / "artifact.json").write_text(json.dumps({"abi": abi, "bytecode": {"object": "0x"}}))
    assert load_abi(tmp_path / "abi.json") == load_abi(tmp_path / "artifact.json") == abi
    (tmp_path / "bad.json").write_text('{"bytecode": "0x"}')
    with pytest.raises(InputError, match=r"bad.json is neither a JSON ABI \(a list of entries\) nor an artifact"):
        load_abi(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text("[{")
    with pytest.raises(InputError, match=r"broken.json is not JSON: "):
        load_abi(tmp_path / "broken.json")
    with pytest.raises(InputError, match=r"has no out/ folder of compiled artifacts; build it first"):
        project_abis(tmp_path)
    # Foundry's build-info files are not artifacts.
    (tmp_path / "out" / "E.sol").mkdir(parents=True)
    (tmp_path / "out" / "build-info").mkdir()
    (tmp_path / "out" / "E.sol" / "E.json").write_text(json.dumps({"abi": abi}))
    (tmp_path / "out" / "build-info" / "1234.json").write_text(json.dumps({"id": "1234", "output": {}}))
    assert project_abis(tmp_path) == [abi]


def test_the_checked_in_table_is_what_the_contracts_compile_to() -> None:
    """vlayer.reverts.vlayer_errors is generated; a changed error in contracts/src without regenerating it fails
    here."""
    sources = [p.read_text() for p in sorted((CONTRACTS / "src").rglob("*.sol"))]
    ours = {name for text in sources for name in re.findall(r"^(?:abstract\s+)?(?:contract|library|interface)\s+(\w+)",
                                                           text, re.MULTILINE)}  # fmt: skip
    abis = [c["abi"] for name, c in sorted(compiled().items()) if name in ours]
    assert error_entries(abis) == ERRORS
    assert enum_members(sources) == ENUMS
    assert {"BlockFromFuture", "NotOpen", "StaleRead", "NotWriter", "CalldataTooShort", "ArgsMismatch",
            "ImageIdNotSupported", "AnchorNotNewer", "LogsNotSupported"} <= {e["name"] for e in ERRORS}  # fmt: skip


# --- on a chain ----------------------------------------------------------------------------------------------------


@dataclass
class Chain:
    w3: Web3
    app: App
    prover: Contract
    other_prover: Contract
    verifier: Contract
    reverting: Contract
    reverting_abi: list[dict[str, Any]]
    owner: str
    holder: str


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        other_prover = deploy(anvil, "TokenBalanceProver", ["address"], [app.token], app.owner)
        names = ("Proof", "Prover", "Seal", "CallAssumptions", "risc0/IRiscZeroVerifier")
        sources = {f"contracts/src/{n}.sol": (CONTRACTS / "src" / f"{n}.sol").read_text() for n in names}
        test_source = REPO_ROOT / "tests" / "contracts" / "RevertingProver.sol"
        built = compile_sources({**sources, "tests/contracts/RevertingProver.sol": test_source.read_text()})
        reverting = built["RevertingProver"]
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        owner = to_checksum_address(app.owner)
        factory = w3.eth.contract(abi=reverting["abi"], bytecode=reverting["bytecode"])
        deployed = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": owner}))
        app.mine(2)

        def contract(address: bytes | str, name: str) -> Contract:
            return w3.eth.contract(address=to_checksum_address(address), abi=compiled()[name]["abi"])

        yield Chain(
            w3,
            app,
            contract(app.prover, "TokenBalanceProver"),
            contract(other_prover, "TokenBalanceProver"),
            contract(app.verifier, "TokenBalanceVerifier"),
            w3.eth.contract(address=deployed["contractAddress"], abi=reverting["abi"]),
            reverting["abi"],
            owner,
            to_checksum_address(app.holder),
        )


@pytest.fixture(scope="module")
def service(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    with Serve(chain.app.anvil.url, tmp_path_factory.mktemp("reverts") / "jobs.db", HARDFORK) as serve:
        yield serve


def balance_too_low(chain: Chain, owner: str) -> str:
    return f"BalanceTooLow(owner={owner}, balance={chain.w3.eth.get_balance(owner)}, needed={NOT_ENOUGH})"


def test_a_fresh_proof_names_block_from_future_and_submit_sends_it(chain: Chain) -> None:
    result = Client(LOCAL).prove(chain.prover.functions.balance(chain.holder))
    settle = result.call_assumptions.block_number
    assert settle == chain.w3.eth.block_number  # a proof of the latest block: what users get by default
    claim = chain.verifier.functions.claim(*result.verifier_args())
    # web3.py's own transact() estimates on the latest block and raises the bare selector...
    with pytest.raises(ContractCustomError) as raw:
        claim.transact({"from": chain.owner})
    assert str(raw.value.message).startswith("0xb24c7d99")
    expected = f"BlockFromFuture(settleBlockNumber={settle}, currentBlockNumber={settle})"
    decoded = explain(raw.value)
    assert decoded is not None and str(decoded) == expected
    # ... which readable_reverts names, with its arguments, from vlayer's own errors ...
    with pytest.raises(TransactionRevertedError) as named, readable_reverts(chain.verifier.abi):
        claim.transact({"from": chain.owner})
    assert str(named.value) == f"transaction reverted: {expected}"
    assert (named.value.name, named.value.revert.arguments) == (
        "BlockFromFuture",
        {"settleBlockNumber": settle, "currentBlockNumber": settle},
    )
    # ... and submit estimates on the pending block, so the same proof goes through.
    receipt = result.submit(chain.verifier.functions.claim, {"from": chain.owner})
    assert receipt["status"] == 1 and receipt["blockNumber"] == settle + 1
    assert chain.verifier.functions.provenBalance(chain.holder).call() == result.outputs[1]


def test_submit_names_the_proof_verifiers_errors(chain: Chain) -> None:
    client = Client(LOCAL)
    result = client.prove(chain.prover.functions.balance(chain.owner))
    proof, owner, balance = result.verifier_args()
    seal, guest_id, length, (prover, fn, chain_id, number, block_hash) = proof
    ahead = (seal, guest_id, length, (prover, fn, chain_id, number + 10, block_hash))
    head = chain.w3.eth.block_number
    with pytest.raises(TransactionRevertedError) as future:
        submit(chain.verifier.functions.claim(ahead, owner, balance), {"from": chain.owner})
    assert str(future.value) == (
        f"claim(...) to {chain.verifier.address} reverted: "
        f"BlockFromFuture(settleBlockNumber={number + 10}, currentBlockNumber={head + 1})"
    )
    assert chain.w3.eth.block_number == head  # refused at the estimate: nothing was sent
    # A proof of another prover than the verifier's.
    other = client.prove(chain.other_prover.functions.balance(chain.owner))
    with pytest.raises(TransactionRevertedError) as invalid:
        other.submit(chain.verifier.functions.claim, {"from": chain.owner})
    expected, received = chain.prover.address, chain.other_prover.address
    assert invalid.value.reason == f"InvalidProver(expected={expected}, received={received})"
    with pytest.raises(InputError, match=r"submit takes a web3\.py contract function bound to its arguments"):
        submit(chain.verifier.functions.claim, {"from": chain.owner})


@pytest.mark.parametrize("where", ["local", "service"])
def test_proving_errors_carry_the_provers_decoded_error(chain: Chain, service: Serve, where: str) -> None:
    client = Client(LOCAL if where == "local" else service.url)
    f = chain.reverting.functions.balanceAtLeast
    with pytest.raises(ProverRevertedError) as low:
        client.prove(f(chain.holder, NOT_ENOUGH))
    assert low.value.reason == balance_too_low(chain, chain.holder)
    assert str(low.value) == f"prover call reverted: {balance_too_low(chain, chain.holder)}"
    assert low.value.code == CALL_REVERTED and low.value.output[:4] == BALANCE_TOO_LOW
    with pytest.raises(ProverRevertedError) as ours:
        client.prove(f(chain.holder, 1))
    assert ours.value.reason == "SelectorMismatch(received=0x12345678, expected=0x9abcdef0)"
    with pytest.raises(ProverRevertedError) as div:
        client.prove(f(chain.holder, 2))
    assert div.value.reason == "panic 0x12 (division or modulo by zero)"
    with pytest.raises(ProverRevertedError) as zero:
        client.prove(f("0x" + "00" * 20, 5))
    assert zero.value.reason == "owner is the zero address"


def test_the_service_job_holds_the_decoded_reason_of_vlayers_errors(chain: Chain, service: Serve) -> None:
    """The service has no user ABI: vlayer's errors, Error and Panic by name, a prover's own error as hex."""
    client = ProveClient(service.url)
    try:
        reasons, jobs = [], []
        for needed in (1, 2, NOT_ENOUGH):
            data = chain.reverting.functions.balanceAtLeast(chain.holder, needed)._encode_transaction_data()
            job = client.call(chain.reverting.address, data, 31337, None)
            with pytest.raises(ServiceError) as failed:
                client.wait(job, timeout=60)
            receipt = client.receipt(job)
            assert receipt["error"] == str(failed.value.message)
            assert receipt["error_detail"]["data"]["reason"] == receipt["error"].removeprefix("call reverted: ")
            reasons.append(receipt["error"])
            jobs.append(job)
    finally:
        client.close()
    # The dashboard shows the job's error as the job holds it.
    shown = {
        row["hash"]: row["error"]
        for row in requests.get(service.url + "dashboard/jobs.json", timeout=10).json()["jobs"]
    }
    assert [shown[job] for job in jobs] == reasons
    own = custom_error("BalanceTooLow(address,uint256,uint256)", ["address", "uint256", "uint256"],
                       [chain.holder, chain.w3.eth.get_balance(chain.holder), NOT_ENOUGH])  # fmt: skip
    assert reasons == [
        "call reverted: SelectorMismatch(received=0x12345678, expected=0x9abcdef0)",
        "call reverted: panic 0x12 (division or modulo by zero)",
        f"call reverted: custom error 0x{own.hex()}",
    ]


def test_the_readmes_sdk_example_runs_as_written(chain: Chain, service: Serve) -> None:
    """README.md's "Python SDK" block, with the service's URL for the documented one and the names it assumes bound."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("## Python SDK (web3.py)") :]
    block = section[section.index("```python\n") + len("```python\n") : section.index("\n```\n")]
    assert 'Client("http://127.0.0.1:3000/")' in block and "result.submit(verifier.functions.claim" in block
    namespace: dict[str, Any] = {"prover": chain.prover, "verifier": chain.verifier, "owner": chain.owner}
    exec(block.replace("http://127.0.0.1:3000/", service.url), namespace)
    assert namespace["receipt"]["status"] == 1 and "exc" not in namespace
    assert chain.verifier.functions.provenBalance(chain.owner).call() == namespace["result"].outputs[1]


# --- the CLI -------------------------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VLAYER_CLI, *args], capture_output=True, text=True, env=ENV, timeout=180, check=False)


@pytest.fixture
def abi_sources(chain: Chain, tmp_path: Path) -> tuple[Path, Path]:
    """The prover's ABI as a plain JSON ABI file, and as a Foundry project's artifact (beside another one)."""
    abi_file = tmp_path / "RevertingProver.abi.json"
    abi_file.write_text(json.dumps(chain.reverting_abi))
    project = tmp_path / "project"
    for name, abi in (("RevertingProver", chain.reverting_abi), ("Other", chain.prover.abi)):
        (project / "out" / f"{name}.sol").mkdir(parents=True)
        (project / "out" / f"{name}.sol" / f"{name}.json").write_text(json.dumps({"abi": abi, "bytecode": {}}))
    return abi_file, project


def calldata(chain: Chain, owner: str, needed: int) -> str:
    return str(chain.reverting.functions.balanceAtLeast(owner, needed)._encode_transaction_data())


def test_cli_preflight_names_the_provers_errors_with_abi_or_project(
    chain: Chain, abi_sources: tuple[Path, Path]
) -> None:
    abi_file, project = abi_sources
    base = ["preflight", "--rpc-url", chain.app.anvil.url, "--hardfork", HARDFORK, "--to", chain.reverting.address]
    low = calldata(chain, chain.holder, NOT_ENOUGH)
    expected = f"status       reverted: {balance_too_low(chain, chain.holder)}\n"
    for extra in (["--abi", str(abi_file)], ["--project", str(project)]):
        p = cli(*base, "--data", low, *extra)
        assert p.returncode == 1, p.stderr
        assert expected in p.stdout
    p = cli(*base, "--data", low, "--abi", str(abi_file), "--json")
    assert json.loads(p.stdout)["revert_reason"] == balance_too_low(chain, chain.holder)
    # Without the prover's ABI its own error stays hex; vlayer's are named all the same.
    bare = cli(*base, "--data", low)
    assert f"status       reverted: custom error 0x{BALANCE_TOO_LOW.hex()}" in bare.stdout
    ours = cli(*base, "--data", calldata(chain, chain.holder, 1))
    assert "status       reverted: SelectorMismatch(received=0x12345678, expected=0x9abcdef0)\n" in ours.stdout


def test_cli_prove_names_the_provers_errors_locally_and_through_a_service(
    chain: Chain, service: Serve, abi_sources: tuple[Path, Path]
) -> None:
    abi_file, project = abi_sources
    low = calldata(chain, chain.holder, NOT_ENOUGH)
    base = ["prove", "--to", chain.reverting.address, "--data", low]
    local = cli(*base, "--dev", "--rpc-url", chain.app.anvil.url, "--hardfork", HARDFORK, "--abi", str(abi_file))
    assert (local.returncode, local.stderr.splitlines()[-1]) == (
        5,
        f"error: call reverted: {balance_too_low(chain, chain.holder)}",
    )
    remote = cli(*base, "--service", service.url, "--chain-id", "31337", "--project", str(project))
    assert remote.returncode == 11, remote.stderr
    reason = balance_too_low(chain, chain.holder)
    assert remote.stderr.splitlines()[-1] == f"error: preflight failed: call reverted: {reason} (JSON-RPC error -32001)"


def test_cli_refuses_an_unreadable_abi_before_any_rpc(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "an abi"}')
    # No node listens on port 9: the ABI is refused first.
    p = cli("preflight", "--rpc-url", "http://127.0.0.1:9", "--to", "0x" + "11" * 20, "--abi", str(bad))
    assert (p.returncode, p.stderr) == (
        2,
        f"error: {bad} is neither a JSON ABI (a list of entries) nor an artifact with an `abi` list\n",
    )
    p = cli("prove", "--dev", "--rpc-url", "http://127.0.0.1:9", "--to", "0x" + "11" * 20, "--project", str(tmp_path))
    assert (p.returncode, p.stderr) == (
        2,
        f"error: {tmp_path} has no out/ folder of compiled artifacts; build it first (vlayer build {tmp_path})\n",
    )


def test_a_service_given_the_provers_abi_names_its_errors_and_functions(chain: Chain, tmp_path: Path) -> None:
    """`vlayer serve --abi FILE`: a failed job's reason names the prover's own error (hex without it, above) and the
    dashboard's function column names the function."""
    abi = tmp_path / "RevertingProver.json"
    abi.write_text(json.dumps({"abi": chain.reverting_abi}))  # a Foundry artifact's shape
    f = chain.reverting.functions.balanceAtLeast
    with Serve(chain.app.anvil.url, tmp_path / "jobs.db", HARDFORK, "--abi", str(abi)) as serve:
        client = ProveClient(serve.url)
        try:
            job = client.call(chain.reverting.address, f(chain.holder, NOT_ENOUGH)._encode_transaction_data(), 31337,
                              None)  # fmt: skip
            with pytest.raises(ServiceError) as failed:
                client.wait(job, timeout=60)
        finally:
            client.close()
        assert str(failed.value.message) == f"call reverted: {balance_too_low(chain, chain.holder)}"
        rows = requests.get(serve.url + "dashboard/jobs.json", timeout=10).json()["jobs"]
    selector = "0x" + f(chain.holder, NOT_ENOUGH)._encode_transaction_data()[2:10]
    assert [(r["function"], r["error"]) for r in rows if r["hash"] == job] == [
        (f"balanceAtLeast ({selector})", f"call reverted: {balance_too_low(chain, chain.holder)}")
    ]
