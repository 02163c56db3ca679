"""The shielding key pair of a deployment of workers, and its key file.

A key file is JSON, `{"version": "vlayer-shielding-key-1", "secret": "0x..", "public": "0x.."}` (32-byte X25519
keys), created with mode 0600 and never overwritten (its public key may be the one a chain registered). Loading
refuses a file its group or others may read or write, and one whose public key is not its secret key's.

The secret never appears in a `repr`, a message or a log line: `ShieldingKeyPair` shows its public key only, and
every refusal names the file and what is wrong with it, never a value read from it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from Crypto.PublicKey import ECC

from vlayer.shielding.errors import ShieldingError, ShieldingKeyFileError

#: The key file's format tag, its `version` member.
KEY_FILE_FORMAT = "vlayer-shielding-key-1"
#: X25519 keys, secret and public, are 32 bytes.
KEY_SIZE = 32


def public_key_of(secret: bytes) -> bytes:
    """The X25519 public key of `secret` (RFC 7748: the clamped scalar times the base point), as HPKE's DHKEM
    computes it. pycryptodome does the arithmetic: it checks a key pair without the native module."""
    if len(secret) != KEY_SIZE:
        raise ShieldingError(f"a shielding secret key is {KEY_SIZE} bytes, got {len(secret)}")
    # pycryptodome's stub types `seed` as str | int; for Curve25519 it is the 32-byte secret (RFC 7748's test
    # vector in tests/test_shielding.py holds it to that).
    key = ECC.construct(curve="Curve25519", seed=bytes(secret))  # type: ignore[arg-type]
    return bytes(key.public_key().export_key(format="raw"))


@dataclass(frozen=True, repr=False)
class ShieldingKeyPair:
    """An X25519 key pair: `public` is what a `ShieldingKeys` contract registers and requesters seal to; `secret`
    opens what they sealed, and is only ever handed to local proving. Built only from a matching pair."""

    secret: bytes = field(repr=False)
    public: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_SIZE:
            raise ShieldingError(f"a shielding secret key is {KEY_SIZE} bytes")
        if not isinstance(self.public, bytes) or len(self.public) != KEY_SIZE:
            raise ShieldingError(f"a shielding public key is {KEY_SIZE} bytes")
        derived = public_key_of(self.secret)
        if derived != self.public:
            raise ShieldingError(
                f"public key 0x{self.public.hex()} is not the secret key's (its public key is 0x{derived.hex()})"
            )

    @classmethod
    def from_secret(cls, secret: bytes) -> ShieldingKeyPair:
        return cls(bytes(secret), public_key_of(bytes(secret)))

    @property
    def public_hex(self) -> str:
        return "0x" + self.public.hex()

    def __repr__(self) -> str:
        return f"ShieldingKeyPair(public={self.public_hex})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling is how a key would leave this process (a Ray task, a multiprocessing pool): shielded proving is
        # local only, so the secret has no reason to be serialised.
        raise TypeError("a ShieldingKeyPair is not pickled: its secret key stays in the process that loaded it")

    def __copy__(self) -> ShieldingKeyPair:
        return self  # immutable

    def __deepcopy__(self, _memo: dict[int, Any]) -> ShieldingKeyPair:
        return self


def generate() -> ShieldingKeyPair:
    """A fresh key pair from 32 bytes of the OS's randomness (RFC 9180 DeriveKeyPair, in the native module)."""
    from vlayer.guest import native_module

    secret, public = native_module().shielding_keypair(os.urandom(32))
    return ShieldingKeyPair(bytes(secret), bytes(public))


def key_file_text(pair: ShieldingKeyPair) -> str:
    doc = {"version": KEY_FILE_FORMAT, "secret": "0x" + pair.secret.hex(), "public": pair.public_hex}
    return json.dumps(doc, indent=2) + "\n"


def write_key_file(path: str | Path, pair: ShieldingKeyPair) -> None:
    """Writes `pair` to a new file `path`, readable by its owner only; an existing file is kept and refused."""
    try:
        # O_EXCL: never overwrite a key (a chain may have registered it); 0600 from the start, not chmod'ed after.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ShieldingKeyFileError(f"{path} already exists: keygen does not overwrite a key") from None
    except OSError as exc:
        raise ShieldingKeyFileError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as out:
        out.write(key_file_text(pair))
    os.chmod(path, 0o600)  # a umask may have cleared the owner's bits of the mode os.open asked for


def _key_member(doc: dict[str, Any], name: str, path: str | Path) -> bytes:
    """One key of the file; the refusals say what is wrong with it, never what it holds."""
    value = doc.get(name)
    if not isinstance(value, str):
        raise ShieldingKeyFileError(f"{path}: no {name!r} key (0x and {2 * KEY_SIZE} hex digits)")
    if not value.startswith("0x") or len(value) != 2 + 2 * KEY_SIZE:
        raise ShieldingKeyFileError(f"{path}: {name!r} is not 0x and {2 * KEY_SIZE} hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ShieldingKeyFileError(f"{path}: {name!r} is not 0x and {2 * KEY_SIZE} hex digits") from None


def load_key_file(path: str | Path) -> ShieldingKeyPair:
    """The key pair in `path`, a file `write_key_file` (`vlayer worker keygen`) wrote."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise ShieldingKeyFileError(f"cannot read the shielding key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as source:
        # The mode of the file read, not of whatever the path names a moment earlier or later.
        mode = os.fstat(source.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ShieldingKeyFileError(f"{path} is not a regular file")
        if mode & 0o077:
            raise ShieldingKeyFileError(
                f"{path} is open to its group or others (mode {stat.S_IMODE(mode):04o}): a shielding secret key "
                f"must be readable by its owner only; run `chmod 600 {path}`"
            )
        raw = source.read()
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ShieldingKeyFileError(f"{path} is not JSON: not a vlayer shielding key file") from None
    if not isinstance(doc, dict) or doc.get("version") != KEY_FILE_FORMAT:
        raise ShieldingKeyFileError(f'{path} is not a vlayer shielding key file ({{"version": "{KEY_FILE_FORMAT}"}})')
    secret = _key_member(doc, "secret", path)
    public = _key_member(doc, "public", path)
    derived = public_key_of(secret)
    if derived != public:
        raise ShieldingKeyFileError(
            f"{path}: its public key 0x{public.hex()} is not its secret key's (0x{derived.hex()}): the file was "
            "changed or put together from two keys"
        )
    return ShieldingKeyPair(secret, public)


def load_keys(paths: Iterable[str | Path]) -> tuple[ShieldingKeyPair, ...]:
    """The key pairs of several files (during a rotation a worker holds the old key and the new one)."""
    pairs: list[ShieldingKeyPair] = []
    seen: dict[bytes, str | Path] = {}
    for path in paths:
        pair = load_key_file(path)
        if pair.public in seen:
            raise ShieldingKeyFileError(f"{path} and {seen[pair.public]} hold the same key {pair.public_hex}")
        seen[pair.public] = path
        pairs.append(pair)
    return tuple(pairs)
