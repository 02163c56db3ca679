"""Writes the email-proof fixtures: signed .eml files here and the table `precompiles/vectors/email.json`.

Run from the repository root: `.venv/bin/python precompiles/testdata/email/make_fixtures.py`.

Deterministic: RSA PKCS#1 v1.5 signatures are, and dates and message ids are fixed, so a second run rewrites
identical files. The keys are the exception: `dkim_private_key.pem` (the test domain's DKIM key) and
`other_notary_key.pem` (a DNS notary no chain trusts) are generated on the first run only and then committed;
the trusted dev notary key is `host/vlayer/email/dev_notary_key.pem`.

DKIM signing is done here (RFC 6376, relaxed and simple canonicalisation) rather than with dkimpy, so that the
fixtures need nothing beyond the project's dev dependencies and so that broken signatures (l=, rsa-sha1, two
signatures, ...) can be made on purpose.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from Crypto.Hash import SHA1, SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from eth_abi.abi import encode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
VECTORS = ROOT / "precompiles" / "vectors" / "email.json"
DEV_NOTARY_KEY = ROOT / "host" / "vlayer" / "email" / "dev_notary_key.pem"

DOMAIN = "vlayer-test.example"
SELECTOR = "s2026"
RECORD_NAME = f"{SELECTOR}._domainkey.{DOMAIN}"
# 2100-01-01T00:00:00Z: the notary vouches for the record far beyond any test chain's clock.
VALID_UNTIL = 4102444800
TTL = 3600
TXT = 16
# Signing time in t= (not checked by the verifier; fixed so the files are reproducible).
SIGNED_AT = 1767348000
DATE = "Fri, 02 Jan 2026 10:00:00 +0000"
# Anvil's 4th dev account: the wallet the example prover captures from the subject.
WALLET = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
OTHER_WALLET = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
MINT_SUBJECT = f"Mint my domain NFT at address: {WALLET}"
TUPLE = "(string,(string,uint8,string,uint64),(uint64,bytes,bytes))"
OUTPUT = "(string,string,string,string)"
# alloy-sol-types 1.7.3's message for input cut short (what the precompile prefixes with its own).
TRUNCATED_ABI = "Invalid UnverifiedEmail calldata: ABI decoding failed: buffer overrun while deserializing"


def key(path: Path) -> RSA.RsaKey:
    if not path.exists():
        path.write_bytes(RSA.generate(2048).export_key("PEM", pkcs=8))
    return RSA.import_key(path.read_bytes())


def spki_der(private: RSA.RsaKey) -> bytes:
    return private.public_key().export_key("DER")


def dkim_record(private: RSA.RsaKey, key_type: str = "rsa") -> str:
    return f"v=DKIM1; k={key_type}; p={base64.b64encode(spki_der(private)).decode()}"


# ---- DKIM signing (RFC 6376 §3.4, §3.5, §3.7) ----


def fields_of(header_block: bytes) -> list[bytes]:
    """The raw fields of a CRLF header block, top to bottom (continuation lines start with a space or tab)."""
    out: list[bytes] = []
    for line in header_block.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b"\r\n" + line
        else:
            out.append(line)
    return out


def name_of(raw_field: bytes) -> bytes:
    return raw_field.split(b"\r\n", 1)[0].split(b":", 1)[0]


def canon_header(kind: str, raw_field: bytes) -> bytes:
    if kind == "simple":
        return raw_field + b"\r\n"
    name, _, value = raw_field.partition(b":")
    value = re.sub(rb"[ \t]+", b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.rstrip(b" \t").lower() + b":" + value + b"\r\n"


def canon_body(kind: str, body: bytes) -> bytes:
    if kind == "simple":
        while body.endswith(b"\r\n\r\n"):
            body = body[:-2]
        return body if body.endswith(b"\r\n") else body + b"\r\n"
    lines = [re.sub(rb"[ \t]+", b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
    while lines and lines[-1] == b"":
        lines.pop()
    return b"".join(line + b"\r\n" for line in lines)


@dataclass
class Dkim:
    """One DKIM-Signature to add on top of a message."""

    domain: str = DOMAIN
    selector: str = SELECTOR
    canon: tuple[str, str] = ("relaxed", "relaxed")
    headers: list[str] = field(default_factory=lambda: ["from", "to", "subject", "date", "message-id", "mime-version"])
    algorithm: str = "rsa-sha256"
    length: bool = False


def sign(message: bytes, private: RSA.RsaKey, dkim: Dkim) -> bytes:
    """`message` with a DKIM-Signature field put on top of its headers."""
    block, _, body = message.partition(b"\r\n\r\n")
    header_kind, body_kind = dkim.canon
    hash_type = SHA1 if dkim.algorithm == "rsa-sha1" else SHA256
    canonical_body = canon_body(body_kind, body)
    body_hash = base64.b64encode(hash_type.new(canonical_body).digest()).decode()
    tags = [
        "v=1",
        f"a={dkim.algorithm}",
        f"c={header_kind}/{body_kind}",
        f"d={dkim.domain}",
        f"s={dkim.selector}",
        f"t={SIGNED_AT}",
    ]
    if dkim.length:
        tags.append(f"l={len(canonical_body)}")
    tags += [f"h={':'.join(dkim.headers)}", f"bh={body_hash}", "b="]
    unsigned = b"DKIM-Signature: " + ";\r\n\t".join(tags).encode()

    fields = fields_of(block)
    taken: set[int] = set()
    signed = b""
    for name in dkim.headers:
        for i in reversed(range(len(fields))):
            if i not in taken and name_of(fields[i]).lower() == name.encode():
                taken.add(i)
                signed += canon_header(header_kind, fields[i])
                break
    signed += canon_header(header_kind, unsigned)[:-2]
    signature = base64.b64encode(pkcs1_15.new(private).sign(hash_type.new(signed))).decode()
    folded = "\r\n\t ".join(signature[i : i + 64] for i in range(0, len(signature), 64))
    return unsigned + folded.encode() + b"\r\n" + message


# ---- messages ----


def message(headers: list[tuple[str, str]], body: str) -> bytes:
    return ("".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n" + body).encode()


def base_headers(
    subject: str, message_id: str, sender: str = f"Alice Example <alice@{DOMAIN}>"
) -> list[tuple[str, str]]:
    return [
        ("From", sender),
        ("To", "Bob Builder <bob@receiver.example>"),
        ("Subject", subject),
        ("Date", DATE),
        ("Message-ID", f"<{message_id}@{DOMAIN}>"),
        ("MIME-Version", "1.0"),
    ]


def rfc2047(*words: str) -> str:
    """RFC 2047 encoded words, one per folded line (adjacent encoded words decode with no space between)."""
    return "\r\n ".join(f"=?UTF-8?B?{base64.b64encode(word.encode()).decode()}?=" for word in words)


PLAIN = "Hello Bob,\r\n\r\nplease mint my NFT. Caf=C3=A9 au lait on me.\r\n"
# The CRLF before a MIME boundary belongs to the boundary (RFC 2046 §5.1.1), so the part's text ends without it.
PLAIN_DECODED = "Hello Bob,\r\n\r\nplease mint my NFT. Café au lait on me."


def multipart(subject: str, message_id: str, plain: str = PLAIN, sender: str | None = None) -> bytes:
    headers = base_headers(subject, message_id, *([sender] if sender else []))
    headers.append(("Content-Type", 'multipart/alternative; boundary="b1"'))
    body = (
        "--b1\r\n"
        'Content-Type: text/plain; charset="UTF-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        f"{plain}"
        "--b1\r\n"
        'Content-Type: text/html; charset="UTF-8"\r\n'
        "\r\n"
        "<p>Hello Bob,</p><p>please mint my NFT.</p>\r\n"
        "--b1--\r\n"
    )
    return message(headers, body)


OVERSIGNED = Dkim(headers=["from", "to", "subject", "date", "message-id", "mime-version", "from", "to", "subject"])


# ---- the table ----


@dataclass
class Case:
    name: str
    note: str
    eml: bytes | None
    record_name: str = RECORD_NAME
    record_type: int = TXT
    record_data: str | None = None
    notary: RSA.RsaKey | None = None  # who signs the record (default: the dev notary)
    pub_key: RSA.RsaKey | None = None  # whose key goes in pubKey (default: the signer's)
    value: dict[str, str] | None = None
    error: str | None = None
    input_override: bytes | None = None


def canonical_json(name: str, data: str, valid_until: int) -> bytes:
    def string(text: str) -> bytes:
        return b'"' + text.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'

    return (
        b'{"data":'
        + string(data)
        + b',"name":'
        + string(name)
        + b',"type":16,"valid_until":'
        + str(valid_until).encode()
        + b"}"
    )


def main() -> None:
    dkim_key = key(HERE / "dkim_private_key.pem")
    dev_notary = key(DEV_NOTARY_KEY)
    other_notary = key(HERE / "other_notary_key.pem")
    (HERE / "dkim_public_key.pem").write_bytes(dkim_key.public_key().export_key("PEM") + b"\n")
    (HERE / "dkim_record.txt").write_text(dkim_record(dkim_key) + "\n")

    mint_2047 = rfc2047("Mint my domain NFT at address: ", WALLET)
    good = sign(multipart(mint_2047, "relaxed"), dkim_key, OVERSIGNED)
    good_value = {
        "from": f"alice@{DOMAIN}",
        "to": "Bob Builder <bob@receiver.example>",
        "subject": MINT_SUBJECT,
        "body": PLAIN_DECODED,
    }
    simple_plain = "Plain text, signed simple/simple.\r\n  Spaces  stay.\r\n"
    simple = sign(
        message([*base_headers("Hello from the simple side", "simple"), ("Content-Type", "text/plain")], simple_plain),
        dkim_key,
        Dkim(canon=("simple", "simple"), headers=["from", "to", "subject", "date"]),
    )
    body_changed = good.replace(b"Caf=C3=A9 au lait", b"Caf=C3=A9 con leche")
    header_changed = re.sub(
        rb"Subject: [^\r]*(\r\n[ \t][^\r]*)*", f"Subject: Mint my domain NFT at address: {OTHER_WALLET}".encode(), good
    )
    other_domain = sign(multipart(mint_2047, "other-domain"), dkim_key, Dkim(domain="other-test.example"))
    two = sign(sign(multipart(mint_2047, "two"), dkim_key, OVERSIGNED), dkim_key, Dkim(canon=("simple", "simple")))
    length = sign(multipart(mint_2047, "length"), dkim_key, Dkim(length=True))
    no_subject = sign(multipart(mint_2047, "no-subject"), dkim_key, Dkim(headers=["from", "to", "date"]))
    lone_lf = good.replace(b"relaxed@" + DOMAIN.encode() + b">\r\n", b"relaxed@" + DOMAIN.encode() + b">\n")
    sha1 = sign(multipart(mint_2047, "sha1"), dkim_key, Dkim(algorithm="rsa-sha1"))
    html_only = sign(
        message([*base_headers("No plain text", "html"), ("Content-Type", "text/html")], "<p>only html</p>\r\n"),
        dkim_key,
        Dkim(),
    )
    lf_only = good.replace(b"\r\n", b"\n")
    subdomain = sign(multipart(mint_2047, "subdomain", sender=f"Alice <alice@mail.{DOMAIN}>"), dkim_key, Dkim())
    ed25519 = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    # Signed once by dkimpy 1.1.8 (an independent DKIM implementation) with our DKIM key and committed as they are:
    # messy whitespace, folded headers, `h=from : to : ...`, `i=`, `q=dns/txt`. Not rewritten by this script.
    dkimpy = {c: (HERE / f"crosscheck_dkimpy_{c}.eml").read_bytes() for c in ("relaxed", "simple")}
    dkimpy_value = {
        "from": f"carol@{DOMAIN}",
        "to": "Dave <dave@receiver.example>, Erin <erin@receiver.example>",
        # mailparse unfolds a CRLF and the whitespace after it into one space and keeps other whitespace.
        "subject": "Whitespace   test  folded\tsubject",
        "body": "Line  with   spaces   \r\n\ttabbed line\t\r\n\r\n\r\n",
    }

    cases = [
        Case(
            "ok: relaxed/relaxed, over-signed h=, multipart, RFC 2047 subject", "the good email", good, value=good_value
        ),
        Case(
            "ok: simple/simple",
            "single text/plain part",
            simple,
            value={
                "from": f"alice@{DOMAIN}",
                "to": "Bob Builder <bob@receiver.example>",
                "subject": "Hello from the simple side",
                "body": simple_plain,
            },
        ),
        Case(
            "ok: record signed by a notary the chain does not trust",
            "the precompile only checks the signature matches pubKey; EmailProofLib.verify refuses the key",
            good,
            notary=other_notary,
            value=good_value,
        ),
        Case("ok: signed by dkimpy, relaxed/relaxed", "independent signer", dkimpy["relaxed"], value=dkimpy_value),
        Case("ok: signed by dkimpy, simple/simple", "independent signer", dkimpy["simple"], value=dkimpy_value),
        Case("body changed", "", body_changed, error="Error verifying DKIM: body hash did not verify"),
        Case(
            "signed header changed",
            "Subject replaced",
            header_changed,
            error="Error verifying DKIM: signature did not verify",
        ),
        Case(
            "signature over another domain",
            "d=other-test.example, From in vlayer-test.example",
            other_domain,
            record_name=f"{SELECTOR}._domainkey.other-test.example",
            error="Expected exactly one DKIM-Signature header, found 0",
        ),
        Case(
            "From in a subdomain of d=",
            "no subdomain relaxation",
            subdomain,
            error="Expected exactly one DKIM-Signature header, found 0",
        ),
        Case(
            "two signatures for the From domain", "", two, error="Expected exactly one DKIM-Signature header, found 2"
        ),
        Case(
            "l= present",
            "",
            length,
            error="Error verifying DKIM: signature syntax error: DKIM-Signature header contains body length tag (l=)",
        ),
        Case("h= missing subject", "", no_subject, error="Missing required header `subject` in DKIM h= tag"),
        Case(
            "DNS record name not selector._domainkey.domain",
            "record for another selector, correctly notarised",
            good,
            record_name=f"other._domainkey.{DOMAIN}",
            error=f"Domain mismatch: expected {RECORD_NAME}, actual other._domainkey.{DOMAIN}",
        ),
        Case(
            "record not signed by the notary",
            "signed by another key, pubKey is the dev notary's",
            good,
            notary=other_notary,
            pub_key=dev_notary,
            error="VDNS signature verification failed: Signature verification error",
        ),
        Case(
            "lone \\n in the headers",
            "the Message-ID line ends in a bare LF",
            lone_lf,
            error="Invalid newline separator: lone '\\n' found not preceded by '\\r'. Found byte 62",
        ),
        Case(
            "no CRLF CRLF separator",
            "every line ends in a bare LF",
            lf_only,
            error="Missing CRLF-CRLF separator between email headers and body",
        ),
        Case(
            "ed25519 key",
            "k=ed25519 in the record",
            good,
            record_data=ed25519,
            error="Invalid DKIM public key record: Invalid k tag value: ed25519",
        ),
        Case(
            "rsa-sha1 signature",
            "RFC 8301: refused (vlayer v1 accepted it)",
            sha1,
            error="Error verifying DKIM: unsupported hash algorithm: rsa-sha1 (only rsa-sha256 is accepted)",
        ),
        Case(
            "no text/plain part",
            "html only",
            html_only,
            error="Could not parse email: Plain text body not found in the email",
        ),
        Case(
            "record type not TXT",
            "recordType 1 (A)",
            good,
            record_type=1,
            error="Invalid UnverifiedEmail calldata: Unexpected DNS record type: 1. Supported types: TXT(16)",
        ),
        Case("malformed ABI", "the good input cut short", good, error=TRUNCATED_ABI),
    ]

    eml_names = {
        good: "good_relaxed.eml",
        simple: "good_simple.eml",
        body_changed: "body_changed.eml",
        header_changed: "header_changed.eml",
        other_domain: "other_domain.eml",
        subdomain: "from_subdomain.eml",
        two: "two_signatures.eml",
        length: "length_tag.eml",
        no_subject: "h_missing_subject.eml",
        lone_lf: "lone_lf.eml",
        lf_only: "lf_only.eml",
        sha1: "rsa_sha1.eml",
        html_only: "html_only.eml",
        dkimpy["relaxed"]: "crosscheck_dkimpy_relaxed.eml",
        dkimpy["simple"]: "crosscheck_dkimpy_simple.eml",
    }
    for eml, file_name in eml_names.items():
        if not file_name.startswith("crosscheck_"):
            (HERE / file_name).write_bytes(eml)

    table = []
    for case in cases:
        assert case.eml is not None
        data = case.record_data if case.record_data is not None else dkim_record(dkim_key)
        notary = case.notary or dev_notary
        pub_key = case.pub_key or notary
        signature = pkcs1_15.new(notary).sign(SHA256.new(canonical_json(case.record_name, data, VALID_UNTIL)))
        unverified = (
            case.eml.decode(),
            (case.record_name, case.record_type, data, TTL),
            (VALID_UNTIL, signature, spki_der(pub_key)),
        )
        raw_input = encode([TUPLE], [unverified])
        if case.name == "malformed ABI":
            raw_input = raw_input[:200]
        entry: dict[str, object] = {"name": f"email: {case.name}", "precompile": "EmailProof"}
        if case.note:
            entry["note"] = case.note
        entry["eml"] = eml_names[case.eml]
        entry["input"] = "0x" + raw_input.hex()
        if case.value is not None:
            v = case.value
            entry["value"] = v
            entry["output"] = "0x" + encode([OUTPUT], [(v["from"], v["to"], v["subject"], v["body"])]).hex()
        else:
            entry["error"] = case.error
        table.append(entry)
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
