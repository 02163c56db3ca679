"""The envelope a requester posts as a shielded request's args: `abi.encode(uint32 keyVersion, bytes sealed)`.

`sealed` is HPKE's `enc` (32 bytes) followed by the ciphertext of the clear args, sealed to the key of version
`keyVersion` in a `ShieldingKeys` contract with the associated data `abi.encode(uint256 chainId, address keys,
uint32 keyVersion)`: exactly what `Shielded.open` (contracts/src/shielding/Shielded.sol) recomputes inside the proven
call, so a ciphertext opens only on the chain, registry and key version it was sealed for. The book stores
`keccak256(envelope)` as the request's `argsHash`, which binds the answer to this very ciphertext.
"""

from __future__ import annotations

import os

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils.address import is_address, to_canonical_address

from vlayer.shielding.errors import ShieldingError
from vlayer.shielding.keys import KEY_SIZE, ShieldingKeyPair

#: HPKE's `enc` for DHKEM(X25519): the ephemeral public key, in front of the ciphertext.
ENC_SIZE = 32
#: ChaCha20-Poly1305's tag, at the end of the ciphertext.
TAG_SIZE = 16
#: Key versions are `uint32`s, counted from 1 (`ShieldingKeys.addKey`).
MAX_VERSION = 2**32 - 1


def _check_version(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise ShieldingError(f"a key version is 1 to {MAX_VERSION} (ShieldingKeys counts from 1), got {version!r}")
    return version


def _address(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes) and len(value) == 20:
        return value
    if isinstance(value, str) and is_address(value):
        return bytes(to_canonical_address(value))
    raise ShieldingError(f"{what} is not an address: {value!r}")


def shielding_aad(chain_id: int, keys_address: str | bytes, version: int) -> bytes:
    """HPKE's associated data for a key version: `abi.encode(uint256 chainId, address keys, uint32 keyVersion)`."""
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or not 0 <= chain_id < 2**256:
        raise ShieldingError(f"a chain id is a uint256, got {chain_id!r}")
    keys = _address(keys_address, "the ShieldingKeys address")
    return bytes(encode(["uint256", "address", "uint32"], [chain_id, keys, _check_version(version)]))


def seal_args(
    public_key: bytes,
    version: int,
    chain_id: int,
    keys_address: str | bytes,
    plaintext: bytes,
    *,
    seed: bytes | None = None,
) -> bytes:
    """The envelope of `plaintext` (a shielded prover's clear args) sealed to `public_key`, the key of `version`
    in the `ShieldingKeys` contract at `keys_address` on chain `chain_id`. `seed` (32 bytes) makes HPKE's ephemeral
    key; it defaults to the OS's randomness, and must never be reused."""
    if not isinstance(public_key, bytes) or len(public_key) != KEY_SIZE:
        raise ShieldingError(f"a shielding public key is {KEY_SIZE} bytes")
    if public_key == bytes(KEY_SIZE):
        raise ShieldingError("the zero public key is no key: nothing sealed to it could be opened")
    if not isinstance(plaintext, bytes | bytearray):
        raise ShieldingError(f"the args to seal are bytes (abi-encoded), got {type(plaintext).__name__}")
    if seed is None:
        seed = os.urandom(32)
    elif len(seed) != 32:
        raise ShieldingError(f"the sealing seed is 32 bytes, got {len(seed)}")
    aad = shielding_aad(chain_id, keys_address, version)
    from vlayer.guest import native_module

    try:
        sealed = bytes(native_module().shielding_seal(public_key, aad, bytes(plaintext), seed))
    except ValueError as exc:
        raise ShieldingError(f"public key 0x{public_key.hex()}: {exc}") from None
    return bytes(encode(["uint32", "bytes"], [version, sealed]))


def decode_envelope(envelope: bytes) -> tuple[int, bytes]:
    """`(keyVersion, sealed)` of an envelope, refused as `Shielded.open` would refuse it to decode."""
    try:
        version, sealed = decode(["uint32", "bytes"], bytes(envelope), strict=True)
    except (DecodingError, ValueError, TypeError) as exc:
        raise ShieldingError(f"not a shielded envelope abi.encode(uint32, bytes): {exc}") from None
    if len(sealed) < ENC_SIZE + TAG_SIZE:
        raise ShieldingError(f"the sealed args are {len(sealed)} bytes, shorter than HPKE's {ENC_SIZE + TAG_SIZE}")
    return int(version), bytes(sealed)


def open_envelope(
    pair: ShieldingKeyPair, chain_id: int, keys_address: str | bytes, envelope: bytes
) -> tuple[int, bytes]:
    """`(keyVersion, plaintext)`: the envelope opened with `pair`, as the prover's `Shielded.open` opens it (for
    tools and tests; a worker opens nothing itself, the proven call does)."""
    version, sealed = decode_envelope(envelope)
    aad = shielding_aad(chain_id, keys_address, version)
    from vlayer.guest import native_module

    try:
        plaintext = bytes(native_module().shielding_open(pair.secret, aad, sealed))
    except ValueError as exc:
        raise ShieldingError(str(exc)) from None
    return version, plaintext
