"""The parts of `RequestBook`'s ABI the worker uses, and its custom errors decoded by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_hex_address, to_checksum_address
from web3.exceptions import ContractLogicError

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


#: The book's errors (and the proof verifiers' and the prover's the worker may meet): name -> argument types.
ERRORS: dict[str, list[str]] = {
    "NotOpen": ["uint256", "uint8"],
    "Expired": ["uint256", "uint64", "uint256"],
    "SettleTooEarly": ["uint256", "uint256"],
    "SettleFromFuture": ["uint256", "uint256"],
    "SettleTooOld": ["uint256", "uint256"],
    "BlockHashMismatch": ["uint256", "bytes32", "bytes32"],
    "JournalLengthMismatch": ["uint256", "uint256"],
    "WrongRequest": ["uint256", "bytes32", "uint256", "bytes32"],
    "StaleRead": ["bytes32", "uint256", "uint256"],
    "InsufficientGas": ["uint256"],
    "CallbackNotContract": ["address"],
    "ArgsMismatch": ["uint256", "bytes32", "bytes32"],
    "VerificationFailed": [],
    "InvalidProofMode": ["uint8", "uint8"],
    "InvalidProver": ["address", "address"],
    "InvalidSelector": ["bytes4", "bytes4"],
    "InvalidChainId": ["uint256", "uint256"],
    "BlockFromFuture": ["uint256", "uint256"],
    "BlockTooOld": ["uint256", "uint256"],
    "InvalidBlockHash": ["uint256", "bytes32", "bytes32"],
    "UnsupportedImageId": ["bytes32"],
    "Error": ["string"],
    "Panic": ["uint256"],
}
_BY_SELECTOR = {
    bytes(function_signature_to_4byte_selector(f"{name}({','.join(types)})")): (name, types)
    for name, types in ERRORS.items()
}

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
    """The raw revert data web3.py attaches to a reverted call (custom errors included)."""
    data = exc.data
    return bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""


def decode_revert(data: bytes) -> Revert:
    known = _BY_SELECTOR.get(data[:4])
    if known is None:
        return Revert("", (), data)
    name, types = known
    try:
        return Revert(name, tuple(abi_decode(types, data[4:])), data)
    except DecodingError:
        return Revert("", (), data)
