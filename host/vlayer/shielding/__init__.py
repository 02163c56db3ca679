"""Shielded requests (docs/requests.md, "Shielded requests"): a request's args sealed with HPKE (RFC 9180, base
mode, X25519 / HKDF-SHA256 / ChaCha20-Poly1305) to a public key registered in a `ShieldingKeys` contract, which only
the workers holding the secret key can open, inside the proven call.

- `keys`: the key pair of a deployment of workers and its key file (`vlayer worker keygen`);
- `envelope`: what a requester posts as a request's args, `abi.encode(uint32 keyVersion, bytes sealed)`;
- `registry`: the current key of a `ShieldingKeys` contract, read with web3.py.

The names below load their module on first use: the CLI imports `vlayer.shielding.cli` at start-up, and most
commands never shield.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vlayer.shielding.envelope import decode_envelope, open_envelope, seal_args, shielding_aad
    from vlayer.shielding.errors import NoShieldingKeyError, ShieldingError, ShieldingKeyFileError
    from vlayer.shielding.keys import ShieldingKeyPair, generate, load_key_file, load_keys, write_key_file

_WHERE = {
    "decode_envelope": "envelope",
    "open_envelope": "envelope",
    "seal_args": "envelope",
    "shielding_aad": "envelope",
    "NoShieldingKeyError": "errors",
    "ShieldingError": "errors",
    "ShieldingKeyFileError": "errors",
    "ShieldingKeyPair": "keys",
    "generate": "keys",
    "load_key_file": "keys",
    "load_keys": "keys",
    "write_key_file": "keys",
}

__all__ = [
    "NoShieldingKeyError",
    "ShieldingError",
    "ShieldingKeyFileError",
    "ShieldingKeyPair",
    "decode_envelope",
    "generate",
    "load_key_file",
    "load_keys",
    "open_envelope",
    "seal_args",
    "shielding_aad",
    "write_key_file",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"vlayer.shielding.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'vlayer.shielding' has no attribute {name!r}")
