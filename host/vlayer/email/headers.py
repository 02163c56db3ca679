"""The parts of a raw email a DKIM proof depends on, read strictly: the header block, its header fields, the From
address, and the DKIM-Signature of the From domain.

The verifier (the precompile) is the authority; this module refuses, before anything is signed or proved, what it
would certainly refuse: LF line ends, unparsable headers, no or several signatures of the From domain, `l=`, an
`h=` that leaves from, to or subject unsigned. It does not check the signature itself.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass

from vlayer.email.errors import (
    DkimSignatureError,
    EmailFormatError,
    MultipleDkimSignaturesError,
    NoDkimSignatureError,
)

#: RFC 5322 field names: printable ASCII but the colon.
FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")
#: RFC 6376 tag names.
TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: Folding whitespace inside a DKIM tag value.
FWS = re.compile(r"[ \t\r\n]+")
REQUIRED_TAGS = ("v", "a", "b", "bh", "d", "h", "s")
#: Headers a proof reads (VerifiedEmail's from, to, subject): unsigned, anyone relaying the email could change them.
SIGNED_HEADERS = ("from", "to", "subject")
#: The verifier takes rsa-sha256 only (vlayer v1 also took rsa-sha1, whose collisions are practical).
ALGORITHM = "rsa-sha256"
CANONICALIZATIONS = ("simple", "relaxed", "simple/simple", "relaxed/simple", "simple/relaxed", "relaxed/relaxed")


@dataclass(frozen=True)
class Header:
    name: str
    #: The value as written, folding CRLFs included.
    value: str
    #: 1-based line of the header block it starts on.
    line: int


@dataclass(frozen=True)
class DkimSignature:
    domain: str
    selector: str
    tags: dict[str, str]

    @property
    def dns_name(self) -> str:
        """Where the signing key's TXT record lives: `<s>._domainkey.<d>`, lower case (DNS names are not
        case-sensitive, and the verifier compares them lower-cased)."""
        return f"{self.selector}._domainkey.{self.domain}".lower()


def header_block(text: str) -> str:
    """The header block (up to the first empty line), refused unless its lines end in CRLF."""
    end = text.find("\r\n\r\n")
    if end < 0:
        if "\r\n" not in text and "\n" in text:
            raise EmailFormatError(
                "the email's lines end in LF, not CRLF: DKIM signed it with CRLF line ends; use the raw message as "
                "received (e.g. 'Show original' / 'Download message'), not a copy converted to LF"
            )
        raise EmailFormatError("the email has no empty line (CRLF CRLF) between its headers and its body")
    block = text[:end]
    lone = re.search(r"(?<!\r)\n", block)
    if lone is not None:
        line = block.count("\n", 0, lone.start()) + 1
        raise EmailFormatError(f"a lone LF (no CR before it) ends header line {line}: header lines must end in CRLF")
    return block


def parse_headers(block: str) -> list[Header]:
    headers: list[Header] = []
    lines = block.split("\r\n")
    for number, line in enumerate(lines, 1):
        if line[:1] in (" ", "\t"):
            if not headers:
                raise EmailFormatError("header line 1 starts with whitespace: a continuation of no header")
            last = headers[-1]
            headers[-1] = Header(last.name, last.value + "\r\n" + line, last.line)
            continue
        name, colon, value = line.partition(":")
        if not colon or not FIELD_NAME.fullmatch(name.rstrip(" \t")):
            hint = " (an mbox 'From ' separator? keep only the message itself)" if line.startswith("From ") else ""
            raise EmailFormatError(f"header line {number} is not 'Name: value': {line[:60]!r}{hint}")
        headers.append(Header(name.rstrip(" \t"), value, number))
    return headers


def from_domain(headers: list[Header]) -> str:
    """The domain of the address in the last From header (the one the verifier reads), lower case."""
    values = [h for h in headers if h.name.lower() == "from"]
    if not values:
        raise EmailFormatError("the email has no From header")
    last = values[-1]
    addresses = [addr for _, addr in email.utils.getaddresses([FWS.sub(" ", last.value)]) if addr]
    if len(addresses) != 1 or addresses[0].count("@") != 1:
        raise EmailFormatError(
            f"the From header (line {last.line}) must hold exactly one address: {last.value.strip()!r}"
        )
    local, domain = addresses[0].split("@")
    if not local or not domain:
        raise EmailFormatError(f"the From address {addresses[0]!r} (line {last.line}) has no local part or no domain")
    return domain.lower()


def dkim_tags(header: Header) -> dict[str, str]:
    """A DKIM-Signature's tag list (RFC 6376 3.2), values with folding whitespace removed (`b=` and `bh=` are base64
    and may be folded anywhere; no other tag a proof reads holds whitespace that matters)."""
    tags: dict[str, str] = {}
    where = f"the DKIM-Signature on header line {header.line}"
    for part in header.value.split(";"):
        if not part.strip(" \t\r\n"):
            continue  # an empty spec, as after a trailing ';'
        name, equals, value = part.partition("=")
        name = name.strip(" \t\r\n")
        if not equals or not TAG_NAME.fullmatch(name):
            raise DkimSignatureError(f"{where} is malformed: {part.strip()!r} is not a tag=value pair")
        tags.setdefault(name, FWS.sub("", value))  # the first of a repeated tag counts, as in the verifier
    return tags


def signing_signature(headers: list[Header]) -> DkimSignature:
    """The From domain's DKIM-Signature, refused unless the verifier could take it."""
    domain = from_domain(headers)
    signatures = [(h, dkim_tags(h)) for h in headers if h.name.lower() == "dkim-signature"]
    if not signatures:
        raise NoDkimSignatureError("the email has no DKIM-Signature header")
    mine = [(h, tags) for h, tags in signatures if tags.get("d", "").lower() == domain]
    if not mine:
        others = ", ".join(sorted({tags.get("d", "?") for _, tags in signatures}))
        raise NoDkimSignatureError(f"no DKIM-Signature has d={domain}, the From domain (signed by: {others})")
    if len(mine) > 1:
        lines = ", ".join(str(h.line) for h, _ in mine)
        raise MultipleDkimSignaturesError(
            f"{len(mine)} DKIM-Signatures have d={domain} (header lines {lines}); the verifier takes exactly one"
        )
    header, tags = mine[0]
    where = f"the DKIM-Signature of {domain} (header line {header.line})"
    missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
    if missing:
        raise DkimSignatureError(f"{where} lacks the tag(s) {', '.join(t + '=' for t in missing)}")
    if tags["v"] != "1":
        raise DkimSignatureError(f"{where} has v={tags['v']}; only v=1 exists")
    if tags["a"] != ALGORITHM:
        raise DkimSignatureError(f"{where} uses a={tags['a']}; the verifier takes a={ALGORITHM} only")
    if tags.get("c", "simple") not in CANONICALIZATIONS:
        raise DkimSignatureError(f"{where} has c={tags['c']}, not a canonicalization the verifier knows")
    if tags.get("q", "dns/txt") != "dns/txt":
        raise DkimSignatureError(f"{where} has q={tags['q']}; the key can only be looked up as dns/txt")
    identity = tags.get("i", "").rpartition("@")[2].lower()
    if identity and identity != domain and not identity.endswith("." + domain):
        raise DkimSignatureError(f"{where} has i={tags['i']}, outside its d={domain}")
    if "l" in tags:
        raise DkimSignatureError(f"{where} has l=: it signs only part of the body, so the rest could be anything")
    signed = {name.strip().lower() for name in tags["h"].split(":")}
    unsigned = [name for name in SIGNED_HEADERS if name not in signed]
    if unsigned:
        raise DkimSignatureError(f"{where} does not sign {', '.join(unsigned)} (h={tags['h']})")
    return DkimSignature(domain=tags["d"].lower(), selector=tags["s"], tags=tags)
