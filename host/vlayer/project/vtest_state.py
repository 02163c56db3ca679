"""A forge test's state (`vm.dumpState`) as the genesis of a private anvil, for `vlayer test-call`.

The test's accounts become the genesis allocation of block `number - 1`, so that the one block mined on top of it
is the test's own block number at the test's own timestamp: the prover sees `block.number` and `block.timestamp`
as the test does, and the proof settles on that block. Everything else about the block (its hash, coinbase, base
fee, prevrandao, the hashes of earlier blocks) is anvil's, not the test's: docs/forge-testing.md lists the limits.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlayer.errors import InputError

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_HEX = re.compile(r"0x[0-9a-fA-F]*")
#: The gas limit of the private chain's blocks: the call's own limit is capped at Osaka's 2^24 anyway.
GAS_LIMIT = 30_000_000


@dataclass(frozen=True)
class ProvingBlock:
    """The block the test is in when it proves: the proof settles on it."""

    number: int
    timestamp: int
    chain_id: int

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InputError(
                f"block.number is {self.number}: block 0 cannot be proven (it has no parent to hold the test's "
                "state); vm.roll(1) or later first"
            )
        if self.timestamp < 1:
            raise InputError(
                f"block.timestamp is {self.timestamp}: the proving block must come after its parent's timestamp; "
                "vm.warp(1) or later first"
            )


def _hex_field(account: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise InputError(f"state dump: {account}.{key} is not 0x-hex: {value!r}")
    return value


def load_dump(path: Path) -> dict[str, dict[str, Any]]:
    """The accounts of a `vm.dumpState` file, checked: {address: {nonce, balance, code, storage}}."""
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"state dump {path} does not exist (did vm.dumpState write it?)") from None
    except ValueError as exc:
        raise InputError(f"state dump {path} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError(f"state dump {path} is not an object of accounts")
    alloc: dict[str, dict[str, Any]] = {}
    for address, account in doc.items():
        if not _ADDRESS.fullmatch(address) or not isinstance(account, dict):
            raise InputError(f"state dump: {address!r} is not an address with an account object")
        entry: dict[str, Any] = {
            key: _hex_field(address, key, account[key]) for key in ("nonce", "balance", "code") if key in account
        }
        storage = account.get("storage") or {}
        if not isinstance(storage, dict):
            raise InputError(f"state dump: {address}.storage is not an object")
        entry["storage"] = {
            _hex_field(address, "storage key", k): _hex_field(address, f"storage[{k}]", v) for k, v in storage.items()
        }
        alloc[address.lower()] = entry
    return alloc


def genesis(alloc: dict[str, dict[str, Any]], block: ProvingBlock) -> dict[str, Any]:
    """An anvil genesis (`--init`) whose block is the parent of the test's block, holding the test's state."""
    return {
        "config": {"chainId": block.chain_id},
        "number": hex(block.number - 1),
        "timestamp": hex(block.timestamp - 1),
        "gasLimit": hex(GAS_LIMIT),
        # forge's default block has no base fee; the prover then sees a zero `block.basefee` as in the test.
        "baseFeePerGas": "0x0",
        "difficulty": "0x0",
        "nonce": "0x0",
        "extraData": "0x",
        "mixHash": "0x" + "00" * 32,
        "coinbase": "0x" + "00" * 20,
        "alloc": alloc,
    }


def project_hardfork(root: Path) -> str:
    """The EVM version the project's forge tests run (foundry.toml's `evm_version`), which anvil then runs too."""
    toml = root / "foundry.toml"
    if not toml.is_file():
        return "osaka"
    try:
        doc = tomllib.loads(toml.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{toml} is not TOML: {exc}") from None
    profiles = doc.get("profile", {})
    chosen = profiles.get(os.environ.get("FOUNDRY_PROFILE", "default"), {})
    version = chosen.get("evm_version") or profiles.get("default", {}).get("evm_version") or "osaka"
    return str(version).lower()
