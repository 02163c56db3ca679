"""JSON from untrusted parties (clients of the service, RPC nodes): bounded in size and nesting before it is parsed.

The standard parser recurses once per nesting level in C and is bounded only by the interpreter's recursion limit,
which py_ecc (imported by py-evm) raises to 100,000: a body of 100,000 `[` then overflows the C stack and kills the
process (SIGSEGV) instead of raising. So the nesting depth is measured first, without recursion, and the parser runs
only on documents that cannot reach that limit. Integers past CPython's digit limit, invalid UTF-8 and syntax errors
all come out as one `UntrustedJsonError`.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

#: Deeper than any JSON-RPC request or answer vlayer reads (eth_getProof's is 4 levels), far below the C stack's limit.
MAX_DEPTH = 128

# A string, with its escapes, up to its closing quote or the end of the input: an unterminated string still matches,
# so the scan is linear whatever the input (no retry from every later quote). Written as runs of plain characters
# between escapes: a node's answer is mostly long hex strings, which this form crosses a run at a time (about 12x
# faster than one alternation per character).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class UntrustedJsonError(ValueError):
    """The bytes are not a JSON document vlayer accepts: malformed, too deep, or too large."""


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings; computed without recursion."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(itertools.accumulate(_STEP[b] for b in brackets))


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """Parse `data` if it is at most `max_bytes` long and nests at most `max_depth` deep."""
    raw = data.encode() if isinstance(data, str) else data
    if max_bytes is not None and len(raw) > max_bytes:
        raise UntrustedJsonError(f"{len(raw)} bytes, above the limit of {max_bytes}")
    # Every level opens with a bracket, so a document with few brackets in all (strings included: an upper bound)
    # cannot be too deep; only one with more is scanned. That is every answer of a node but the odd one.
    if raw.count(b"[") + raw.count(b"{") > max_depth:
        depth = nesting_depth(raw)
        if depth > max_depth:
            raise UntrustedJsonError(f"nested {depth} levels deep, above the limit of {max_depth}")
    try:
        return json.loads(raw)
    except RecursionError:  # cannot happen below MAX_DEPTH; kept typed all the same
        raise UntrustedJsonError("nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise UntrustedJsonError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    except ValueError as exc:  # JSONDecodeError, and an integer past CPython's int-string digit limit
        raise UntrustedJsonError(_first_line(str(exc))) from None


def _first_line(text: str) -> str:
    return text.splitlines()[0][:200] if text else "invalid JSON"
