"""Strict hex parsing for values coming from users and nodes."""

from __future__ import annotations

from eth_utils.address import to_canonical_address

from vlayer.errors import InputError


def parse_hex_bytes(value: str, what: str = "value") -> bytes:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InputError(f"{what} must be 0x-prefixed hex, got {value!r}")
    body = value[2:]
    if len(body) % 2:
        raise InputError(f"{what} has an odd number of hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InputError(f"{what} is not valid hex: {value!r}") from None


def parse_hex_int(value: str, what: str = "value") -> int:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InputError(f"{what} must be 0x-prefixed hex, got {value!r}")
    try:
        return int(value, 16)
    except ValueError:
        raise InputError(f"{what} is not a hex number: {value!r}") from None


def parse_address(value: str, what: str = "address") -> bytes:
    raw = parse_hex_bytes(value, what)
    if len(raw) != 20:
        raise InputError(f"{what} must be 20 bytes, got {len(raw)}")
    return bytes(to_canonical_address(raw))


def hex_bytes(value: bytes) -> str:
    return "0x" + value.hex()


def hex_int(value: int) -> str:
    return hex(value)


def hex_word(value: int) -> str:
    """A 32-byte word as full-width hex, the storage-key form nodes expect in eth_getProof."""
    return "0x" + value.to_bytes(32, "big").hex()
