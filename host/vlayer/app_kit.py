"""What an example app needs to run end to end on a chain: forge artifacts, deployments from unlocked accounts,
proofs from the prove service, and the verifier calls that carry them.

`python -m vlayer.app_kit EXAMPLE_DIR --rpc-url URL --service URL` loads `EXAMPLE_DIR/vlayer/app.py` and calls its
`run(kit)`; `bash/vlayer-build.sh` does that after building, starting anvil and the service.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from eth_abi.abi import decode, encode
from eth_utils.abi import function_signature_to_4byte_selector

from vlayer.errors import InputError, RpcResponseError, VlayerError
from vlayer.proof_encoding import PROOF_TYPE, Proof, journal_of, proof_from_json, verifier_calldata
from vlayer.rpc import RpcClient
from vlayer.service.client import ProveClient


class AppError(VlayerError):
    """A step of an example app failed (deployment, a transaction, a check)."""

    exit_code = 12


@dataclass(frozen=True)
class Proven:
    proof: Proof
    journal: bytes
    return_data: bytes


def _selector(signature: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(signature.replace("Proof", PROOF_TYPE)))


class Kit:
    def __init__(self, example: Path, rpc_url: str, service_url: str, out: Callable[[str], None] | None = None) -> None:
        self.example = example
        self.rpc = RpcClient.http(rpc_url)
        self.service = ProveClient(service_url)
        self.chain_id = int(self.rpc.call("eth_chainId", []), 16)
        self.accounts: list[str] = list(self.rpc.call("eth_accounts", []))
        if not self.accounts:
            raise AppError("the node has no unlocked accounts to deploy from (use anvil, or a node with unlocked keys)")
        self.call_guest_id = bytes.fromhex(self.service.request("v_versions", [])["call_guest_id"][2:])
        self.echo = out or (lambda line: click.echo(line))

    def artifact(self, name: str) -> dict[str, Any]:
        matches = sorted((self.example / "out").glob(f"*.sol/{name}.json"))
        if not matches:
            raise AppError(f"no forge artifact for {name} in {self.example / 'out'}; run forge build")
        doc: dict[str, Any] = json.loads(matches[0].read_text())
        return doc

    def head(self) -> int:
        return int(self.rpc.call("eth_blockNumber", []), 16)

    def _wait(self, tx_hash: str, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while (receipt := self.rpc.call("eth_getTransactionReceipt", [tx_hash])) is None:
            if time.monotonic() > deadline:
                raise AppError(f"{what}: transaction {tx_hash} not mined within 60s")
            time.sleep(0.05)
        if receipt["status"] != "0x1":
            raise AppError(f"{what}: transaction {tx_hash} reverted")
        result: dict[str, Any] = receipt
        return result

    def deploy(self, name: str, types: list[str], args: list[Any], sender: str | None = None) -> str:
        code = bytes.fromhex(self.artifact(name)["bytecode"]["object"].removeprefix("0x")) + encode(types, args)
        tx = {"from": sender or self.accounts[0], "data": "0x" + code.hex()}
        receipt = self._wait(self.rpc.call("eth_sendTransaction", [tx]), f"deploy {name}")
        address = str(receipt["contractAddress"])
        self.echo(f"  deployed {name:24} {address}")
        return address

    def send(
        self, to: str, signature: str, types: list[str], args: list[Any], sender: str | None = None
    ) -> dict[str, Any]:
        data = _selector(signature) + encode(types, args)
        return self.send_raw(to, data, signature, sender)

    def send_raw(self, to: str, data: bytes, what: str, sender: str | None = None) -> dict[str, Any]:
        tx = {"from": sender or self.accounts[0], "to": to, "data": "0x" + data.hex()}
        try:
            tx_hash = self.rpc.call("eth_sendTransaction", [tx])
        except RpcResponseError as exc:
            raise AppError(f"{what}: {exc}") from None
        return self._wait(tx_hash, what)

    def view(
        self, to: str, signature: str, types: list[str], args: list[Any], out: list[str], block: int | None = None
    ) -> tuple[Any, ...]:
        """A view call at `block` (default: the pending block)."""
        data = _selector(signature) + encode(types, args)
        tag = "pending" if block is None else hex(block)
        raw = self.rpc.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, tag])
        return tuple(decode(out, bytes.fromhex(raw[2:])))

    def call_error(self, to: str, data: bytes) -> bytes | None:
        """The revert data of a call, or None when it succeeds."""
        try:
            self.rpc.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, "pending"])
        except RpcResponseError as exc:
            revert = exc.data if isinstance(exc.data, str) and exc.data.startswith("0x") else "0x"
            return bytes.fromhex(revert[2:])
        return None

    def prove(self, prover: str, signature: str, types: list[str], args: list[Any]) -> Proven:
        data = _selector(signature) + encode(types, args)
        t0 = time.perf_counter()
        job = self.service.call(prover, "0x" + data.hex(), self.chain_id)
        self.echo(f"  v_call {signature} -> job {job}")
        receipt = self.service.wait(job, on_state=lambda s: self.echo(f"    {s}"))
        proof = proof_from_json(receipt["data"]["proof"])
        return_data = bytes.fromhex(receipt["data"]["evm_call_result"][2:])
        mode = proof.seal.mode.name
        self.echo(
            f"  proved at block {proof.call_assumptions.block_number} ({mode}) in {time.perf_counter() - t0:.2f}s"
        )
        return Proven(proof, journal_of(proof, return_data), return_data)

    def verifier_call(self, signature: str, proven: Proven) -> bytes:
        return verifier_calldata(_selector(signature), proven.proof, proven.journal)

    def expect_tampered_refused(self, verifier: str, data: bytes, what: str) -> None:
        """Flip the last bit of a verified call's last output and require the verifier to refuse it."""
        self.echo("checking that a tampered proof is refused")
        tampered = bytearray(data)
        tampered[-1] ^= 1  # `what` is off by one from what was proven
        error = self.call_error(verifier, bytes(tampered))
        if error != _selector("VerificationFailed()"):
            raise AppError(f"a tampered proof ({what}) was not refused with VerificationFailed() (got {error!r})")
        self.echo("  tampered proof rejected: VerificationFailed()")


def load_app(example: Path) -> Any:
    path = example / "vlayer" / "app.py"
    if not path.exists():
        raise InputError(f"{example} is not an example folder: {path} is missing")
    spec = importlib.util.spec_from_file_location(f"vlayer_example_{example.name.replace('-', '_')}", path)
    if spec is None or spec.loader is None:
        raise InputError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@click.command()
@click.argument("example", type=click.Path(exists=True, file_okay=False))
@click.option("--rpc-url", required=True)
@click.option("--service", "service_url", required=True)
def main(example: str, rpc_url: str, service_url: str) -> None:
    """Deploy an example, prove its call through the service and submit the proof to its verifier."""
    try:
        kit = Kit(Path(example).resolve(), rpc_url, service_url)
        load_app(kit.example).run(kit)
    except VlayerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
