"""OLPC canonical JSON, the bytes vlayer's DNS notary signs (the `olpc-cjson` crate's format).

Objects with keys sorted by their written bytes (quotes and escapes included, as the crate's BTreeMap of written keys
sorts them), no whitespace, integers only, and strings where only `"` and `\\` are escaped: every other character,
control characters and non-ASCII included, is written as its raw UTF-8. The signature is over these exact bytes, so
any other JSON writer (Python's `json` escapes control characters) gives a record the verifier refuses.

olpc-cjson 0.1.4 (vlayer's notary) also rewrites strings to Unicode NFC; our verifier (precompiles/src/email/vdns.rs)
does not. A string not in NFC is refused here, so every record this signs has the same bytes under both.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from vlayer.email.errors import DnsRecordError

#: What canonical JSON can hold: no floats (OLPC's rule), and no keys but strings.
Canonical: TypeAlias = "bool | int | str | Sequence[Canonical] | Mapping[str, Canonical] | None"


def _string(text: str) -> bytes:
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 for it, and no Rust string could hold it
        raise DnsRecordError(
            f"canonical JSON: a string holds {exc.object[exc.start]!r}, which is not Unicode text"
        ) from None
    if not unicodedata.is_normalized("NFC", text):
        raise DnsRecordError(f"canonical JSON: {text[:60]!r} is not in Unicode NFC; write it composed (NFC)")
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def canonical_json(value: Canonical) -> bytes:
    """The OLPC canonical JSON of `value`."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        items = sorted(((_string(key), item) for key, item in value.items()), key=lambda pair: pair[0])
        return b"{" + b",".join(key + b":" + canonical_json(item) for key, item in items) + b"}"
    if isinstance(value, Sequence):
        return b"[" + b",".join(canonical_json(item) for item in value) + b"]"
    raise DnsRecordError(f"canonical JSON has no form for {type(value).__name__} (OLPC allows no floats)")
