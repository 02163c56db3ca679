"""`prepare_email`: a raw email and its DKIM key's DNS record in, the `UnverifiedEmail` a prover verifies out."""

from __future__ import annotations

from Crypto.PublicKey import RSA

from vlayer.email.dkim_record import dkim_public_key
from vlayer.email.errors import EmailFormatError
from vlayer.email.headers import header_block, parse_headers, signing_signature
from vlayer.email.notary import DEFAULT_TTL, load_notary_key, sign_dns_record
from vlayer.email.unverified import UnverifiedEmail


def email_text(raw: bytes) -> str:
    """The email as the Solidity `string` it travels in: UTF-8, byte for byte (DKIM signed these bytes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EmailFormatError(
            f"the email is not UTF-8 (byte {exc.start} is 0x{raw[exc.start]:02x}); an 8-bit body in another charset "
            "cannot travel in the prover's string argument"
        ) from None


def prepare_email(
    raw: bytes,
    dns_record: str,
    *,
    notary_key_pem: bytes | None = None,
    valid_until: int | None = None,
    ttl: int = DEFAULT_TTL,
) -> UnverifiedEmail:
    """The `UnverifiedEmail` for `EmailProofLib.verify`: `raw` is the email as received (CRLF line ends),
    `dns_record` the TXT value at `<s>._domainkey.<d>` of its From domain's DKIM-Signature (`v=DKIM1; k=rsa;
    p=...`), signed here as the DNS notary with `notary_key_pem` (default: the dev notary key, which only dev chains
    accept). `valid_until` (seconds since the epoch; the verifier requires it after `block.timestamp`) defaults to
    now + `ttl`, a day by default.

    Raises `vlayer.email.EmailError` subclasses for what the verifier would refuse for sure; the DKIM signature
    itself is checked by the verifier, not here."""
    return prepare_with_key(raw, dns_record, key=load_notary_key(notary_key_pem), valid_until=valid_until, ttl=ttl)


def prepare_with_key(
    raw: bytes,
    dns_record: str,
    *,
    key: RSA.RsaKey | None = None,
    valid_until: int | None = None,
    ttl: int = DEFAULT_TTL,
) -> UnverifiedEmail:
    """`prepare_email` with the notary key already loaded (None: the dev key)."""
    if not isinstance(raw, bytes):
        raise EmailFormatError(f"the email must be bytes (read the .eml file in binary), got {type(raw).__name__}")
    text = email_text(raw)
    signature = signing_signature(parse_headers(header_block(text)))
    dkim_public_key(dns_record)
    record = sign_dns_record(signature.dns_name, dns_record, key=key, valid_until=valid_until, ttl=ttl)
    return UnverifiedEmail.from_record(text, record)
