"""The parts of `RequestBook`'s ABI the worker uses, and its custom errors decoded by name (`vlayer.reverts.decode`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_hex_address, to_checksum_address
from web3.exceptions import ContractLogicError

from vlayer.reverts.decode import VLAYER as VLAYER_ERRORS
from vlayer.reverts.decode import revert_data as shared_revert_data

REQUEST_STATUS = ("None", "Open", "Fulfilled", "CallbackFailed", "Cancelled")
OPEN = 1

_PROOF_COMPONENTS: list[dict[str, Any]] = [
    {"name": "seal", "type": "tuple", "components": [
        {"name": "verifierSelector", "type": "bytes4"},
        {"name": "seal", "type": "bytes32[8]"},
        {"name": "mode", "type": "uint8"},
    ]},
    {"name": "callGuestId", "type": "bytes32"},
    {"name": "length", "type": "uint256"},
    {"name": "callAssumptions", "type": "tuple", "components": [
        {"name": "proverContractAddress", "type": "address"},
        {"name": "functionSelector", "type": "bytes4"},
        {"name": "settleChainId", "type": "uint256"},
        {"name": "settleBlockNumber", "type": "uint256"},
        {"name": "settleBlockHash", "type": "bytes32"},
    ]},
]  # fmt: skip


def _params(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "type": kind} for name, kind in pairs]


#: `RequestBook`: the event, the views and `fulfil`.
BOOK_ABI: list[dict[str, Any]] = [
    {
        "type": "event",
        "name": "RequestPosted",
        "anonymous": False,
        "inputs": [
            {"name": "id", "type": "uint256", "indexed": True},
            {"name": "requester", "type": "address", "indexed": True},
            {"name": "prover", "type": "address", "indexed": True},
            *[
                {**p, "indexed": False}
                for p in _params(
                    ("selector", "bytes4"),
                    ("args", "bytes"),
                    ("callback", "address"),
                    ("callbackGas", "uint32"),
                    ("minSettleBlock", "uint64"),
                    ("deadline", "uint64"),
                    ("fee", "uint256"),
                )
            ],
        ],
    },
    {
        "type": "event",
        "name": "CallbackFailed",
        "anonymous": False,
        "inputs": [
            {"name": "id", "type": "uint256", "indexed": True},
            {"name": "reason", "type": "bytes", "indexed": False},
        ],
    },
    {
        "type": "function",
        "name": "statusOf",
        "stateMutability": "view",
        "inputs": _params(("id", "uint256")),
        "outputs": _params(("", "uint8")),
    },
    {
        "type": "function",
        "name": "settlementWindow",
        "stateMutability": "view",
        "inputs": [],
        "outputs": _params(("", "uint256")),
    },
    {
        "type": "function",
        "name": "fulfil",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "id", "type": "uint256"},
            {"name": "proof", "type": "tuple", "components": _PROOF_COMPONENTS},
            {"name": "outputs", "type": "bytes"},
        ],
        "outputs": _params(("callbackOk", "bool")),
    },
]


def prover_function_abi(name: str) -> dict[str, Any]:
    """The ABI of a request prover's function `name(uint256 id, bytes args, address payee)` (docs/requests.md)."""
    return {
        "type": "function",
        "name": name,
        "stateMutability": "view",
        "inputs": _params(("id", "uint256"), ("args", "bytes"), ("payee", "address")),
        "outputs": [
            {"name": "", "type": "tuple", "components": _PROOF_COMPONENTS},
            *_params(("", "uint256"), ("", "bytes32"), ("", "address")),
            {"name": "", "type": "tuple[]", "components": _params(("key", "bytes32"), ("version", "uint256"))},
            {"name": "", "type": "bytes"},
        ],
    }


def prover_selector(name: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(f"{name}(uint256,bytes,address)"))


#: Reverts that a newer proof can cure: the store moved on, or the settle block left the window or the chain.
REPROVE = frozenset({"StaleRead", "SettleTooOld", "BlockHashMismatch", "SettleFromFuture"})


@dataclass(frozen=True)
class Revert:
    #: The error's name; "" when the revert data match none of the known errors.
    name: str
    args: tuple[Any, ...]
    data: bytes

    def __str__(self) -> str:
        if not self.name:
            return f"reverted with unknown data 0x{self.data.hex()}" if self.data else "reverted without data"
        shown = [_shown(a) for a in self.args]
        if self.name == "NotOpen" and len(self.args) == 2 and 0 <= self.args[1] < len(REQUEST_STATUS):
            shown[1] = REQUEST_STATUS[self.args[1]]
        return f"{self.name}({', '.join(shown)})"


def _shown(value: Any) -> str:
    if isinstance(value, bytes):
        return f"0x{value.hex()}"
    if isinstance(value, str) and is_hex_address(value):
        return to_checksum_address(value)  # as block explorers and wallets show it
    return str(value)


def revert_data(exc: ContractLogicError) -> bytes:
    """The raw revert data web3.py attaches to a reverted call (custom errors included); b"" when none."""
    return shared_revert_data(exc) or b""


def decode_revert(data: bytes) -> Revert:
    """The book's, the proof verifiers' and the request prover's errors (all of vlayer's, `vlayer.reverts.decode`),
    Error(string) and Panic(uint256) by name; anything else, or data that do not decode, unnamed."""
    decoded = VLAYER_ERRORS.decode(data)
    return Revert(decoded.name, decoded.args, bytes(data))
