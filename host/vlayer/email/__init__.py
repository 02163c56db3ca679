"""Email proofs' tools: build the `UnverifiedEmail` a prover's `EmailProofLib.verify` takes, and sign DKIM keys'
DNS records as a local DNS notary for dev chains (docs/precompiles.md, "Email tools").

    raw = Path("mail.eml").read_bytes()
    unverified = prepare_email(raw, "v=DKIM1; k=rsa; p=MIIBIjANBg...")
    prover.functions.main(unverified.as_abi()).call()

The names below load on first use: `vlayer.cli` imports `vlayer.email.cli`, and a CLI command that does not touch
email (`vlayer --version`) should not pay for pycryptodome and eth_abi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vlayer.email.errors import (
        DkimSignatureError,
        DnsRecordError,
        EmailError,
        EmailFormatError,
        MultipleDkimSignaturesError,
        NoDkimSignatureError,
        NotaryKeyError,
        UnverifiedEmailFormatError,
    )
    from vlayer.email.notary import DEFAULT_TTL, DEV_NOTARY_KEY_PATH, SignedDnsRecord, record_payload, sign_dns_record
    from vlayer.email.olpc_json import canonical_json
    from vlayer.email.prepare import prepare_email
    from vlayer.email.unverified import UnverifiedEmail

_WHERE = {
    "canonical_json": "olpc_json",
    "DkimSignatureError": "errors",
    "DnsRecordError": "errors",
    "EmailError": "errors",
    "EmailFormatError": "errors",
    "MultipleDkimSignaturesError": "errors",
    "NoDkimSignatureError": "errors",
    "NotaryKeyError": "errors",
    "UnverifiedEmailFormatError": "errors",
    "DEFAULT_TTL": "notary",
    "DEV_NOTARY_KEY_PATH": "notary",
    "SignedDnsRecord": "notary",
    "record_payload": "notary",
    "sign_dns_record": "notary",
    "prepare_email": "prepare",
    "UnverifiedEmail": "unverified",
}

__all__ = [
    "DEFAULT_TTL",
    "DEV_NOTARY_KEY_PATH",
    "DkimSignatureError",
    "DnsRecordError",
    "EmailError",
    "EmailFormatError",
    "MultipleDkimSignaturesError",
    "NoDkimSignatureError",
    "NotaryKeyError",
    "SignedDnsRecord",
    "UnverifiedEmail",
    "UnverifiedEmailFormatError",
    "canonical_json",
    "prepare_email",
    "record_payload",
    "sign_dns_record",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'vlayer.email' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"vlayer.email.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
