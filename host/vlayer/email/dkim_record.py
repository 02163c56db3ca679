"""A DKIM key's DNS TXT record (`v=DKIM1; k=rsa; p=<base64>`), read as the verifier reads it, so that a record the
verifier would refuse (no key, an ed25519 key, broken base64) is refused before the notary signs it."""

from __future__ import annotations

import base64
import binascii
import re

from Crypto.PublicKey import RSA

from vlayer.email.errors import DnsRecordError

#: RFC 8301: shorter DKIM keys can be factored; the verifier refuses them.
MIN_KEY_BITS = 1024
#: One DNS character-string as `dig` and zone files print it: quoted, with `\"` and `\\` escapes.
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def txt_from_text(text: str) -> str:
    """The TXT value of a record as users paste it: bare (`v=DKIM1; k=rsa; p=...`), or as `dig +short TXT` prints
    it, a row of quoted strings (`"v=DKIM1; k=rsa; " "p=..."`), which DNS joins with nothing between them."""
    stripped = text.strip()
    if not stripped.startswith('"'):
        return stripped
    pieces = QUOTED.findall(stripped)
    if QUOTED.sub("", stripped).strip():
        raise DnsRecordError(
            f"the DNS record starts with a quote but is not a row of quoted strings: {stripped[:60]!r}"
        )
    return "".join(re.sub(r"\\(.)", r"\1", piece) for piece in pieces)


def dkim_tags(txt: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in txt.split(";"):
        name, equals, value = part.strip().partition("=")
        if equals:
            tags[name.strip()] = value.strip()
    return tags


def dkim_public_key(txt: str) -> RSA.RsaKey:
    """The RSA key a DKIM TXT record publishes, refused as the verifier would refuse it."""
    tags = dkim_tags(txt)
    kind = tags.get("k", "rsa")
    if kind != "rsa":
        raise DnsRecordError(f"the DNS record's key is k={kind}: the verifier takes RSA keys only (k=rsa)")
    if "p" not in tags:
        raise DnsRecordError(f"the DNS record has no p= (the public key): {txt[:60]!r}")
    encoded = re.sub(r"\s+", "", tags["p"])
    if not encoded:
        raise DnsRecordError("the DNS record's p= is empty: the domain has revoked this key")
    try:
        der = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise DnsRecordError(f"the DNS record's p= is not base64: {exc}") from None
    try:
        key = RSA.import_key(der)  # SPKI DER, or PKCS#1 RSAPublicKey as some records hold
    except (ValueError, IndexError, TypeError):
        raise DnsRecordError("the DNS record's p= is not an RSA public key (SPKI or PKCS#1 DER)") from None
    if key.size_in_bits() < MIN_KEY_BITS:
        raise DnsRecordError(
            f"the DNS record's RSA key has {key.size_in_bits()} bits; the verifier takes {MIN_KEY_BITS}+"
        )
    return key
