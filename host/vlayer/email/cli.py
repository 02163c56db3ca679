"""`vlayer email prepare` and `vlayer dns-notary sign | keygen | pubkey`: the email tools on the command line.

Imports of the tools happen inside the commands, so that `vlayer --version` and other commands do not load them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from vlayer.errors import InputError

_KEY = click.Path(exists=True, dir_okay=False)


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _write_or_echo(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text)
        return
    try:
        Path(out).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"written to {out}", err=True)


def _warn_if_expired(valid_until: int) -> None:
    # Not an error: a record that expired on purpose is how one tests a verifier's refusal.
    if valid_until <= time.time():
        click.echo(
            f"warning: valid until {valid_until}, which is not after now: EmailProofLib.verify refuses it on a chain "
            "whose block timestamp is the present",
            err=True,
        )


@click.group("email")
def email_group() -> None:
    """Email proofs: build the UnverifiedEmail a prover's EmailProofLib.verify takes."""


@email_group.command("prepare")
@click.argument("eml", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--dns-record", help='The DKIM key\'s TXT record: "v=DKIM1; k=rsa; p=...".')
@click.option(
    "--dns-record-file",
    type=click.Path(exists=True, dir_okay=False),
    help="A file holding the TXT record (bare, or quoted strings as `dig +short TXT` prints them).",
)
@click.option("--notary-key", type=_KEY, help="The DNS notary's RSA private key (PEM). Default: the dev key.")
@click.option("--valid-until", type=click.IntRange(0, 2**64 - 1), help="Unix time the signed record expires at.")
@click.option(
    "--ttl",
    type=click.IntRange(0, 2**64 - 1),
    default=86_400,
    show_default=True,
    help="Seconds from now the record stays valid, when --valid-until is not given.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--abi-hex", is_flag=True, help="Write 0x abi.encode(UnverifiedEmail) instead of JSON.")
def prepare_cmd(
    eml: str,
    dns_record: str | None,
    dns_record_file: str | None,
    notary_key: str | None,
    valid_until: int | None,
    ttl: int,
    out: str | None,
    abi_hex: bool,
) -> None:
    """Read EML (a raw email with CRLF line ends; - reads stdin), sign the DKIM key's DNS record as the notary, and
    write the UnverifiedEmail as JSON (EmailProof.sol's field names, bytes as 0x hex)."""
    from vlayer.email.dkim_record import txt_from_text
    from vlayer.email.notary import read_notary_key
    from vlayer.email.prepare import prepare_with_key

    if (dns_record is None) == (dns_record_file is None):
        raise InputError("give the DKIM key's DNS record with exactly one of --dns-record and --dns-record-file")
    txt = txt_from_text(dns_record if dns_record is not None else _read_text(str(dns_record_file), "the DNS record"))
    with click.open_file(eml, "rb") as source:
        raw = source.read()
    key = read_notary_key(notary_key)
    unverified = prepare_with_key(raw, txt, key=key, valid_until=valid_until, ttl=ttl)
    _warn_if_expired(unverified.valid_until)
    _write_or_echo("0x" + unverified.encode().hex() if abi_hex else unverified.to_json(), out)


@click.group("dns-notary")
def dns_notary_group() -> None:
    """A local DNS notary for dev chains: sign DKIM keys' TXT records as vlayer's verifiable DNS does."""


@dns_notary_group.command("sign")
@click.option("--name", required=True, help="The record's name: SELECTOR._domainkey.DOMAIN.")
@click.option("--data", required=True, help="The TXT record's value.")
@click.option("--valid-until", type=click.IntRange(0, 2**64 - 1), help="Unix time the signature expires at.")
@click.option(
    "--ttl",
    type=click.IntRange(0, 2**64 - 1),
    default=86_400,
    show_default=True,
    help="Seconds from now the signature stays valid, when --valid-until is not given.",
)
@click.option("--key", type=_KEY, help="The notary's RSA private key (PEM). Default: the dev key.")
def sign_cmd(name: str, data: str, valid_until: int | None, ttl: int, key: str | None) -> None:
    """Print the signed record as JSON: {"dnsRecord": {name, recordType, data, ttl}, "verificationData":
    {validUntil, signature, pubKey}}, the two structs of EmailProof.sol."""
    from vlayer.email.notary import read_notary_key, sign_dns_record
    from vlayer.email.unverified import record_to_dict

    record = sign_dns_record(name, data, key=read_notary_key(key), valid_until=valid_until, ttl=ttl)
    _warn_if_expired(record.valid_until)
    click.echo(json.dumps(record_to_dict(record), indent=2, ensure_ascii=False))


@dns_notary_group.command("keygen")
@click.argument("out", type=click.Path(dir_okay=False))
def keygen_cmd(out: str) -> None:
    """Write a new RSA-2048 notary key (PKCS#8 PEM, mode 0600) to OUT, which must not exist; print its public key."""
    from vlayer.email.notary import key_hash, public_key_der, write_new_key

    pub_key = public_key_der(write_new_key(out))
    click.echo(f"notary key written to {out}", err=True)
    click.echo(json.dumps({"pubKey": "0x" + pub_key.hex(), "keccak256": "0x" + key_hash(pub_key).hex()}, indent=2))


@dns_notary_group.command("pubkey")
@click.option("--key", type=_KEY, help="The notary's RSA private key (PEM). Default: the dev key.")
@click.option("--raw", is_flag=True, help="Print only the 0x SPKI DER (the argument of addDnsKey).")
def pubkey_cmd(key: str | None, raw: bool) -> None:
    """Print the notary's public key (SPKI DER, `VerificationData.pubKey`, what ImageIdRepository.addDnsKey takes)
    and its keccak256 (the repository's key id) as JSON."""
    from vlayer.email.notary import key_hash, public_key_der, read_notary_key

    pub_key = public_key_der(read_notary_key(key))
    if raw:
        click.echo("0x" + pub_key.hex())
    else:
        click.echo(json.dumps({"pubKey": "0x" + pub_key.hex(), "keccak256": "0x" + key_hash(pub_key).hex()}, indent=2))
