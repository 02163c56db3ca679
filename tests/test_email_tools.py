"""The email tools (`vlayer.email`, `vlayer email prepare`, `vlayer dns-notary`): canonical JSON and notary
signatures byte for byte as the Rust verifier (precompiles/src/email/vdns.rs) checks them, the refusals, the CLI.

The golden vectors are `precompiles/vectors/email.json` (made by precompiles/testdata/email/make_fixtures.py, an
independent signer, and verified by `cargo test -p vlayer-precompiles`): `prepare_email` must rebuild their inputs
byte for byte, or refuse early what the verifier refuses.
"""

from __future__ import annotations

import base64
import json
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from eth_abi.abi import encode as abi_encode
from eth_utils import keccak

from vlayer.cli import main
from vlayer.email import (
    DEV_NOTARY_KEY_PATH,
    DkimSignatureError,
    DnsRecordError,
    EmailError,
    EmailFormatError,
    MultipleDkimSignaturesError,
    NoDkimSignatureError,
    NotaryKeyError,
    UnverifiedEmail,
    UnverifiedEmailFormatError,
    canonical_json,
    prepare_email,
    record_payload,
    sign_dns_record,
)
from vlayer.email.dkim_record import txt_from_text
from vlayer.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "precompiles" / "testdata" / "email"
VECTORS = ROOT / "precompiles" / "vectors" / "email.json"
DEV_KEY_HASH = "074cd05b6bf1d8d4ec96562e65e928b4e5cb4e5f7f5e7c2f929475d75c0849b6"
ABI_TYPE = "(string,(string,uint8,string,uint64),(uint64,bytes,bytes))"
DKIM_KEY = RSA.generate(1024)  # not the fixtures' key: these emails are never DKIM-verified, only parsed
RECORD = "v=DKIM1; k=rsa; p=" + base64.b64encode(DKIM_KEY.public_key().export_key("DER")).decode()


def dev_key() -> RSA.RsaKey:
    return RSA.import_key(DEV_NOTARY_KEY_PATH.read_bytes())


def mail(*headers: str, body: str = "Hello\r\n") -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


SIG = (
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=Sel1;\r\n"
    "\th=from:to:subject; bh=YWJj; b=eHl6\r\n\t dGVzdA=="
)
GOOD = mail(SIG, "From: Alice <alice@Example.COM>", "To: bob@receiver.example", "Subject: hi")


# ---- canonical JSON ----------------------------------------------------------------------------------------------


def test_canonical_json_is_vlayers_vector() -> None:
    # vlayer v1's verifiable_dns/src/common/record.rs vector.
    expected = b'{"data":"somedata","name":"selector._domainkey.vlayer.xyz","type":16,"valid_until":64}'
    assert record_payload("selector._domainkey.vlayer.xyz", "somedata", 64) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Only " and \ are escaped; control characters and non-ASCII are written raw (UTF-8).
        ('a"b\\c', b'"a\\"b\\\\c"'),
        ("x\ny\x07\x00\x1f\t\r", b'"x\ny\x07\x00\x1f\t\r"'),
        ("café €", '"café €"'.encode()),
        ("/", b'"/"'),
        ("\x7f", b'"\x7f"'),
        ({"b": 1, "a": [True, False, None], "": {}}, b'{"":{},"a":[true,false,null],"b":1}'),
        # Keys sort by their written bytes, closing quote included: `"a b"` (0x20) before `"a"` (0x22).
        ({"a": 1, "a b": 2, 'a"': 3}, b'{"a b":2,"a":1,"a\\"":3}'),
        (-5, b"-5"),
        (2**64 - 1, b"18446744073709551615"),
    ],
)
def test_canonical_json_forms(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


def test_canonical_json_matches_the_rust_verifiers_own_test() -> None:
    # precompiles/src/email/vdns.rs `canonical_json_escapes_only_quote_and_backslash`.
    assert (
        record_payload('a"b\\c', "x\ny\x07é", 0)
        == '{"data":"x\ny\x07é","name":"a\\"b\\\\c","type":16,"valid_until":0}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "no floats"),
        ("e\u0301", "not in Unicode NFC"),  # vlayer's olpc-cjson would sign "é" (NFC), our verifier reads it raw
        ("\ud800", "not Unicode text"),
    ],
)
def test_canonical_json_refuses(value: Any, message: str) -> None:
    with pytest.raises(DnsRecordError, match=message):
        canonical_json(value)


# ---- the notary's signature --------------------------------------------------------------------------------------


def test_dev_key_is_the_one_the_contracts_accept() -> None:
    der = dev_key().public_key().export_key("DER")
    assert keccak(der).hex() == DEV_KEY_HASH
    assert sign_dns_record("n", "d", valid_until=1).pub_key == der


def test_signature_verifies_and_binds_every_signed_field() -> None:
    record = sign_dns_record("selector._domainkey.vlayer.xyz", "somedata", valid_until=64, ttl=300)
    message = b'{"data":"somedata","name":"selector._domainkey.vlayer.xyz","type":16,"valid_until":64}'
    pkcs1_15.new(dev_key().public_key()).verify(SHA256.new(message), record.signature)  # raises if not
    assert record.signature_valid()
    # Deterministic (PKCS#1 v1.5): this is the dev notary's signature over vlayer's vector, for other languages.
    assert record.signature.hex().startswith("2a8682cc487284233a27e3d957de910f")
    assert sign_dns_record("selector._domainkey.vlayer.xyz", "somedata", valid_until=64) == record.__class__(
        **{**record.__dict__, "ttl": 86_400}
    )
    # The TTL is not signed; name, data and valid_until are.
    assert record.__class__(**{**record.__dict__, "ttl": 1}).signature_valid()
    for change in ({"name": "x._domainkey.vlayer.xyz"}, {"data": "somedatA"}, {"valid_until": 65}):
        assert not record.__class__(**{**record.__dict__, **change}).signature_valid()


def test_valid_until_defaults_to_now_plus_ttl() -> None:
    import time

    before = int(time.time())
    record = sign_dns_record("n", "d", ttl=100)
    assert before + 100 <= record.valid_until <= int(time.time()) + 100
    assert record.ttl == 100
    with pytest.raises(DnsRecordError, match="valid_until must be an integer from 0 to 2\\*\\*64-1"):
        sign_dns_record("n", "d", valid_until=2**64)


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        (b"not a key", "not an RSA key"),
        (RSA.generate(1024).export_key("PEM"), "has 1024 bits; at least 2048"),
        (DKIM_KEY.public_key().export_key("PEM"), "is a public key"),
    ],
)
def test_notary_key_refusals(pem: bytes, message: str) -> None:
    with pytest.raises(NotaryKeyError, match=message):
        prepare_email(GOOD, RECORD, notary_key_pem=pem)


# ---- prepare_email -----------------------------------------------------------------------------------------------


def test_prepare_derives_the_dns_name_and_signs_the_record() -> None:
    unverified = prepare_email(GOOD, RECORD, valid_until=2_000_000_000, ttl=600)
    assert unverified.email == GOOD.decode()
    # s= and d= of the From domain's signature, lower-cased (the verifier compares them lower-cased).
    assert unverified.dns_name == "sel1._domainkey.example.com"
    assert (unverified.record_type, unverified.dns_data, unverified.ttl) == (16, RECORD, 600)
    assert unverified.valid_until == 2_000_000_000
    assert unverified.record.signature_valid()
    assert keccak(unverified.pub_key).hex() == DEV_KEY_HASH


def test_prepare_with_another_notary_key() -> None:
    other = RSA.generate(2048)
    unverified = prepare_email(GOOD, RECORD, notary_key_pem=other.export_key("PEM"), valid_until=5)
    assert unverified.pub_key == other.public_key().export_key("DER")
    assert unverified.record.signature_valid()


def test_abi_json_and_tuple_forms_agree() -> None:
    unverified = prepare_email(GOOD, RECORD, valid_until=2**64 - 1)
    encoded = unverified.encode()
    assert encoded == abi_encode([ABI_TYPE], [unverified.as_abi()])
    assert encoded[:32] == (32).to_bytes(32, "big")  # abi.encode of one dynamic struct: its offset first
    assert UnverifiedEmail.decode(encoded) == unverified
    text = unverified.to_json()
    doc = json.loads(text)
    assert doc["dnsRecord"] == {"name": "sel1._domainkey.example.com", "recordType": 16, "data": RECORD, "ttl": 86400}
    assert doc["verificationData"]["validUntil"] == 2**64 - 1
    assert doc["verificationData"]["pubKey"] == "0x" + unverified.pub_key.hex()
    assert UnverifiedEmail.from_json(text) == unverified


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("email"), "UnverifiedEmail: missing email"),
        (lambda d: d.update(extra=1), "UnverifiedEmail: unknown extra"),
        (lambda d: d["dnsRecord"].update(ttl=True), "dnsRecord.ttl must be an integer"),
        (lambda d: d["dnsRecord"].update(recordType=256), "dnsRecord.recordType must be an integer from 0 to 255"),
        (lambda d: d["verificationData"].update(signature="abcd"), "must be 0x-prefixed hex"),
        (lambda d: d["verificationData"].update(validUntil=-1), "validUntil must be an integer"),
        (lambda d: d.update(email=5), "email must be a string"),
    ],
)
def test_json_refusals(edit: Any, message: str) -> None:
    doc = json.loads(prepare_email(GOOD, RECORD, valid_until=9).to_json())
    edit(doc)
    with pytest.raises(UnverifiedEmailFormatError, match=message):
        UnverifiedEmail.from_json(json.dumps(doc))
    with pytest.raises(UnverifiedEmailFormatError, match="not JSON"):
        UnverifiedEmail.from_json("{")


def other_sig(domain: str) -> str:
    return f"DKIM-Signature: v=1; a=rsa-sha256; d={domain}; s=s; h=from:to:subject; bh=YQ==; b=Yg=="


FROM, TO, SUBJECT = "From: alice@example.com", "To: bob@x.org", "Subject: s"


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (GOOD.replace(b"\r\n", b"\n"), EmailFormatError, "lines end in LF, not CRLF"),
        (GOOD.replace(b"To: bob", b"X: 1\nTo: bob"), EmailFormatError, "a lone LF .* ends header line 5"),
        (b"From: a@b.c\r\nSubject: x\r\n", EmailFormatError, "no empty line"),
        (b"\xff" + GOOD, EmailFormatError, "not UTF-8 \\(byte 0 is 0xff\\)"),
        (mail("From alice@example.com Mon Jan 1", SIG, FROM, TO, SUBJECT), EmailFormatError, "mbox 'From ' sep"),
        (mail(" folded", FROM), EmailFormatError, "continuation of no header"),
        (mail(SIG, TO, SUBJECT), EmailFormatError, "no From header"),
        (mail(SIG, "From: a@example.com, b@example.com", TO, SUBJECT), EmailFormatError, "exactly one address"),
        (mail(FROM, TO, SUBJECT), NoDkimSignatureError, "no DKIM-Signature header"),
        (mail(other_sig("other.org"), FROM, TO), NoDkimSignatureError, "d=example.com.*other.org"),
        (mail(other_sig("mail.example.com"), FROM), NoDkimSignatureError, "the From domain"),
        (mail(other_sig("example.com"), other_sig("EXAMPLE.com"), FROM), MultipleDkimSignaturesError, "2 DKIM-Sig"),
        (mail("DKIM-Signature: v=1; junk", FROM), DkimSignatureError, "'junk' is not a tag=value pair"),
        (mail(other_sig("example.com").replace("h=from:to:subject; ", ""), FROM), DkimSignatureError, "lacks.* h="),
        (mail(other_sig("example.com").replace("v=1", "v=2"), FROM), DkimSignatureError, "v=2"),
        (mail(other_sig("example.com") + "; l=5", FROM), DkimSignatureError, "has l="),
        (mail(other_sig("example.com").replace("rsa-sha256", "rsa-sha1"), FROM), DkimSignatureError, "a=rsa-sha1"),
        (mail(other_sig("example.com").replace("to:subject", "to"), FROM), DkimSignatureError, "does not sign subject"),
        (mail(other_sig("example.com") + "; c=loose", FROM), DkimSignatureError, "c=loose"),
        (mail(other_sig("example.com") + "; q=https", FROM), DkimSignatureError, "q=https"),
        (mail(other_sig("example.com") + "; i=@evil.org", FROM), DkimSignatureError, "i=@evil.org"),
    ],
)  # fmt: skip
def test_prepare_refusals(raw: bytes, error: type[EmailError], message: str) -> None:
    with pytest.raises(error, match=message) as refused:
        prepare_email(raw, RECORD)
    assert isinstance(refused.value, InputError)  # exit code 2 on the command line


def test_accepted_variants() -> None:
    # A subdomain identity, a foreign signature beside ours, a trailing ';', and an encoded display name.
    ours = other_sig("example.com") + "; i=alice@mail.example.com;"
    raw = mail(other_sig("list.org"), ours, "From: =?UTF-8?B?w4lsaXNl?= <alice@example.com>", TO, SUBJECT)
    assert prepare_email(raw, RECORD, valid_until=1).dns_name == "s._domainkey.example.com"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "k=ed25519: the verifier takes RSA"),
        ("v=DKIM1; k=rsa", "no p="),
        ("v=DKIM1; p=", "revoked"),
        ("p=!!", "not base64"),
        ("p=AAAA", "not an RSA public key"),
        ("p=" + base64.b64encode(RSA.generate(1024).public_key().export_key("DER")[:-1]).decode(), "not an RSA"),
    ],
)
def test_dns_record_refusals(record: str, message: str) -> None:
    with pytest.raises(DnsRecordError, match=message):
        prepare_email(GOOD, record)


def test_dns_record_text_forms() -> None:
    assert txt_from_text("  v=DKIM1; p=abc \n") == "v=DKIM1; p=abc"
    assert txt_from_text('"v=DKIM1; k=rsa; " "p=ab" "c\\"d"\n') == 'v=DKIM1; k=rsa; p=abc"d'
    with pytest.raises(DnsRecordError, match="not a row of quoted strings"):
        txt_from_text('"v=DKIM1;" p=abc')


# ---- golden vectors shared with the Rust verifier ----------------------------------------------------------------

#: Cases of email.json prepare_email must refuse before signing, by the error it raises.
REFUSED_EARLY = {
    "email: signature over another domain": NoDkimSignatureError,
    "email: From in a subdomain of d=": NoDkimSignatureError,
    "email: two signatures for the From domain": MultipleDkimSignaturesError,
    "email: l= present": DkimSignatureError,
    "email: h= missing subject": DkimSignatureError,
    "email: lone \\n in the headers": EmailFormatError,
    "email: no CRLF CRLF separator": EmailFormatError,
    "email: ed25519 key": DnsRecordError,
    "email: rsa-sha1 signature": DkimSignatureError,
}


def vector_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text())
    return [case for case in cases if case.get("eml")]


@pytest.mark.parametrize("case", vector_cases(), ids=lambda case: case["name"])
def test_prepare_rebuilds_the_verifiers_vectors(case: dict[str, Any]) -> None:
    """Every vector prepare_email could have made (a TXT record notarised under the name the email's signature
    derives, by a key we hold) is rebuilt byte for byte; the ones the verifier refuses for a reason visible in the
    email or the record are refused early instead."""
    given = (
        UnverifiedEmail.decode(bytes.fromhex(case["input"][2:]))
        if "Invalid UnverifiedEmail" not in case.get("error", "")
        else None
    )
    raw = (FIXTURES / case["eml"]).read_bytes()
    keys = [RSA.import_key(p.read_bytes()) for p in (DEV_NOTARY_KEY_PATH, FIXTURES / "other_notary_key.pem")]
    if case["name"] in REFUSED_EARLY:
        assert given is not None
        with pytest.raises(REFUSED_EARLY[case["name"]]):
            prepare_email(raw, given.dns_data, valid_until=given.valid_until, ttl=given.ttl)
        return
    if given is None or not given.record.signature_valid():
        return  # calldata or a signature no notary makes: nothing prepare_email would write
    key = next((k for k in keys if k.public_key().export_key("DER") == given.pub_key), None)
    assert key is not None, "a vector signed by a notary key the fixtures do not hold"
    made = prepare_email(
        raw, given.dns_data, notary_key_pem=key.export_key("PEM"), valid_until=given.valid_until, ttl=given.ttl
    )
    if made.dns_name != given.dns_name:
        assert "Domain mismatch" in case["error"]  # a record for another name, made by hand on purpose
        return
    assert made.encode().hex() == case["input"][2:]


def test_the_vectors_cover_what_prepare_must_rebuild() -> None:
    names = {case["name"] for case in vector_cases()}
    assert set(REFUSED_EARLY) <= names
    ok = [case for case in vector_cases() if "value" in case]
    assert len(ok) >= 2  # the good emails, which must come out identical


# ---- the command line --------------------------------------------------------------------------------------------


def invoke(*args: str, stdin: bytes | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_cli_prepare_json_abi_and_out(tmp_path: Path) -> None:
    eml = tmp_path / "mail.eml"
    eml.write_bytes(GOOD)
    printed = invoke("email", "prepare", str(eml), "--dns-record", RECORD, "--valid-until", "4102444800")
    assert printed.exit_code == 0, printed.output
    unverified = UnverifiedEmail.from_json(printed.stdout)
    assert unverified == prepare_email(GOOD, RECORD, valid_until=4102444800)
    # dig +short's quoted strings in a file, the email on stdin, abi hex to a file.
    record_file = tmp_path / "record.txt"
    record_file.write_text('"' + RECORD[:20] + '" "' + RECORD[20:] + '"\n')
    out = tmp_path / "u.hex"
    args = ["--dns-record-file", str(record_file), "--valid-until", "4102444800", "--abi-hex", "--out", str(out)]
    written = invoke("email", "prepare", "-", *args, stdin=GOOD)
    assert written.exit_code == 0, written.output
    assert out.read_text() == "0x" + unverified.encode().hex() + "\n"


def test_cli_prepare_with_a_keygen_key_and_expiry_warning(tmp_path: Path) -> None:
    eml = tmp_path / "mail.eml"
    eml.write_bytes(GOOD)
    key = tmp_path / "notary.pem"
    made = invoke("dns-notary", "keygen", str(key))
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    info = json.loads(made.stdout)
    assert info["keccak256"] == "0x" + keccak(bytes.fromhex(info["pubKey"][2:])).hex()
    again = invoke("dns-notary", "keygen", str(key))
    assert again.exit_code == 2 and "already exists" in again.stderr
    printed = invoke(
        "email", "prepare", str(eml), "--dns-record", RECORD, "--notary-key", str(key), "--valid-until", "1"
    )
    assert printed.exit_code == 0
    assert "warning: valid until 1, which is not after now" in printed.stderr
    unverified = UnverifiedEmail.from_json(printed.stdout)
    assert "0x" + unverified.pub_key.hex() == info["pubKey"] and unverified.record.signature_valid()


def test_cli_dns_notary_sign_and_pubkey() -> None:
    signed = invoke("dns-notary", "sign", "--name", "selector._domainkey.vlayer.xyz", "--data", "somedata",
                    "--valid-until", "64", "--ttl", "300")  # fmt: skip
    assert signed.exit_code == 0
    doc = json.loads(signed.stdout)
    record = sign_dns_record("selector._domainkey.vlayer.xyz", "somedata", valid_until=64, ttl=300)
    assert doc["dnsRecord"] == {"name": record.name, "recordType": 16, "data": "somedata", "ttl": 300}
    assert doc["verificationData"] == {
        "validUntil": 64,
        "signature": "0x" + record.signature.hex(),
        "pubKey": "0x" + record.pub_key.hex(),
    }
    shown = json.loads(invoke("dns-notary", "pubkey").stdout)
    assert shown == {"pubKey": "0x" + record.pub_key.hex(), "keccak256": "0x" + DEV_KEY_HASH}
    assert invoke("dns-notary", "pubkey", "--raw").stdout == "0x" + record.pub_key.hex() + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one of --dns-record and --dns-record-file"),
        (("--dns-record", "p=AAAA", "--dns-record-file", "README.md"), "exactly one of"),
        (("--dns-record", "v=DKIM1; k=ed25519; p=AAAA"), "k=ed25519"),
        (("--dns-record", RECORD, "--notary-key", "README.md"), "README.md: the notary key is not an RSA key"),
    ],
)
def test_cli_prepare_refusals_exit_2_with_one_line(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    eml = tmp_path / "mail.eml"
    eml.write_bytes(GOOD)
    result = CliRunner().invoke(
        main, ["email", "prepare", str(eml), *[a.replace("README.md", str(ROOT / "README.md")) for a in args]]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_cli_process_exit_code_and_lazy_import(tmp_path: Path) -> None:
    eml = tmp_path / "lf.eml"
    eml.write_bytes(GOOD.replace(b"\r\n", b"\n"))
    code = (
        "import sys; import vlayer.cli; "
        "assert not [m for m in sys.modules if m.startswith(('vlayer.email.prepare', 'Crypto.Signature'))], 'eager'; "
        "sys.argv = ['vlayer', 'email', 'prepare', sys.argv[1], '--dns-record', 'p=AAAA']; vlayer.cli.main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(eml)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: the email's lines end in LF, not CRLF") and done.stderr.count("\n") == 1


def test_sdk_exports_prepare_email() -> None:
    import vlayer.sdk

    assert vlayer.sdk.prepare_email is prepare_email
    assert vlayer.sdk.UnverifiedEmail is UnverifiedEmail


def test_the_documented_command_lines_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/email-tools.md's command lines, run for real in order (keygen's key is the next lines' --key), from a
    folder where the fixtures' paths resolve as in the checkout, so the key they write lands in tmp_path."""
    from tests.test_docs_commands import doc_lines

    (tmp_path / "precompiles").symlink_to(ROOT / "precompiles")
    monkeypatch.chdir(tmp_path)
    lines = [line.text for line in doc_lines(ROOT / "docs" / "email-tools.md")]
    mine = [text for text in lines if text.startswith(("vlayer email ", "vlayer dns-notary "))]
    assert len(mine) == len(lines) == 6
    for text in mine:
        result = invoke(*shlex.split(text)[1:])
        assert result.exit_code == 0, f"{text}: {result.output}"
    assert (tmp_path / "unverified.json").exists() and (tmp_path / "notary.pem").exists()
    assert json.loads((tmp_path / "unverified.json").read_text())["dnsRecord"]["name"] == (
        "s2026._domainkey.vlayer-test.example"
    )


def test_the_examples_prepared_email_is_what_the_tool_writes(tmp_path: Path) -> None:
    """examples/simple-email-proof's forge test reads a prepared email; it must be what `vlayer email prepare` writes
    today (the dev notary's signature is deterministic), so the test proves what a user would."""
    example = ROOT / "examples" / "simple-email-proof" / "testdata"
    out = tmp_path / "prepared.json"
    result = CliRunner().invoke(
        main,
        [
            "email",
            "prepare",
            str(example / "mint_request.eml"),
            "--dns-record-file",
            str(example / "dkim_record.txt"),
            "--valid-until",
            "4102444800",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text() == (example / "mint_request.unverified.json").read_text()
