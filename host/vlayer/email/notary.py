"""A local DNS notary: signs a DKIM key's TXT record the way vlayer's verifiable-DNS service does, for dev chains
where no notary can be reached.

The signed message is the OLPC canonical JSON `{"data":TXT,"name":NAME,"type":16,"valid_until":U64}` (the TTL is
not signed), the signature RSA PKCS#1 v1.5 over its SHA-256 (deterministic: one key and one record give one
signature), and the key is named on chain by its SubjectPublicKeyInfo DER, whose keccak256 the repository contract
allows (`addDnsKey`). The dev key below is public, like anvil's accounts: dev chains accept it, nothing else should.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from Crypto.Hash import SHA256, keccak
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

from vlayer.email.errors import DnsRecordError, NotaryKeyError
from vlayer.email.olpc_json import canonical_json

#: The dev notary's private key (RSA-2048, PKCS#8 PEM). Public: dev chains accept its signatures, and so may anyone.
DEV_NOTARY_KEY_PATH = Path(__file__).with_name("dev_notary_key.pem")
#: The DNS record type of a DKIM key (TXT), the only one the verifier takes.
TXT = 16
#: A DNS record's validity when the caller gives neither `valid_until` nor `ttl`: a day, as a notary's answer for a
#: record that rarely changes; a proof made from it must be settled on chain within that day.
DEFAULT_TTL = 86_400
U64_MAX = 2**64 - 1
#: The notary key's size: vlayer's notary and `keygen` use RSA-2048; smaller keys are refused as unsafe.
KEY_BITS = 2048


def load_notary_key(pem: bytes | None = None) -> RSA.RsaKey:
    """The notary's RSA private key from PEM (or DER) bytes; the dev key when `pem` is None."""
    data = DEV_NOTARY_KEY_PATH.read_bytes() if pem is None else pem
    try:
        key = RSA.import_key(data)
    except (ValueError, IndexError, TypeError) as exc:
        raise NotaryKeyError(f"the notary key is not an RSA key in PEM or DER: {exc}") from None
    if not key.has_private():
        raise NotaryKeyError("the notary key is a public key: signing needs the private key")
    if key.size_in_bits() < KEY_BITS:
        raise NotaryKeyError(f"the notary key has {key.size_in_bits()} bits; at least {KEY_BITS} are needed")
    return key


def read_notary_key(path: str | Path | None) -> RSA.RsaKey:
    """`load_notary_key` of a file, with the file's name in the error."""
    if path is None:
        return load_notary_key(None)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NotaryKeyError(f"cannot read the notary key {path}: {exc.strerror}") from None
    try:
        return load_notary_key(data)
    except NotaryKeyError as exc:
        raise NotaryKeyError(f"{path}: {exc}") from None


def public_key_der(key: RSA.RsaKey) -> bytes:
    """The key's SubjectPublicKeyInfo DER: `VerificationData.pubKey`, and what `addDnsKey` takes."""
    return bytes(key.public_key().export_key(format="DER"))


def key_hash(pub_key: bytes) -> bytes:
    """keccak256 of a SPKI DER: how the repository contract names an allowed notary key."""
    return keccak.new(data=pub_key, digest_bits=256).digest()


def check_u64(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U64_MAX:
        raise DnsRecordError(f"{what} must be an integer from 0 to 2**64-1, got {value!r}")
    return value


def default_valid_until(ttl: int, now: float | None = None) -> int:
    """`now + ttl`, as vlayer's notary sets it: the record is vouched for as long as its DNS TTL."""
    moment = int(time.time() if now is None else now)
    return min(moment + check_u64(ttl, "ttl"), U64_MAX)


def record_payload(name: str, data: str, valid_until: int, record_type: int = TXT) -> bytes:
    """The bytes the notary signs for a record."""
    return canonical_json(
        {"data": data, "name": name, "type": record_type, "valid_until": check_u64(valid_until, "valid_until")}
    )


@dataclass(frozen=True)
class SignedDnsRecord:
    """A DNS record with the notary's signature: `DnsRecord` and `VerificationData` of EmailProof.sol."""

    name: str
    record_type: int
    data: str
    ttl: int
    valid_until: int
    signature: bytes
    pub_key: bytes

    def payload(self) -> bytes:
        return record_payload(self.name, self.data, self.valid_until, self.record_type)

    def signature_valid(self) -> bool:
        """Whether `signature` is `pub_key`'s over this record, as the verifier checks it."""
        try:
            key = RSA.import_key(self.pub_key)
            pkcs1_15.new(key).verify(SHA256.new(self.payload()), self.signature)
        except (ValueError, IndexError, TypeError):
            return False
        return True


def sign_dns_record(
    name: str,
    data: str,
    *,
    key: RSA.RsaKey | None = None,
    valid_until: int | None = None,
    ttl: int = DEFAULT_TTL,
) -> SignedDnsRecord:
    """Sign a TXT record as the notary: `valid_until` defaults to now + `ttl` (seconds since the epoch, which the
    verifier compares with `block.timestamp`); `key` defaults to the dev notary key."""
    notary = load_notary_key(None) if key is None else key
    if not notary.has_private():
        raise NotaryKeyError("the notary key is a public key: signing needs the private key")
    check_u64(ttl, "ttl")
    until = default_valid_until(ttl) if valid_until is None else check_u64(valid_until, "valid_until")
    signature = pkcs1_15.new(notary).sign(SHA256.new(record_payload(name, data, until)))
    return SignedDnsRecord(name, TXT, data, ttl, until, bytes(signature), public_key_der(notary))


def generate_key_pem() -> bytes:
    """A fresh RSA-2048 notary key, PKCS#8 PEM."""
    return bytes(RSA.generate(KEY_BITS).export_key(format="PEM", pkcs=8))


def write_new_key(path: str | Path) -> RSA.RsaKey:
    """Write a fresh notary key to `path`, readable by its owner only (0600); an existing file is kept and refused."""
    pem = generate_key_pem()
    try:
        # O_EXCL: never overwrite a key (it may be the one a chain allows); 0600 from the start, not chmod'ed after.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise NotaryKeyError(f"{path} already exists: keygen does not overwrite a key") from None
    except OSError as exc:
        raise NotaryKeyError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)  # a umask may have cleared the owner's bits of the mode os.open asked for
    return RSA.import_key(pem)
