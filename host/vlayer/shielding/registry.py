"""A `ShieldingKeys` contract (contracts/src/shielding/ShieldingKeys.sol), read with web3.py: the key a requester
seals to. `shielding_key(w3, keys)` is this project's `author_getShieldingKey` (Integritee's getter of a worker
deployment's shielding key), answered by the chain rather than by a worker, so no worker can hand out another key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_address, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractLogicError
from web3.types import BlockIdentifier

from vlayer.shielding.errors import NoShieldingKeyError, ShieldingError

#: The part of `IShieldingKeys` a requester needs (the contract's full ABI works as well).
SHIELDING_KEYS_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "currentKey",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "version", "type": "uint32"}, {"name": "publicKey", "type": "bytes32"}],
    },
    {
        "type": "function",
        "name": "keyOf",
        "stateMutability": "view",
        "inputs": [{"name": "version", "type": "uint32"}],
        "outputs": [{"name": "publicKey", "type": "bytes32"}, {"name": "retired", "type": "bool"}],
    },
    {
        "type": "function",
        "name": "keyCount",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint32"}],
    },
    {"type": "error", "name": "NoShieldingKey", "inputs": []},
]

#: `NoShieldingKey()`'s selector: `currentKey` with no key that is not retired.
NO_SHIELDING_KEY = Web3.keccak(text="NoShieldingKey()")[:4]


@dataclass(frozen=True)
class ShieldingKey:
    """A registered public key and its version (what an envelope names)."""

    version: int
    public: bytes

    @property
    def public_hex(self) -> str:
        return "0x" + self.public.hex()


def keys_contract(w3: Web3, keys_address: str) -> Contract:
    if not isinstance(keys_address, str) or not is_address(keys_address):
        raise ShieldingError(f"the ShieldingKeys address is not an address: {keys_address!r}")
    return w3.eth.contract(address=to_checksum_address(keys_address), abi=SHIELDING_KEYS_ABI)


def _revert_data(exc: ContractLogicError) -> bytes:
    data = exc.data
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return b""
    return bytes(data) if isinstance(data, bytes) else b""


def current_key(keys: Contract, block: BlockIdentifier = "latest") -> ShieldingKey:
    """The key new requests are sealed to: the newest one not retired (`ShieldingKeys.currentKey`)."""
    try:
        version, public = keys.functions.currentKey().call(block_identifier=block)
    except ContractLogicError as exc:
        if _revert_data(exc)[:4] == NO_SHIELDING_KEY:
            raise NoShieldingKeyError(
                f"the ShieldingKeys at {keys.address} has no key to seal to (none added, or every key retired): "
                "its owner adds one with addKey(publicKey) (`vlayer worker keygen` makes one)"
            ) from None
        raise ShieldingError(f"ShieldingKeys.currentKey() at {keys.address} reverted: {exc}") from None
    except BadFunctionCallOutput:
        what = "has no code" if not keys.w3.eth.get_code(keys.address, block_identifier=block) else "answers no key"
        raise ShieldingError(f"{keys.address} {what}: not a ShieldingKeys contract") from None
    return ShieldingKey(int(version), bytes(public))


def shielding_key(w3: Web3, keys_address: str, block: BlockIdentifier = "latest") -> ShieldingKey:
    """The current shielding key of the `ShieldingKeys` contract at `keys_address`."""
    return current_key(keys_contract(w3, keys_address), block)
