"""The Solidity contracts of contracts/ compiled by the pinned solc, the receipt vectors in contracts/test/vectors,
and an app setup on a real anvil (token, prover, image id repository, fake proof verifier, verifier) for the dev-mode
proof tests."""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak

from vlayer.chain.forks import ChainSpec
from vlayer.devnet import REPO_ROOT, Anvil, ToolError
from vlayer.guest import run_and_check
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts.proof_encoding import Proof, fake_proof
from vlayer.rpc import RpcClient

CONTRACTS = REPO_ROOT / "contracts"
#: RISC Zero's public Groth16 test receipts (sources in contracts/test/vectors/README.md); forge reads them too.
VECTORS = CONTRACTS / "test" / "vectors"
RECEIPT_VECTOR = VECTORS / "risc0_groth16_receipt_v3_0.json"
#: RISC Zero 2.2's receipt: the same verifying key and BN254 control id, another control root.
RECEIPT_VECTOR_V2_2 = VECTORS / "risc0_groth16_receipt_v2_2.json"
#: A test-only image id, registered by the tests that use it (dev mode involves no zkVM image).
TEST_IMAGE_ID = keccak(text="vlayer test call guest")
HARDFORK = "osaka"


def selector(sig: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(sig))


def custom_error(sig: str, types: list[str], args: list[Any]) -> bytes:
    return selector(sig) + encode(types, args)


def compile_sources(sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Compile with the settings of contracts/foundry.toml through forge's solc wrapper (contracts/bin/solc).

    Not `vlayer.devnet.compile_solidity`: it reads solcjs through a pipe, and node exits before flushing a pipe,
    so outputs over 64 KiB (these contracts') arrive cut; the wrapper goes through files.
    """
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "evmVersion": "osaka",
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    with tempfile.TemporaryFile() as out:
        subprocess.run(
            [str(CONTRACTS / "bin" / "solc"), "--standard-json"],
            input=json.dumps(std_input).encode(),
            stdout=out,
            check=True,
        )
        out.seek(0)
        result = json.loads(out.read())
    errors = [e["formattedMessage"] for e in result.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise ToolError("solc: " + "; ".join(errors))
    return {
        name: {
            "abi": c["abi"],
            "bytecode": bytes.fromhex(c["evm"]["bytecode"]["object"]),
            "deployed": bytes.fromhex(c["evm"]["deployedBytecode"]["object"]),
        }
        for unit in result["contracts"].values()
        for name, c in unit.items()
    }


@functools.lru_cache(maxsize=1)
def compiled() -> dict[str, dict[str, Any]]:
    """contracts/src, the example prover and verifier, and the example token, under repo-relative source names so
    that their relative imports resolve as forge resolves them."""
    files = [*sorted((CONTRACTS / "src").rglob("*.sol")), *sorted((CONTRACTS / "test" / "examples").glob("*.sol"))]
    files.append(REPO_ROOT / "examples" / "simple" / "src" / "ExampleToken.sol")
    return compile_sources({str(p.relative_to(REPO_ROOT)): p.read_text() for p in files})


@dataclass(frozen=True)
class ReceiptVector:
    seal: bytes
    journal: bytes
    image_id: bytes
    control_root: bytes
    bn254_control_id: bytes
    verifying_key: dict[str, str]


def receipt_vector(path: Path = RECEIPT_VECTOR) -> ReceiptVector:
    raw = json.loads(path.read_text())

    def hex_field(key: str) -> bytes:
        return bytes.fromhex(raw[key][2:])

    return ReceiptVector(
        hex_field("seal"),
        hex_field("journal"),
        hex_field("image_id"),
        hex_field("control_root"),
        hex_field("bn254_control_id"),
        raw["verifying_key"],
    )


def deploy(anvil: Anvil, name: str, types: list[str], args: list[Any], sender: str) -> bytes:
    code = compiled()[name]["bytecode"] + encode(types, args)
    receipt = anvil.transact({"from": sender, "data": "0x" + code.hex(), "gas": hex(15_000_000)})
    return bytes.fromhex(receipt["contractAddress"][2:])


def send(anvil: Anvil, sender: str, to: bytes, data: bytes) -> dict[str, Any]:
    return anvil.transact({"from": sender, "to": "0x" + to.hex(), "data": "0x" + data.hex(), "gas": hex(3_000_000)})


def call(anvil: Anvil, to: bytes, data: bytes, block: int | str = "latest") -> bytes:
    tag = hex(block) if isinstance(block, int) else block
    out = anvil.rpc("eth_call", {"to": "0x" + to.hex(), "data": "0x" + data.hex()}, tag)
    return bytes.fromhex(out[2:])


def revert_of(anvil: Anvil, to: bytes, data: bytes, block: int | str = "latest") -> bytes:
    """The revert data of a call that must revert."""
    try:
        out = call(anvil, to, data, block)
    except ToolError as exc:
        return bytes.fromhex((getattr(exc, "data", None) or "0x")[2:])
    raise AssertionError(f"call succeeded (returned 0x{out.hex()}), expected a revert")


@dataclass
class App:
    """A token, the example prover over it, and the example verifier accepting dev-mode proofs of it."""

    anvil: Anvil
    owner: str
    holder: bytes
    token: bytes
    prover: bytes
    repository: bytes
    fake_verifier: bytes
    verifier: bytes

    def head(self) -> int:
        return int(self.anvil.rpc("eth_blockNumber"), 16)

    def block_hash(self, number: int) -> bytes:
        return bytes.fromhex(self.anvil.rpc("eth_getBlockByNumber", hex(number), False)["hash"][2:])

    def mine(self, blocks: int = 1) -> None:
        self.anvil.rpc("anvil_mine", hex(blocks))

    def preflight(self, data: bytes, block: int, prover: bytes | None = None) -> PreflightResult:
        request = CallRequest(to=prover or self.prover, data=data)
        client = RpcClient.http(self.anvil.url)
        return preflight(client, request, block, chain_spec=ChainSpec.dev(HARDFORK))

    def dev_proof(
        self, data: bytes, block: int, image_id: bytes = TEST_IMAGE_ID, prover: bytes | None = None
    ) -> tuple[Proof, bytes]:
        """What the prover's dev mode returns: preflight, the guest's journal, a fake seal over its claim."""
        result = self.preflight(data, block, prover)
        assert result.success, result.revert_reason
        journal = run_and_check(result).journal
        return fake_proof(image_id, journal), journal

    def proven_balance(self, owner: bytes) -> int:
        out = call(self.anvil, self.verifier, selector("provenBalance(address)") + encode(["address"], [owner]))
        return int(decode(["uint256"], out)[0])


def deploy_app(anvil: Anvil, verifier_prover: bytes | None = None) -> App:
    """Deploys the app; `verifier_prover` points the verifier at another chain's prover."""
    owner, holder_hex = anvil.rpc("eth_accounts")[:2]
    holder = bytes.fromhex(holder_hex[2:])
    token = deploy(anvil, "ExampleToken", ["address[]", "uint256[]"], [[owner, holder], [10**21, 250 * 10**18]], owner)
    prover = deploy(anvil, "TokenBalanceProver", ["address"], [token], owner)
    repository = deploy(anvil, "ImageIdRepository", ["address"], [owner], owner)
    fake_verifier = deploy(anvil, "FakeProofVerifier", ["address"], [repository], owner)
    verifier = deploy(
        anvil, "TokenBalanceVerifier", ["address", "address"], [fake_verifier, verifier_prover or prover], owner
    )
    send(anvil, owner, repository, selector("addImageIdSupport(bytes32)") + TEST_IMAGE_ID)
    return App(anvil, owner, holder, token, prover, repository, fake_verifier, verifier)
