"""What an example app needs to run end to end on a chain: web3.py on the node, forge artifacts as web3.py contracts
deployed from unlocked accounts, and `vlayer.sdk`'s client of the prove service; the apps prove and submit with
them as a Python user would.

`python -m vlayer.app_kit EXAMPLE_DIR --rpc-url URL --service URL` loads `EXAMPLE_DIR/vlayer/app.py` and calls its
`run(kit)`; `bash/vlayer-build.sh` (in a checkout) and `vlayer run` (in any project, `vlayer.project.run`) do that after
building, starting anvil and the service. An example that teleports (`setChain`) also gets its L2 node,
`--l2-rpc-url URL` (both start one for a project with a `vlayer/l2-chain-id` file).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import requests
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, Web3Exception
from web3.types import TxReceipt

from vlayer.errors import InputError, VlayerError
from vlayer.hexutil import parse_hex_bytes
from vlayer.rpc.web3_provider import BoundedHTTPProvider
from vlayer.sdk import Client
from vlayer.worker.book import revert_data


class AppError(VlayerError):
    """A step of an example app failed (deployment, a transaction, a check)."""

    exit_code = 12


class Kit:
    """What an example's `run(kit)` gets: `w3` (web3.py on a node whose unlocked accounts send the transactions),
    `client` (`vlayer.sdk.Client` on the prove service) and the example's forge artifacts as web3.py contracts; for
    an example that teleports, `l2_w3` on its L2 node (None without one), where `deploy(..., on_l2=True)` deploys."""

    def __init__(
        self,
        example: Path,
        rpc_url: str,
        service_url: str,
        out: Callable[[str], None] | None = None,
        *,
        l2_rpc_url: str | None = None,
    ) -> None:
        self.example = example
        #: The node and the prove service, for apps that start their own processes on them (`vlayer worker`).
        self.rpc_url = rpc_url
        self.service_url = service_url
        self.echo = out or (lambda line: click.echo(line))
        self.w3 = Web3(BoundedHTTPProvider(rpc_url))
        self.client = Client(service_url)
        try:
            self.chain_id = self.w3.eth.chain_id
            self.accounts: list[str] = [str(a) for a in self.w3.eth.accounts]
        except requests.RequestException as exc:
            raise AppError(f"no node answers at {rpc_url}: {type(exc).__name__}") from None
        if not self.accounts:
            raise AppError("the node has no unlocked accounts to deploy from (use anvil, or a node with unlocked keys)")
        self.call_guest_id = self.client.call_guest_id()
        self.l2_rpc_url = l2_rpc_url
        self.l2_w3: Web3 | None = None
        self.l2_chain_id: int | None = None
        self.l2_accounts: list[str] = []
        if l2_rpc_url is not None:
            self.l2_w3 = Web3(BoundedHTTPProvider(l2_rpc_url))
            try:
                self.l2_chain_id = self.l2_w3.eth.chain_id
                self.l2_accounts = [str(a) for a in self.l2_w3.eth.accounts]
            except requests.RequestException as exc:
                raise AppError(f"no L2 node answers at {l2_rpc_url}: {type(exc).__name__}") from None
            if self.l2_chain_id == self.chain_id:
                raise AppError(f"the L2 node at {l2_rpc_url} serves chain {self.chain_id}, the L1's own chain")
            if not self.l2_accounts:
                raise AppError(f"the L2 node at {l2_rpc_url} has no unlocked accounts to deploy from")

    def require_l2(self) -> Web3:
        """The L2 node, for an app that cannot run without one."""
        if self.l2_w3 is None:
            raise AppError(
                f"{self.example.name} teleports to an L2 and needs its node: run it with --l2-rpc-url (`vlayer run` "
                "and vlayer-build.sh start one when the project has a vlayer/l2-chain-id file)"
            )
        return self.l2_w3

    def artifact(self, name: str) -> dict[str, Any]:
        matches = sorted((self.example / "out").glob(f"*.sol/{name}.json"))
        if not matches:
            raise AppError(f"no forge artifact for {name} in {self.example / 'out'}; run forge build")
        doc: dict[str, Any] = json.loads(matches[0].read_text())
        return doc

    def deploy(self, name: str, *args: Any, sender: str | None = None, on_l2: bool = False) -> Contract:
        """Deploy the artifact `name` with constructor `args` (on the L2 node with `on_l2`); the web3.py contract at
        its address, bound to the node it was deployed on."""
        doc = self.artifact(name)
        w3 = self.require_l2() if on_l2 else self.w3
        factory = w3.eth.contract(abi=doc["abi"], bytecode=doc["bytecode"]["object"])
        receipt = self.transact(factory.constructor(*args), f"deploy {name}", sender)
        address = receipt["contractAddress"]
        if address is None:
            raise AppError(f"deploy {name}: the receipt names no contract address")
        contract = w3.eth.contract(address=address, abi=doc["abi"])
        self.echo(f"  deployed {name:24} {contract.address}" + (f" on L2 chain {self.l2_chain_id}" if on_l2 else ""))
        return contract

    def transact(self, call: ContractFunction | ContractConstructor, what: str, sender: str | None = None) -> TxReceipt:
        """Send `call` from `sender` (default: the first account of the node the call's contract is on) and wait
        until it is mined; it must succeed."""
        w3 = call.w3
        default = self.l2_accounts[0] if self.l2_w3 is not None and w3 is self.l2_w3 else self.accounts[0]
        try:
            tx_hash = call.transact({"from": sender or default})
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        except Web3Exception as exc:  # a call that would revert already fails at web3's gas estimate
            raise AppError(f"{what}: {exc}") from None
        if receipt["status"] != 1:
            raise AppError(f"{what}: transaction {tx_hash.to_0x_hex()} reverted")
        return receipt

    def progress(self, state: str) -> None:
        """`on_state` for `client.prove`: one line per job state."""
        self.echo(f"    {state}")

    def revert_of(self, call: ContractFunction, sender: str | None = None) -> bytes | None:
        """The revert data of `call` run as an eth_call on the pending block, or None when it succeeds."""
        try:
            call.call({"from": sender or self.accounts[0]}, block_identifier="pending")
        except ContractLogicError as exc:
            return revert_data(exc)
        return None

    def expect_tampered_refused(self, call: ContractFunction, what: str) -> None:
        """Flip the last bit of a verified call's last output and require the verifier to refuse it."""
        self.echo("checking that a tampered proof is refused")
        tampered = bytearray(parse_hex_bytes(call._encode_transaction_data()))
        tampered[-1] ^= 1  # `what` is off by one from what was proven
        try:
            self.w3.eth.call({"to": call.address, "data": bytes(tampered)}, "pending")
            error = None
        except ContractLogicError as exc:
            error = revert_data(exc)
        if error != function_signature_to_4byte_selector("VerificationFailed()"):
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
    # Registered before it runs, as an import would: dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@click.command()
@click.argument("example", type=click.Path(exists=True, file_okay=False))
@click.option("--rpc-url", required=True)
@click.option("--service", "service_url", required=True)
@click.option("--l2-rpc-url", default=None, help="The L2 node of an example that teleports (setChain) to one.")
def main(example: str, rpc_url: str, service_url: str, l2_rpc_url: str | None) -> None:
    """Deploy an example, prove its call through the service and submit the proof to its verifier."""
    try:
        kit = Kit(Path(example).resolve(), rpc_url, service_url, l2_rpc_url=l2_rpc_url)
        load_app(kit.example).run(kit)
    except VlayerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Web3Exception as exc:  # an app's own web3.py calls (a claim transaction, a view) failed
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(AppError.exit_code)


if __name__ == "__main__":
    main()
