"""Typed refusals of the shielding tools. None of their messages ever holds a secret key or a plaintext: they name
files, public keys, key versions and lengths only."""

from __future__ import annotations

from vlayer.errors import InputError


class ShieldingError(InputError):
    """Root of the shielding refusals (`vlayer.shielding`, `vlayer worker keygen | pubkey | seal`,
    `--shielding-key`): a key, a key file or an argument to seal that cannot be used."""


class ShieldingKeyFileError(ShieldingError):
    """A key file cannot be read or written, is not a vlayer shielding key file, is readable by others than its
    owner, or holds a public key that is not its secret key's."""


class NoShieldingKeyError(ShieldingError):
    """The `ShieldingKeys` registry has no key to seal to: none added yet, or every key retired."""
