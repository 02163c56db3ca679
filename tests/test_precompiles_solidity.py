"""The Solidity side of the precompiles agrees with the engine: the ABI types RegexLib, URLPatternLib, JsonLib and
EmailProofLib encode inputs with and decode outputs with (contracts/test/Precompiles.t.sol pins the libraries to
these eth_abi encodings) read the engine's own vectors (precompiles/vectors/*.json, which `cargo test` checks) as the
engine wrote them; and the constants EmailProofLib trusts match the dev notary key and chains/chains.json."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from Crypto.PublicKey import RSA
from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

from tests.support.contracts import CONTRACTS, HARDFORK, compile_sources, custom_error, selector
from vlayer.devnet import REPO_ROOT, Anvil, ToolError
from vlayer.email import prepare_email

VECTORS = REPO_ROOT / "precompiles" / "vectors"
#: Each precompile's input and output ABI types, as the Solidity libraries use them.
PAIR = "string[2]"
TYPES: dict[str, tuple[str, str]] = {
    "JsonGetString": (PAIR, "string"),
    "JsonGetInt": (PAIR, "int256"),
    "JsonGetBool": (PAIR, "bool"),
    "JsonGetFloatAsInt": ("(string,string,uint8)", "int256"),
    "RegexMatch": (PAIR, "bool"),
    "RegexCapture": (PAIR, "string[]"),
    "UrlPatternTest": (PAIR, "bool"),
}
#: Address suffixes (PrecompilesAddresses.sol), for vectors that name a precompile by its address byte.
SUFFIXES = {"0x02": "JsonGetString", "0x03": "JsonGetInt", "0x04": "JsonGetBool", "0x05": "JsonGetFloatAsInt",
            "0x10": "RegexMatch", "0x11": "RegexCapture", "0x20": "UrlPatternTest"}  # fmt: skip
VERIFY_EMAIL = "0xF4E4FdcA9d5D55e64525e314391996a15f7EC601"
UNVERIFIED_EMAIL = "(string,(string,uint8,string,uint64),(uint64,bytes,bytes))"
VERIFIED_EMAIL = "(string,string,string,string)"


def vectors(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((VECTORS / name).read_text())
    return cases


def precompile_cases() -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in vectors("precompiles.json") if "args" in c]


@pytest.mark.parametrize("case", precompile_cases())
def test_library_encodings_read_the_engines_vectors(case: dict[str, Any]) -> None:
    precompile = SUFFIXES.get(case["precompile"], case["precompile"])
    input_type, output_type = TYPES[precompile]
    args = case["args"]
    value = (args["json"], args["path"], args["precision"]) if isinstance(args, dict) else args
    assert "0x" + encode([input_type], [value]).hex() == case["input"]
    if "output" in case:
        (decoded,) = decode([output_type], bytes.fromhex(case["output"][2:]))
        assert (list(decoded) if output_type == "string[]" else decoded) == case["value"]


def test_every_precompile_has_vectors() -> None:
    names = {SUFFIXES.get(c["precompile"], c["precompile"]) for c in vectors("precompiles.json")}
    assert set(TYPES) <= names


def test_email_structs_read_the_engines_vectors() -> None:
    verified = [c for c in vectors("email.json") if "output" in c]
    assert verified, "no verified email in the vectors"
    for case in verified:
        (email, (name, record_type, _, _), (_, _, pub_key)) = decode(
            [UNVERIFIED_EMAIL], bytes.fromhex(case["input"][2:])
        )[0]
        assert (record_type, name.endswith("._domainkey.vlayer-test.example")) == (16, True), case["name"]
        assert "DKIM-Signature:" in email, case["name"]
        assert len(pub_key) == 294, case["name"]
        (got,) = decode([VERIFIED_EMAIL], bytes.fromhex(case["output"][2:]))
        want = case["value"]
        assert got == (want["from"], want["to"], want["subject"], want["body"]), case["name"]


def solidity(path: str) -> str:
    return (CONTRACTS / "src" / path).read_text()


def test_the_dev_key_hash_is_the_dev_notary_keys() -> None:
    pem = (REPO_ROOT / "host" / "vlayer" / "email" / "dev_notary_key.pem").read_bytes()
    spki = RSA.import_key(pem).public_key().export_key(format="DER")
    constant = re.search(r"DEV_DNS_NOTARY_KEY_HASH =\s*(0x[0-9a-f]{64});", solidity("EmailProof.sol"))
    assert constant is not None
    assert "0x" + keccak(spki).hex() == constant[1]


def test_dev_chains_are_the_chain_tables() -> None:
    body = re.search(r"function isDevChain\(uint256 chainId\)[^{]*\{(.*?)\n    \}", solidity("ChainIds.sol"), re.S)
    assert body is not None
    listed = sorted(int(n) for n in re.findall(r"chainId == (\d+)", body[1]))
    assert listed == sorted(json.loads((REPO_ROOT / "chains" / "chains.json").read_text())["dev_chains"])


# --- on a plain node -----------------------------------------------------------------------------------------------

EXAMPLE = REPO_ROOT / "examples" / "simple-email-proof"
_IMPORT = re.compile(r'^import \{[^}]*\} from "([^"]+)";', re.M)


def example_sources(entry: str) -> dict[str, str]:
    """`entry` of the email example and what it imports, under the names its remapping (vlayer/ = contracts/src/)
    gives them, so that solc resolves the imports as forge does."""
    sources: dict[str, str] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        path = CONTRACTS / "src" / name.removeprefix("vlayer/") if name.startswith("vlayer/") else EXAMPLE / name
        sources[name] = path.read_text()
        base = name.rsplit("/", 1)[0]
        for imported in _IMPORT.findall(sources[name]):
            todo.append(f"{base}/{imported[2:]}" if imported.startswith("./") else imported)
    return sources


@pytest.mark.parametrize(("chain_id", "valid_for", "revert"), [
    # Past the Solidity checks, the call reaches the precompile, which a plain node does not have.
    (31337, 3600, custom_error("PrecompileNotAvailable(address)", ["address"], [VERIFY_EMAIL])),
    (31337, 0, custom_error("Error(string)", ["string"], ["EmailProof: expired DNS verification"])),
    (1, 3600, custom_error("Error(string)", ["string"], [
        "EmailProof: no DNS notary key is trusted on this chain without a key repository; "
        "use EmailProofLib.verify(email, repository)"])),
])  # fmt: skip
def test_the_email_example_prover_checks_the_prepared_email_on_anvil(
    chain_id: int, valid_for: int, revert: bytes
) -> None:
    """The example's prover on a real anvil with the email `prepare_email` builds from its testdata: the dev notary's
    key passes EmailProofLib's key check on a dev chain, an expired record and another chain are refused."""
    out = compile_sources(example_sources("src/EmailDomainProver.v.sol"))["EmailDomainProver"]
    raw = (EXAMPLE / "testdata" / "mint_request.eml").read_bytes()
    record = (EXAMPLE / "testdata" / "dkim_record.txt").read_text().strip()
    with Anvil(hardfork=HARDFORK, chain_id=chain_id) as anvil:
        sender = anvil.rpc("eth_accounts")[0]
        prover = anvil.transact({"from": sender, "data": "0x" + out["bytecode"].hex()})["contractAddress"]
        now = int(anvil.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        email = prepare_email(raw, record, valid_until=now + valid_for)
        data = selector(f"main({UNVERIFIED_EMAIL})") + encode([UNVERIFIED_EMAIL], [email.as_abi()])
        with pytest.raises(ToolError) as refused:
            anvil.rpc("eth_call", {"to": prover, "data": "0x" + data.hex()}, "latest")
    assert bytes.fromhex(refused.value.data[2:]) == revert  # type: ignore[attr-defined]
