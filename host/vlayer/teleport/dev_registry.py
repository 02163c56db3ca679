"""The dev L1's anchor-state registry: what OP's AnchorStateRegistry is to a real L1, for the dev pair 31337 -> 31338
(two anvils), at the address vlayer's chain table gives it (chains/chains.json).

`install` puts `DevAnchorStateRegistry` (contracts/src/teleport/) on an anvil L1 and `publish` anchors an L2 block's
output root in it, as an OP proposer's resolved dispute game would; a prover's `setChain(31338, n)` then runs on that
L2 block or one below it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_address, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BlockNotFound, ContractLogicError, TimeExhausted, Web3Exception
from web3.types import RPCEndpoint

from vlayer.devnet import REPO_ROOT, ToolError
from vlayer.errors import (
    BlockNotFoundError,
    ChainError,
    InputError,
    RpcMethodUnsupportedError,
    RpcResponseError,
    RpcUnreachableError,
)
from vlayer.teleport.output_root import MESSAGE_PASSER, output_root

#: The registry of the dev pair 31337 -> 31338 in chains/chains.json (anvil's first CREATE address from account 0,
#: vlayer v1's devnet convention; `install` puts it there whatever that account's nonce is).
DEV_REGISTRY_ADDRESS = to_checksum_address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
#: anvil's first dev account, whose first contract (nonce 0) would land at DEV_REGISTRY_ADDRESS.
ANVIL_FIRST_ACCOUNT = to_checksum_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
#: Where `forge build` in contracts/ writes the registry's artifact.
ARTIFACT = REPO_ROOT / "contracts" / "out" / "DevAnchorStateRegistry.sol" / "DevAnchorStateRegistry.json"
#: The registry's storage (Owned's owner and pendingOwner, then the anchor), pinned by DevAnchorStateRegistry.t.sol.
OWNER_SLOT = 0
CLEARED_SLOTS = (1, 2, 3)

_ANVIL_HINT = (
    "the dev anchor-state registry is installed with anvil's anvil_setCode and anvil_setStorageAt, so the L1 must "
    "be an anvil (real L1s anchor their L2s in OP's AnchorStateRegistry)"
)


class AnchorRefusedError(ChainError):
    """The registry refused `anchor`: the sender is not its owner, or the L2 block is not above the anchored one."""

    def __init__(self, message: str, error: str, revert: bytes) -> None:
        super().__init__(message)
        #: The custom error's signature, e.g. `AnchorNotNewer(uint256,uint256)` ("" when it is not the registry's).
        self.error = error
        #: The raw revert data.
        self.revert = revert


def load_artifact(path: Path = ARTIFACT) -> dict[str, Any]:
    """The forge artifact of `DevAnchorStateRegistry` (abi, deployedBytecode)."""
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise ToolError(
            f"no forge artifact {path}; build it with `forge build --offline` in {path.parents[1]}"
        ) from None
    return doc


def install(w3_l1: Web3, owner: str, *, artifact: Mapping[str, Any] | None = None) -> Contract:
    """Put a fresh registry owned by `owner` at `DEV_REGISTRY_ADDRESS` on the anvil `w3_l1`: nothing anchored.

    The runtime code goes in with anvil_setCode and the owner into its slot with anvil_setStorageAt (no constructor
    runs, so the address is the table's whichever transactions the L1 has seen); a block is mined so that the
    registry is in a block's state, which is what a proof pinned to the latest block reads. `artifact` is the forge
    artifact to install (an example's own `out/` holds one); default: contracts/out's."""
    if not is_address(owner) or int(owner, 16) == 0:
        raise InputError(f"the registry's owner must be a nonzero address, got {owner!r}")
    doc = artifact if artifact is not None else load_artifact()
    runtime = str(doc["deployedBytecode"]["object"])
    if runtime in ("", "0x"):
        raise ToolError("the DevAnchorStateRegistry artifact has no runtime code")
    _anvil(w3_l1, "anvil_setCode", [DEV_REGISTRY_ADDRESS, runtime])
    _anvil(w3_l1, "anvil_setStorageAt", [DEV_REGISTRY_ADDRESS, _word(OWNER_SLOT), _word(int(owner, 16))])
    for slot in CLEARED_SLOTS:  # a registry installed here before leaves its anchor and pending owner behind
        _anvil(w3_l1, "anvil_setStorageAt", [DEV_REGISTRY_ADDRESS, _word(slot), _word(0)])
    # The registry now holds the address of anvil's first account's first contract; a later first deployment from
    # that account would collide with it and fail, so that nonce is taken as the registry's.
    if w3_l1.eth.get_transaction_count(ANVIL_FIRST_ACCOUNT) == 0:
        _anvil(w3_l1, "anvil_setNonce", [ANVIL_FIRST_ACCOUNT, "0x1"])
    _anvil(w3_l1, "evm_mine", [])
    registry = w3_l1.eth.contract(address=DEV_REGISTRY_ADDRESS, abi=doc["abi"])
    try:
        installed_owner = str(registry.functions.owner().call())
    except Web3Exception as exc:
        raise ChainError(f"the registry installed at {DEV_REGISTRY_ADDRESS} does not answer owner(): {exc}") from None
    if installed_owner.lower() != owner.lower():
        raise ChainError(
            f"the dev anchor-state registry at {DEV_REGISTRY_ADDRESS} reads owner {installed_owner} after install, not "
            f"{to_checksum_address(owner)}: is the artifact DevAnchorStateRegistry's?"
        )
    return registry


def publish(registry: Contract, w3_l2: Web3, l2_block: int, sender: str) -> tuple[bytes, int]:
    """Anchor the output root of block `l2_block` of the L2 node `w3_l2` in `registry`, from `sender` (its owner).

    Returns the root and the L1 block the anchor was mined in: proofs settled at that L1 block or later (until the
    next anchor) may teleport to `l2_block` and up to 8,192 blocks below it."""
    if l2_block < 0:
        raise InputError(f"an L2 block number is not negative, got {l2_block}")
    try:
        header = w3_l2.eth.get_block(l2_block)
        # Raw: web3.py's typing of `eth.get_proof` refuses its own positional arguments.
        proof = w3_l2.manager.request_blocking(
            RPCEndpoint("eth_getProof"), [to_checksum_address(MESSAGE_PASSER), [], hex(l2_block)]
        )
    except BlockNotFound:
        raise BlockNotFoundError(f"the L2 node has no block {l2_block}") from None
    except requests.RequestException as exc:
        raise RpcUnreachableError(f"the L2 node does not answer: {type(exc).__name__}") from None
    except Web3Exception as exc:
        raise RpcResponseError("eth_getProof", f"L2 block {l2_block}: {exc}") from None
    passer_root = bytes.fromhex(str(proof["storageHash"]).removeprefix("0x"))
    root = output_root(bytes(header["stateRoot"]), passer_root, bytes(header["hash"]))
    call = registry.functions.anchor(root, l2_block)
    try:
        # web3.py estimates the gas first, so a refusal surfaces here as the registry's custom error.
        tx_hash = call.transact({"from": to_checksum_address(sender)})
        receipt = registry.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
    except ContractLogicError as exc:
        data = exc.data if isinstance(exc.data, str) else ""
        revert = bytes.fromhex(data.removeprefix("0x")) if data.startswith("0x") else b""
        error = _error_signatures(registry.abi).get(revert[:4], "")
        raise AnchorRefusedError(
            f"anchor(0x{root.hex()}, {l2_block}) from {sender}: the registry refused it with {_shown(error, revert)}",
            error,
            revert,
        ) from None
    except TimeExhausted:
        raise ChainError(f"anchor of L2 block {l2_block}: the L1 mined no receipt within 60 s") from None
    if receipt["status"] != 1:
        raise ChainError(f"anchor of L2 block {l2_block}: transaction {tx_hash.to_0x_hex()} reverted")
    return root, int(receipt["blockNumber"])


def _anvil(w3: Web3, method: str, params: list[Any]) -> Any:
    try:
        response = w3.provider.make_request(RPCEndpoint(method), params)
    except requests.RequestException as exc:
        raise RpcUnreachableError(f"the L1 node does not answer {method}: {type(exc).__name__}") from None
    error = response.get("error")
    if error is not None:
        code = error.get("code") if isinstance(error, Mapping) else None
        message = str(error.get("message") if isinstance(error, Mapping) else error)
        if code == -32601 or "method not found" in message.lower() or "not supported" in message.lower():
            raise RpcMethodUnsupportedError(method, _ANVIL_HINT)
        raise RpcResponseError(method, message, code)
    return response.get("result")


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _shown(signature: str, revert: bytes) -> str:
    """`AnchorNotNewer(5, 7)`: the custom error with its arguments, or the raw revert data."""
    if not signature:
        return "0x" + revert.hex()
    name, types = signature[:-1].split("(", 1)
    try:
        args = abi_decode([t for t in types.split(",") if t], revert[4:])
    except DecodingError:
        return "0x" + revert.hex()
    return f"{name}({', '.join(str(a) for a in args)})"


def _error_signatures(abi: Any) -> dict[bytes, str]:
    """The ABI's custom errors (Owned's included) by selector."""
    signatures = (
        f"{item['name']}({','.join(str(i['type']) for i in item.get('inputs', []))})"
        for item in abi
        if item.get("type") == "error"
    )
    return {bytes(function_signature_to_4byte_selector(s)): s for s in signatures}
