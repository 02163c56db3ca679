"""`UnverifiedEmail`, what a prover's `EmailProofLib.verify` takes: the raw email, the DKIM key's DNS record and the
DNS notary's signature over that record, as a Python value, ABI bytes and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from vlayer.email.errors import UnverifiedEmailFormatError
from vlayer.email.notary import U64_MAX, SignedDnsRecord
from vlayer.errors import InputError
from vlayer.hexutil import hex_bytes, parse_hex_bytes

#: EmailProof.sol's `UnverifiedEmail { string email; DnsRecord dnsRecord; VerificationData verificationData; }` with
#: `DnsRecord { string name; uint8 recordType; string data; uint64 ttl; }` and
#: `VerificationData { uint64 validUntil; bytes signature; bytes pubKey; }`.
ABI_TYPE = "(string,(string,uint8,string,uint64),(uint64,bytes,bytes))"


@dataclass(frozen=True)
class UnverifiedEmail:
    email: str
    dns_name: str
    record_type: int
    dns_data: str
    ttl: int
    valid_until: int
    signature: bytes
    pub_key: bytes

    @classmethod
    def from_record(cls, email: str, record: SignedDnsRecord) -> UnverifiedEmail:
        return cls(
            email,
            record.name,
            record.record_type,
            record.data,
            record.ttl,
            record.valid_until,
            record.signature,
            record.pub_key,
        )

    @property
    def record(self) -> SignedDnsRecord:
        """The signed DNS record alone."""
        return SignedDnsRecord(
            self.dns_name, self.record_type, self.dns_data, self.ttl, self.valid_until, self.signature, self.pub_key
        )

    def as_abi(self) -> tuple[str, tuple[str, int, str, int], tuple[int, bytes, bytes]]:
        """The struct as web3.py and eth_abi take a tuple argument."""
        return (
            self.email,
            (self.dns_name, self.record_type, self.dns_data, self.ttl),
            (self.valid_until, self.signature, self.pub_key),
        )

    def encode(self) -> bytes:
        """`abi.encode(unverifiedEmail)`: the bytes the email precompile is called with."""
        return bytes(abi_encode([ABI_TYPE], [self.as_abi()]))

    @classmethod
    def decode(cls, data: bytes) -> UnverifiedEmail:
        try:
            (value,) = abi_decode([ABI_TYPE], data)
        except Exception as exc:  # eth_abi raises several unrelated classes for bad input
            raise UnverifiedEmailFormatError(f"not an abi-encoded UnverifiedEmail: {exc}") from None
        email, (name, record_type, data_, ttl), (valid_until, signature, pub_key) = value
        return cls(email, name, record_type, data_, ttl, valid_until, signature, pub_key)

    def to_dict(self) -> dict[str, Any]:
        """The struct with EmailProof.sol's field names, bytes as 0x hex: a JSON document, and a struct argument
        web3.py takes as is."""
        return {"email": self.email, **record_to_dict(self.record)}

    @classmethod
    def from_dict(cls, doc: object) -> UnverifiedEmail:
        fields = _object(doc, "UnverifiedEmail", ("email", "dnsRecord", "verificationData"))
        return cls.from_record(_string(fields["email"], "email"), record_from_dict(doc))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> UnverifiedEmail:
        return cls.from_dict(_load(text))


def record_to_dict(record: SignedDnsRecord) -> dict[str, Any]:
    """`{"dnsRecord": {...}, "verificationData": {...}}`, the JSON of `vlayer dns-notary sign`."""
    return {
        "dnsRecord": {"name": record.name, "recordType": record.record_type, "data": record.data, "ttl": record.ttl},
        "verificationData": {
            "validUntil": record.valid_until,
            "signature": hex_bytes(record.signature),
            "pubKey": hex_bytes(record.pub_key),
        },
    }


def record_from_dict(doc: object) -> SignedDnsRecord:
    fields = _object(doc, "signed DNS record", ("dnsRecord", "verificationData"), extra=("email",))
    dns = _object(fields["dnsRecord"], "dnsRecord", ("name", "recordType", "data", "ttl"))
    proof = _object(fields["verificationData"], "verificationData", ("validUntil", "signature", "pubKey"))
    return SignedDnsRecord(
        name=_string(dns["name"], "dnsRecord.name"),
        record_type=_uint(dns["recordType"], "dnsRecord.recordType", 255),
        data=_string(dns["data"], "dnsRecord.data"),
        ttl=_uint(dns["ttl"], "dnsRecord.ttl", U64_MAX),
        valid_until=_uint(proof["validUntil"], "verificationData.validUntil", U64_MAX),
        signature=_hex(proof["signature"], "verificationData.signature"),
        pub_key=_hex(proof["pubKey"], "verificationData.pubKey"),
    )


def record_from_json(text: str | bytes) -> SignedDnsRecord:
    return record_from_dict(_load(text))


def _load(text: str | bytes) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UnverifiedEmailFormatError(f"not JSON: {exc}") from None


def _object(doc: object, what: str, keys: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict[str, object]:
    if not isinstance(doc, dict):
        raise UnverifiedEmailFormatError(f"{what} must be a JSON object, got {type(doc).__name__}")
    missing = [k for k in keys if k not in doc]
    unknown = sorted(set(doc) - set(keys) - set(extra))
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else []
        )
        raise UnverifiedEmailFormatError(f"{what}: {'; '.join(problems)}")
    return doc


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise UnverifiedEmailFormatError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _uint(value: object, what: str, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise UnverifiedEmailFormatError(f"{what} must be an integer from 0 to {top}, got {value!r}")
    return value


def _hex(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise UnverifiedEmailFormatError(f"{what} must be 0x hex, got {type(value).__name__}")
    try:
        return parse_hex_bytes(value, what)
    except InputError as exc:
        raise UnverifiedEmailFormatError(str(exc)) from None
