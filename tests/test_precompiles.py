"""vlayer's precompiles (JSON, regex, URL pattern, email): the host answers exactly as the guest's engine does.

The tables in `precompiles/vectors/` are the ones `cargo test -p vlayer-precompiles` reads; here every case runs
through the native module the preflight calls. Then, on a real anvil, a probe calls each precompile and the
preflight, the native guest and the zkVM executor must agree on return data, gas and journal; a fatal failure aborts
the whole call with the guest's exact message, a call short of gas fails like any out-of-gas call, and the email
precompile refuses on a block reached by time travel.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode, encode

from tests.support.contracts import CONTRACTS, compile_sources, selector
from tests.support.corpus import deploy
from tests.support.service import Serve
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import GuestError, PrecompileError
from vlayer.evm.vlayer_precompiles import table
from vlayer.guest import execute_native, native_module, run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.rpc import RpcClient
from vlayer.service.client import ProveClient, ServiceError

VECTORS = REPO_ROOT / "precompiles" / "vectors"
BASE = bytes.fromhex("F4E4FdcA9d5D55e64525e314391996a15f7EC6")
SUFFIX = {
    "EmailProof": 0x01,
    "JsonGetString": 0x02,
    "JsonGetInt": 0x03,
    "JsonGetBool": 0x04,
    "JsonGetFloatAsInt": 0x05,
    "RegexMatch": 0x10,
    "RegexCapture": 0x11,
    "UrlPatternTest": 0x20,
    "ShieldedOpen": 0x40,
    "ShieldedTryOpen": 0x41,
}
SHIELDED = ("ShieldedOpen", "ShieldedTryOpen")
RAW = "raw(uint8,bytes,uint256)"


def cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("precompiles.json", "email.json"):
        out.extend(json.loads((VECTORS / name).read_text()))
    return out


def shielded_cases() -> list[dict[str, Any]]:
    """The ShieldedOpen / ShieldedTryOpen table of the vlayer-shielding crate (with the secret keys each case's prover
    holds)."""
    return list(json.loads((REPO_ROOT / "shielding" / "vectors" / "shielded.json").read_text()))


def suffix(c: dict[str, Any]) -> int:
    """A case names its precompile by name or by address suffix ("0x02")."""
    name = str(c["precompile"])
    return int(name, 16) if name.startswith("0x") else SUFFIX[name]


def gas_cost(data: bytes) -> int:
    return 1000 + 320 * ((len(data) + 31) // 32)


def case(name: str) -> dict[str, Any]:
    return next(c for c in cases() if c["name"] == name)


def data_of(c: dict[str, Any]) -> bytes:
    return bytes.fromhex(c["input"][2:])


def test_the_table_names_vlayers_addresses() -> None:
    assert {name: address for address, name, _ in table()} == {n: BASE + bytes([s]) for n, s in SUFFIX.items()}
    assert [name for _, name, refused in table() if refused] == ["EmailProof", "ShieldedOpen", "ShieldedTryOpen"]


@pytest.mark.parametrize("c", cases(), ids=lambda c: str(c["name"]))
def test_every_vector_through_the_native_module(c: dict[str, Any]) -> None:
    native = native_module()
    address = BASE + bytes([suffix(c)])
    data = data_of(c)
    limit = int(c.get("gas_limit", 30_000_000))
    status, output, gas, message = native.precompile_call(address, data, limit, False)
    if c.get("out_of_gas"):
        assert (status, gas) == ("out_of_gas", gas_cost(data))
    elif "error" in c:
        name = next(n for n, s in SUFFIX.items() if s == suffix(c))
        assert (status, message) == ("fatal", f"precompile {name}: {c['error']}")
    else:
        assert status == "ok", message
        assert bytes(output).hex() == c["output"][2:]
        assert gas == gas_cost(data) == int(c.get("gas", gas))


@pytest.mark.parametrize("precompile", SHIELDED)
@pytest.mark.parametrize("c", shielded_cases(), ids=lambda c: str(c["name"]))
def test_every_shielded_vector_through_the_native_module(c: dict[str, Any], precompile: str) -> None:
    # ShieldedTryOpen's outcome is the case's try_output / try_error; ShieldedOpen's its output / error.
    prefix = "try_" if precompile == "ShieldedTryOpen" else ""
    address = BASE + bytes([SUFFIX[precompile]])
    secrets = [bytes.fromhex(s[2:]) for s in c["secrets"]]
    data = data_of(c)
    status, output, gas, message = native_module().precompile_call(address, data, 30_000_000, False, secrets)
    if prefix + "error" in c:
        assert (status, message) == ("fatal", f"precompile {precompile}: {c[prefix + 'error']}")
    else:
        assert status == "ok", message
        assert (bytes(output).hex(), gas) == (c[prefix + "output"][2:], gas_cost(data))
    # Never on a travelled block: the key must be the registry's at the settle block.
    refused = native_module().precompile_call(address, data, 30_000_000, True, secrets)
    assert refused[3] == f"precompile {precompile}: Precompile `{precompile}` is not allowed for travel calls"


def test_try_open_answers_where_open_aborts_on_the_ciphertext_only() -> None:
    """The table's point, read on its own: ShieldedTryOpen answers `(false, "")` exactly where ShieldedOpen aborts
    on the ciphertext, and aborts with ShieldedOpen's words where the prover holds no key or the input is malformed."""
    not_opened = encode(["bool", "bytes"], [False, b""])
    for c in shielded_cases():
        if "output" in c:
            assert decode(["bool", "bytes"], bytes.fromhex(c["try_output"][2:])) == (True, c["plaintext"].encode())
        elif "does not open" in c["error"]:
            assert bytes.fromhex(c["try_output"][2:]) == not_opened, c["name"]
        else:
            assert c["try_error"] == c["error"], c["name"]
            assert c["error"].startswith(("Shielded: malformed input: ", "Shielded: this prover holds no secret key"))


def test_an_unknown_address_is_refused_by_the_native_module() -> None:
    with pytest.raises(ValueError, match="not a vlayer precompile"):
        native_module().precompile_call(BASE + b"\x06", b"", 10_000, False)


@dataclass
class Chain:
    anvil: Anvil
    probe: bytes
    head: int

    def preflight(self, sig: str, types: list[str], args: list[Any]) -> PreflightResult:
        request = CallRequest(to=self.probe, data=selector(sig) + encode(types, args))
        return preflight(RpcClient.http(self.anvil.url), request, self.head, chain_spec=ChainSpec.dev("osaka"))

    def raw(self, c: dict[str, Any], gas: int = 0) -> PreflightResult:
        return self.preflight(RAW, ["uint8", "bytes", "uint256"], [suffix(c), data_of(c), gas])


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    files = [CONTRACTS / "src" / n for n in ("Prover.sol", "Proof.sol", "Seal.sol", "CallAssumptions.sol")]
    files.append(REPO_ROOT / "tests" / "contracts" / "PrecompilesProbe.sol")
    built = compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})
    with Anvil(hardfork="osaka") as anvil:
        sender = anvil.rpc("eth_accounts")[0]
        anvil.rpc("anvil_mine", hex(3))
        probe = deploy(anvil, built["PrecompilesProbe"]["bytecode"], sender)
        anvil.rpc("anvil_mine", hex(1))
        yield Chain(anvil, probe, int(anvil.rpc("eth_blockNumber"), 16))


def _first_success(precompile: str) -> dict[str, Any]:
    return next(c for c in cases() if suffix(c) == SUFFIX[precompile] and "output" in c)


# The shielded ones need a registered key and a prover's secret: tests/test_shielded_requests.py.
@pytest.mark.parametrize("precompile", [name for name in SUFFIX if name not in SHIELDED])
def test_preflight_and_native_guest_agree_on_each_precompile(chain: Chain, precompile: str) -> None:
    c = _first_success(precompile)
    result = chain.raw(c)
    assert result.success, result.revert_reason
    ok, output, _ = decode(["bool", "bytes", "uint256"], result.return_data)
    assert ok and output.hex() == c["output"][2:]
    run_and_check(result)  # return data, gas and journal equal


def test_the_zkvm_executor_commits_the_preflights_journal(chain: Chain) -> None:
    from vlayer.receipts import zkvm

    for precompile in ("JsonGetString", "RegexCapture", "EmailProof"):
        result = chain.raw(_first_success(precompile))
        assert zkvm.execute(input_for(result)).journal == expected_journal(result), precompile


def test_a_fatal_failure_aborts_the_call_with_the_guests_message(chain: Chain) -> None:
    bad = next(c for c in cases() if suffix(c) == 0x11 and c.get("error") == "No match found")
    with pytest.raises(PrecompileError) as err:
        chain.raw(bad)
    assert str(err.value) == "precompile RegexCapture: No match found"
    # The guest on the same witness, with the failing input in place of a succeeding one, says the same words.
    good = chain.raw(_first_success("RegexCapture"))
    data = selector(RAW) + encode(["uint8", "bytes", "uint256"], [0x11, data_of(bad), 0])
    doctored = dataclasses.replace(good, call=dataclasses.replace(good.call, data=data))
    with pytest.raises(GuestError) as guest:
        execute_native(input_for(doctored))
    assert str(guest.value) == "precompile RegexCapture: No match found"


def test_the_service_fails_an_aborted_job_with_the_guests_message(chain: Chain, tmp_path: Path) -> None:
    bad = next(c for c in cases() if suffix(c) == 0x11 and c.get("error") == "No match found")
    data = selector(RAW) + encode(["uint8", "bytes", "uint256"], [0x11, data_of(bad), 0])
    with Serve(chain.anvil.url, tmp_path / "jobs.db", "osaka") as serve:
        client = ProveClient(serve.url)
        try:
            job = client.call("0x" + chain.probe.hex(), "0x" + data.hex(), 31337, None)
            with pytest.raises(ServiceError) as failed:
                client.wait(job, timeout=60)
            assert failed.value.message == "precompile RegexCapture: No match found"
            # Which precompile aborted: what a request worker reads to give the request up at once.
            assert (failed.value.code, failed.value.data) == (-32004, {"precompile": "RegexCapture"})
            assert client.receipt(job)["error"] == "precompile RegexCapture: No match found"
        finally:
            client.close()


def test_too_little_gas_fails_the_call_not_the_execution(chain: Chain) -> None:
    c = _first_success("JsonGetBool")
    result = chain.raw(c, gas=gas_cost(data_of(c)) - 1)
    assert result.success, result.revert_reason
    ok, output, _ = decode(["bool", "bytes", "uint256"], result.return_data)
    assert (ok, output) == (False, b"")
    run_and_check(result)


def test_precompile_addresses_are_warm_in_both(chain: Chain) -> None:
    result = chain.preflight("balanceOfPrecompile(uint8)", ["uint8"], [0x10])
    assert result.success, result.revert_reason
    run_and_check(result)
    # A node cannot compare: on it the address is an empty cold account (the preflight skips its eth_call).
    cold = chain.preflight("balanceOfPrecompile(uint8)", ["uint8"], [0x06])  # not a precompile: cold
    warm_left = decode(["uint256", "uint256"], result.return_data)[1]
    cold_left = decode(["uint256", "uint256"], cold.return_data)[1]
    assert warm_left - cold_left == 2600 - 100  # EIP-2929: cold account access vs warm


def test_email_is_refused_after_time_travel_and_json_is_not(chain: Chain) -> None:
    email = _first_success("EmailProof")
    sig = "rawAfterTravel(uint256,uint8,bytes)"
    types = ["uint256", "uint8", "bytes"]
    with pytest.raises(PrecompileError) as err:
        chain.preflight(sig, types, [chain.head - 1, 0x01, data_of(email)])
    assert str(err.value) == "precompile EmailProof: Precompile `EmailProof` is not allowed for travel calls"
    json_case = _first_success("JsonGetString")
    result = chain.preflight(sig, types, [chain.head - 1, 0x02, data_of(json_case)])
    assert result.success, result.revert_reason
    assert decode(["bool", "bytes", "uint256"], result.return_data)[1].hex() == json_case["output"][2:]
    run_and_check(result)
    # The guest's own refusal on a travelled block is vlayer_precompiles' unit test (guest/src): a doctored input
    # cannot reach it, as the travelled frame first loads the precompile's account, which only a refused run reads.


def test_the_vectors_files_are_the_crates(tmp_path: Path) -> None:
    # The tables are shared by both languages; the crate's own test reads them from the same place.
    assert (REPO_ROOT / "precompiles" / "tests" / "integration" / "vectors.rs").read_text().count(
        "vectors/precompiles.json"
    ) >= 1
    assert (REPO_ROOT / "precompiles" / "tests" / "integration" / "email.rs").read_text().count("email.json") >= 1
